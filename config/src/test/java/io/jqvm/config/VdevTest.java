package io.jqvm.config;

import io.jqvm.common.Arch;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.config.model.VmSpec;
import io.jqvm.config.vdev.VdevCatalog;
import io.jqvm.config.vdev.VdevSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static io.jqvm.config.Configs.args;
import static io.jqvm.config.Configs.failsWith;
import static io.jqvm.config.Configs.file;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VdevTest {
    @TempDir
    Path cwd;

    /** A line per vdev type using every option it has, so each schema's parsers run at least once. */
    private static final Map<String, String> EVERY_OPTION = Map.ofEntries(
            Map.entry("gic", "version 3 gicd 0x2c001000 gicc 0x2c002000 gicr 0x2c100000 hostvector 32 name gic intr x:1"),
            Map.entry("ioapic", "hostvector 0 intr apic loc 0xf8000000 name ioapic"),
            Map.entry("8259", "loc 0x20 hostvector 16 name pic1"),
            Map.entry("pckeyboard", "loc 0x60"),
            Map.entry("timer8254", "intr ioapic:0"),
            Map.entry("mc146818", "reg 0x0b,0x02 reg 0x0a,0x26 loc io:0x70 intr ioapic:8"),
            Map.entry("hpet", "frequency 14318180 intr ioapic:2,ioapic:8 legacy-free loc 0xf8008000"),
            Map.entry("ser8250", "batch 100 delayed forever hostdev >- hostdev <in intr ioapic:4 loc 0x3f8 name com1 sched 10"),
            Map.entry("pl011", "batch 0 delayed 3 hostdev >\"|tee log\" sched 12 loc 0x1c090000 intr gic:37"),
            Map.entry("pl031", "loc 0x1c170000 intr gic:36"),
            Map.entry("pl061", "loc 0x09030000 intr gic:39"),
            Map.entry("virtio-blk", "delayed 0 dio read hostdev <disk.img legacy threads 32 serial disk-0 loc 0x1c0d0000 intr gic:42"),
            Map.entry("virtio-net", "legacy mac 02:00:00:00:00:0A peer /dev/vdevpeers/vp0 peerfeats 0x7fc3 name net0"),
            Map.entry("virtio-console", "delayed 1 hostdev /dev/ser1 legacy sched 9 name con"),
            Map.entry("virtio-entropy", "delayed forever legacy loc 0x1c0e0000 intr gic:43"),
            Map.entry("virtio-input", "display 1 force_dev_presence yes global_alpha 255 offset 0,0 options -0x2 pipeline 2 "
                    + "protocol 1 sched 10 size 800,480 window win1 zorder 3 screen keyboard"),
            Map.entry("virtio-vsock", "cid 3 uds /tmp/vsock.sock legacy"),
            Map.entry("vhost-user-blk", "socket /tmp/blk.sock legacy"),
            Map.entry("vhost-user-net", "socket /tmp/net.sock mac 52:54:00:12:34:56 legacy"),
            Map.entry("vhost-user-fs", "socket /tmp/fs.sock tag share legacy"),
            Map.entry("shmem", "allow vm* deny vm9 create buf,64K,0660,100 gid 100 sched 10 subst ,/shm umask 022 loc 0x1c100000 intr gic:50"),
            Map.entry("wdt-sp805", "action dump,terminate frequency 25000000 intr gic:32"),
            Map.entry("wdt-ib700", "action dump,reset"),
            Map.entry("smmu", "loc 0x1c200000 intr gic:60"),
            Map.entry("pci-dummy", "clone 0:31.0 reg 0x40/4=0x12345678 reg Class_Code2=6 loc pci:0:0"),
            Map.entry("progress", "name p"),
            Map.entry("acpi-pm", "intr ioapic:9"));

    /** Further samples for options that exclude each other (virtio-net's backends). */
    private static final Map<String, List<String>> MORE_SAMPLES = Map.of(
            "virtio-net", List.of("tapdev tap0 mac 02:00:00:00:00:0b", "passt", "passt /run/user/1000/passt.socket"));

    @Test
    void everyVdevTypeParsesEveryOption() {
        Set<String> covered = new HashSet<>();
        for (VdevSchema schema : VdevCatalog.all()) {
            String line = EVERY_OPTION.get(schema.type());
            assertTrue(line != null, "no sample for " + schema.type());
            List<String> lines = new java.util.ArrayList<>(List.of(line));
            lines.addAll(MORE_SAMPLES.getOrDefault(schema.type(), List.of()));
            for (String sample : lines) {
                VdevSpec vdev = file(cwd, schema.type() + ".conf", "vdev " + schema.type() + " " + sample).vdevs().getFirst();
                assertEquals(schema.type(), vdev.type());
                assertTrue(vdev.explicit());
                for (String option : schema.options().keySet()) {
                    if (vdev.has(option)) {
                        covered.add(schema.type() + "." + option);
                    }
                }
            }
            for (String option : schema.options().keySet()) {
                if (!Set.of("loc", "intr", "name").contains(option)) {
                    assertTrue(covered.contains(schema.type() + "." + option), schema.type() + " sample lacks " + option);
                }
            }
        }
    }

    @Test
    void typedAccessors() {
        VdevSpec blk = file(cwd, "b.conf", "vdev virtio-blk " + EVERY_OPTION.get("virtio-blk")).vdevs().getFirst();
        assertEquals(Optional.of(new Value.Number(32)), blk.value("threads", Value.Number.class));
        assertEquals(Optional.of(new Value.Text("read")), blk.value("dio", Value.Text.class));
        assertEquals(Optional.of(new Value.Delay(0, false)), blk.value("delayed", Value.Delay.class));
        assertEquals(List.of(new Value.HostDevice(Value.HostDevice.Direction.INPUT, "disk.img")),
                blk.all("hostdev", Value.HostDevice.class));
        assertTrue(blk.has("legacy"));
        assertEquals(Optional.of(new Location.Memory(0x1c0d0000L)), blk.location());
        assertEquals(List.of(new Interrupt(Optional.of("gic"), 42)), blk.interrupts());
        assertThrows(IllegalArgumentException.class, () -> blk.value("threads", Value.Text.class));
        assertThrows(IllegalArgumentException.class, () -> blk.option("mac"));
    }

    @Test
    void charDeviceHostdevsRepeatAndPipe() {
        VdevSpec uart = args(cwd, "vdev", "ser8250", "hostdev", ">-", "hostdev", "<in", "hostdev", ">|tee log", "hostdev", "/dev/ser1")
                .vdevs().getFirst();
        List<Value.HostDevice> devices = uart.all("hostdev", Value.HostDevice.class);
        assertEquals(List.of(new Value.HostDevice(Value.HostDevice.Direction.OUTPUT, "-"),
                new Value.HostDevice(Value.HostDevice.Direction.INPUT, "in"),
                new Value.HostDevice(Value.HostDevice.Direction.OUTPUT, "|tee log"),
                new Value.HostDevice(Value.HostDevice.Direction.BOTH, "/dev/ser1")), devices);
        assertEquals(Optional.of("tee log"), devices.get(2).pipeCommand());
        assertEquals(Optional.empty(), devices.get(0).pipeCommand());
        assertEquals(Optional.of(new Location.Io(0x441)), args(cwd, "vdev", "wdt-ib700").vdevs().getFirst().location());
    }

    @Test
    void defaultLocationSpacesAndLocations() {
        VmSpec spec = args(cwd, "vdev", "ser8250", "loc", "0x3f8", "vdev", "pl011", "loc", "0x1c090000",
                "vdev", "acpi-pm", "vdev", "acpi-pm", "loc", "0x600", "vdev", "virtio-net", "passt");
        assertEquals(Optional.of(new Location.Io(0x3f8)), spec.vdevs().get(0).location());
        assertEquals(Optional.of(new Location.Memory(0x1c090000L)), spec.vdevs().get(1).location());
        assertEquals(Optional.of(new Location.Io(0x604)), spec.vdevs().get(2).location());
        assertEquals(Optional.of(new Location.Io(0x600)), spec.vdevs().get(3).location());
        assertEquals(Optional.empty(), spec.vdevs().get(4).location());
        assertEquals(Optional.of(new Location.PciSlot(0, 1, OptionalInt.empty())),
                args(cwd, "vdev", "virtio-net", "loc", "pci:0:1", "tapdev", "tap0").vdevs().getFirst().location());
    }

    @ParameterizedTest
    @CsvSource({"pl011", "vdev-pl011", "vdev-pl011.so", "pl011.so"})
    void typeSpellings(String spelled) {
        assertEquals("pl011", args(cwd, "vdev", spelled).vdevs().getFirst().type());
    }

    @Test
    void theLastNonRepeatableOptionWinsAndIntrAccumulates() {
        VdevSpec v = args(cwd, "vdev", "hpet", "frequency", "10000000", "intr", "ioapic:2", "frequency", "20000000", "intr", "ioapic:8,ioapic:9")
                .vdevs().getFirst();
        assertEquals(1, v.all("frequency", Value.Number.class).size());
        assertEquals(Optional.of(new Value.Number(20000000)), v.value("frequency", Value.Number.class));
        assertEquals(Origin.commandLine(7), v.option("frequency").orElseThrow().origin());
        assertEquals(3, v.interrupts().size());
    }

    @Test
    void aTopLevelOptionInsideAVdevContextKeepsTheContextOpen() {
        VmSpec spec = args(cwd, "vdev", "pl011", "ram", "1M", "loc", "0x1c090000", "cmdline", "x", "intr", "gic:37");
        VdevSpec uart = spec.vdevs().getFirst();
        assertEquals(Optional.of(new Location.Memory(0x1c090000L)), uart.location());
        assertEquals(1, uart.interrupts().size());
        assertEquals(1, spec.memory().size());
    }

    @Test
    void vdevScopedVariablesStayWithTheirVdevGlobalOnesGoToTheVm() {
        VmSpec spec = args(cwd, "vdev", "pl011", "set", "debug", "off", "set", "vdev-message-block-timeout", "500",
                "set", "message-block-timeout", "20");
        VdevSpec uart = spec.vdevs().getFirst();
        assertEquals(new Value.Bool(false), uart.setting("debug").orElseThrow().value());
        assertEquals(new Value.Number(500), uart.setting("vdev-message-block-timeout").orElseThrow().value());
        assertEquals(new Value.Number(20), spec.setting("message-block-timeout").orElseThrow().value());
        assertEquals(Optional.empty(), uart.setting("message-block-timeout"));
    }

    @Test
    void unknownTypesListTheKnownOnesAndSuggest() {
        String known = "gic, ioapic, 8259, pckeyboard, timer8254, mc146818, hpet, ser8250, pl011, pl031, pl061, virtio-blk, "
                + "virtio-net, virtio-console, virtio-entropy, virtio-input, virtio-vsock, vhost-user-blk, "
                + "vhost-user-net, vhost-user-fs, shmem, wdt-sp805, wdt-ib700, "
                + "smmu, pci-dummy, progress, acpi-pm";
        failsWith(cwd, "<command line>:1:2: unknown vdev type \"vdev-pl01.so\"; did you mean \"pl011\"? (known types: "
                + known + ")", "vdev", "vdev-pl01.so");
        failsWith(cwd, "<command line>:1:2: unknown vdev type \"floppy\" (known types: " + known + ")", "vdev", "floppy");
        failsWith(cwd, "<command line>:1:1: \"vdev\" needs an argument: vdev type [options]", "vdev");
    }

    @Test
    void unknownOptionsListTheVdevsOptions() {
        failsWith(cwd, "<command line>:1:3: unknown option \"thread\" for vdev virtio-blk; did you mean \"threads\"? "
                + "(vdev virtio-blk options: loc, intr, name, delayed, dio, hostdev, legacy, threads, serial, set; or a top-level option)",
                "vdev", "virtio-blk", "thread", "4");
        failsWith(cwd, "<command line>:1:3: unknown option \"hostdev\" for vdev pl031 (vdev pl031 options: loc, intr, name, set; "
                + "or a top-level option)", "vdev", "pl031", "hostdev", "x");
    }

    @Test
    void optionValueErrors() {
        failsWith(cwd, "<command line>:1:4: vdev virtio-blk threads: \"33\" is out of range 1..32", "vdev", "virtio-blk", "threads", "33");
        failsWith(cwd, "<command line>:1:4: vdev virtio-blk dio: \"sometimes\" is not one of disable, enable, read",
                "vdev", "virtio-blk", "dio", "sometimes");
        failsWith(cwd, "<command line>:1:4: vdev virtio-blk hostdev: \">disk\": '>' (write-only) is not allowed here; use \"disk\" or \"<disk\"",
                "vdev", "virtio-blk", "hostdev", ">disk");
        failsWith(cwd, "<command line>:1:4: vdev ser8250 hostdev: \">\" names no host device", "vdev", "ser8250", "hostdev", ">");
        failsWith(cwd, "<command line>:1:4: vdev ser8250 hostdev: \">|\" names no host device", "vdev", "ser8250", "hostdev", ">|");
        failsWith(cwd, "<command line>:1:4: vdev ser8250 delayed (seconds or forever): \"hostdev\" is not a number (write 123, 0x7b or 0d123)",
                "vdev", "ser8250", "delayed", "hostdev", ">-");
        failsWith(cwd, "<command line>:1:4: vdev virtio-net mac: \"02:00:00:00:00\" is not a MAC address (write six hex bytes, 02:00:00:00:00:01)",
                "vdev", "virtio-net", "mac", "02:00:00:00:00");
        failsWith(cwd, "<command line>:1:4: vdev virtio-net peer: the path must not be empty", "vdev", "virtio-net", "peer", "");
        failsWith(cwd, "<command line>:1:4: vdev gic version: \"4\" is out of range 2..3", "vdev", "gic", "version", "4");
        failsWith(cwd, "<command line>:1:4: vdev ioapic intr: \"ioapic:1\" is not one of apic", "vdev", "ioapic", "intr", "ioapic:1");
        failsWith(cwd, "<command line>:1:4: vdev mc146818 reg: \"11\" is not offset,value", "vdev", "mc146818", "reg", "11");
        failsWith(cwd, "<command line>:1:4: vdev wdt-sp805 action: \"dump\" is not [dump,]terminate, [dump,]reset or [dump,]fiq",
                "vdev", "wdt-sp805", "action", "dump");
        failsWith(cwd, "<command line>:1:4: vdev wdt-ib700 action: \"fiq\" is not [dump,]terminate, [dump,]reset (x86 has no FIQ)",
                "vdev", "wdt-ib700", "action", "fiq");
        failsWith(cwd, "<command line>:1:4: vdev virtio-input force_dev_presence: \"maybe\" is not a boolean (write on/off, 1/0, yes/no or true/false)",
                "vdev", "virtio-input", "force_dev_presence", "maybe");
        failsWith(cwd, "<command line>:1:4: vdev virtio-input options: \"+x\" is not a mask (write [+|-]number, e.g. +0x10)",
                "vdev", "virtio-input", "options", "+x");
        failsWith(cwd, "<command line>:1:4: vdev virtio-vsock cid: \"2\" is out of range 3..4294967294", "vdev", "virtio-vsock", "cid", "2");
        failsWith(cwd, "<command line>:1:4: vdev shmem create: \"buf\" is not name,size[,mode[,gid]]", "vdev", "shmem", "create", "buf");
        failsWith(cwd, "<command line>:1:4: vdev shmem create (size): \"lots\" is not a size or address (write 0x1000, 4096, 4K, 16M or 1G)",
                "vdev", "shmem", "create", "buf,lots");
        failsWith(cwd, "<command line>:1:4: vdev pci-dummy reg: \"0x40/4\" has no '=value'", "vdev", "pci-dummy", "reg", "0x40/4");
        failsWith(cwd, "<command line>:1:4: vdev pci-dummy reg: \"0x40/3=1\": register size 3 is not 1, 2, 4 or 8",
                "vdev", "pci-dummy", "reg", "0x40/3=1");
        failsWith(cwd, "<command line>:1:4: vdev pci-dummy reg: \"0x100\" is out of range 0..255", "vdev", "pci-dummy", "reg", "Revision_ID=0x100");
        failsWith(cwd, "<command line>:1:4: vdev pci-dummy reg: unknown register \"Vendor\" (write offset/size or one of Vendor_ID, "
                + "Device_ID, Revision_ID, Class_Code0, Class_Code1, Class_Code2, Header_Type, Sub_Vendor_ID, Sub_System_ID)",
                "vdev", "pci-dummy", "reg", "Vendor=1");
        failsWith(cwd, "<command line>:1:4: vdev pl011 loc: unknown location space \"irq:\" in \"irq:5\" (use mem:, io: or pci:)",
                "vdev", "pl011", "loc", "irq:5");
        failsWith(cwd, "<command line>:1:3: \"threads\" needs an argument: vdev virtio-blk threads n", "vdev", "virtio-blk", "threads");
    }

    @Test
    void pciRegisterValues() {
        VdevSpec dummy = args(cwd, "vdev", "pci-dummy", "reg", "0x40/8=0xffffffffffffffff", "reg", "Vendor_ID=0x1c05").vdevs().getFirst();
        assertEquals(List.of(new Value.PciRegister(Optional.empty(), 0x40, 8, -1L),
                new Value.PciRegister(Optional.of("Vendor_ID"), 0, 2, 0x1c05)), dummy.all("reg", Value.PciRegister.class));
    }

    @Test
    void masksAndMacs() {
        VdevSpec input = args(cwd, "vdev", "virtio-input", "options", "+0x10").vdevs().getFirst();
        assertEquals(Optional.of(new Value.Mask(Value.Mask.Operation.SET, 0x10)), input.value("options", Value.Mask.class));
        VdevSpec net = args(cwd, "vdev", "virtio-net", "mac", "2:0:0:ab:cd:EF", "passt").vdevs().getFirst();
        assertEquals("02:00:00:ab:cd:ef", net.value("mac", Value.Mac.class).orElseThrow().toString());
    }

    @Test
    void shmemWithLocNeedsIntr() {
        failsWith(cwd, "<command line>:1:3: vdev shmem: \"loc\" needs \"intr\" too", "vdev", "shmem", "loc", "0x1000", "ram", "1M");
        assertEquals(1, args(cwd, "vdev", "shmem", "create", "b,4K").vdevs().size());
    }

    @Test
    void vdevNames() {
        failsWith(cwd, "<command line>:1:7: vdev name \"con\" is already used at <command line>:1:3",
                "vdev", "pl011", "name", "con", "vdev", "virtio-console", "name", "con");
        failsWith(cwd, "<command line>:1:3: vdev gic: name \"g:1\" must not contain ':' (other vdevs refer to an interrupt "
                + "controller as name:line)", "vdev", "gic", "name", "g:1");
        assertEquals(Optional.of("a:b"), args(cwd, "vdev", "pl011", "name", "a:b").vdevs().getFirst().name());
    }

    @Test
    void architectureChecks() {
        VmSpec spec = args(cwd, "vdev", "gic", "vdev", "virtio-blk", "hostdev", "d.img", "vdev", "pl011");
        spec.checkArchitecture(Arch.AARCH64);
        ConfigException e = assertThrows(ConfigException.class, () -> spec.checkArchitecture(Arch.X86_64));
        assertEquals("<command line>:1:1: vdev \"gic\" does not exist on x86_64 guests", e.getMessage());
        failsWith(cwd, "<command line>:1:3: vdev \"ioapic\" does not exist on aarch64 guests", "arch", "aarch64", "vdev", "ioapic");
        assertFalse(VdevCatalog.find("pl031").orElseThrow().existsOn(Arch.X86_64));
    }

    @Test
    void implicitVdevsAreMarked() {
        VdevSpec gic = VdevSpec.implicit("gic");
        assertFalse(gic.explicit());
        assertEquals(Origin.BUILT_IN, gic.origin());
        assertEquals(Optional.empty(), gic.value("version", Value.Number.class));
        assertThrows(IllegalArgumentException.class, () -> VdevSpec.implicit("floppy"));
        assertEquals(2, args(cwd, "vdev", "pl011", "vdev", "virtio-blk", "hostdev", "d.img", "vdev", "pl011").vdevs("pl011").size());
    }

    @Test
    void schemasDescribeThemselves() {
        VdevSchema ser = VdevCatalog.find("ser8250").orElseThrow();
        assertEquals(Location.Space.IO, ser.defaultSpace());
        assertFalse(ser.interruptController());
        assertTrue(VdevCatalog.find("8259").orElseThrow().interruptController());
        assertEquals("hostdev [<|>]device", ser.option("hostdev").orElseThrow().syntax());
        assertTrue(ser.option("hostdev").orElseThrow().repeatable());
        assertFalse(VdevCatalog.find("virtio-blk").orElseThrow().option("hostdev").orElseThrow().repeatable());
    }

    @Test
    void frequenciesTheDeviceModelsCannotRunAreRefusedAtTheirOption() {
        failsWith(cwd, "<command line>:1:4: vdev wdt-sp805 frequency: \"2000000000\" is out of range 1..1000000000",
                "vdev", "wdt-sp805", "frequency", "2000000000");
        failsWith(cwd, "<command line>:1:4: vdev hpet frequency: \"1000\" is out of range 10000000..1000000000000000",
                "vdev", "hpet", "frequency", "1000");
    }
}
