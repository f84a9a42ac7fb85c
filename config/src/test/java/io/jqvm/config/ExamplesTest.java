package io.jqvm.config;

import io.jqvm.common.Arch;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.MemoryRegion;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static io.jqvm.config.Configs.args;
import static io.jqvm.config.Configs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole configurations in the shape real guests use, combined with command-line overrides. */
class ExamplesTest {
    @TempDir
    Path cwd;

    @Test
    void x86LegacyLayout() {
        write(cwd, "x86.qvmconf", """
                system qnx-x86
                ram 0,0xa0000
                reserve loc 0xa0000,0x20000     # VGA hole
                rom 0xc0000,0x40000             # BIOS area
                ram 1m,1023m
                cpu sched 10
                cpu sched 10
                load /guests/x86/ifs.bin
                vdev ioapic loc 0xf8000000 intr apic name myioapic
                vdev 8259 loc 0x20
                vdev 8259 loc 0xa0
                vdev timer8254 intr myioapic:0
                vdev mc146818 reg 0x0b,0x02
                vdev pckeyboard
                vdev hpet loc 0xf8008000 intr myioapic:2,myioapic:8
                vdev ser8250 loc 0x3f8 intr myioapic:4 hostdev >-
                vdev acpi-pm
                """);
        VmSpec spec = args(cwd, "@x86.qvmconf", "set", "fdt-dump-file", "/tmp/x.dtb", "dryrun");
        spec.checkArchitecture(Arch.X86_64);
        assertEquals(Optional.of("qnx-x86"), spec.system());
        assertEquals(List.of(0L, 0xc0000L, 0x100000L), spec.memory().stream().map(MemoryRegion::base).toList());
        assertEquals(2, spec.cpus().size());
        assertEquals(9, spec.vdevs().size());
        assertEquals(Optional.of(new Location.Io(0xa0)), spec.vdevs("8259").get(1).location());
        assertEquals(List.of(new Interrupt(Optional.of("myioapic"), 4)), spec.vdevs("ser8250").getFirst().interrupts());
        assertEquals(Optional.of(new Location.Io(0x604)), spec.vdevs("acpi-pm").getFirst().location());
        assertTrue(spec.dryrun());
        assertEquals(new Origin(Origin.COMMAND_LINE, 1, 2), spec.setting("fdt-dump-file").orElseThrow().origin());
    }

    @Test
    void armVirtioGuest() {
        write(cwd, "arm.qvmconf", """
                system linux-arm
                arch aarch64
                accel soft
                ram 0x80000000,512M
                cpu cluster _cpu-0
                cpu cluster _cpu-1
                load 0x80080000,Image
                initrd load initrd.img
                cmdline "console=ttyAMA0 earlycon=pl011,0x1c090000 \\
                         root=/dev/vda rw"
                vdev gic version 2 gicd 0x2c001000 gicc 0x2c002000
                vdev pl011 loc 0x1c090000 intr gic:37 hostdev >-
                vdev pl031 loc 0x1c170000 intr gic:36
                vdev virtio-blk loc 0x1c0d0000 intr gic:42 hostdev disk.img
                vdev virtio-net loc 0x1c0e0000 intr gic:43 mac 02:00:00:00:00:01 peer /dev/vdevpeers/vp0
                vdev virtio-entropy loc 0x1c0f0000 intr gic:44
                vdev wdt-sp805 loc 0x1c100000 intr gic:45 action dump,terminate
                logger error,warn stderr
                logger info stdout
                """);
        VmSpec spec = args(cwd, "@arm.qvmconf", "cmdline", "console=ttyAMA0 quiet");
        assertEquals(Optional.of("console=ttyAMA0 quiet"), spec.cmdline());
        assertEquals(Optional.of(Arch.AARCH64), spec.arch());
        assertEquals(2, spec.loads().size());
        assertEquals(cwd.resolve("initrd.img"), spec.loads().get(1).path());
        assertEquals(7, spec.vdevs().size());
        assertEquals(Optional.of(new Value.Number(0x2c002000L)), spec.vdevs("gic").getFirst().value("gicc", Value.Number.class));
        assertEquals(Optional.of(new Value.Words(List.of("dump", "terminate"))),
                spec.vdevs("wdt-sp805").getFirst().value("action", Value.Words.class));
        assertEquals(2, spec.effectiveLoggers().size());
    }

    @Test
    void theFilesOwnCmdlineKeepsItsContinuation() {
        write(cwd, "c.qvmconf", "cmdline \"a \\\n   b\"\n");
        assertEquals(Optional.of("a    b"), args(cwd, "@c.qvmconf").cmdline());
    }

    @Test
    void ignoredOptionsStopAtTheNextOptionOfTheOpenContext() {
        VmSpec spec = args(cwd, "vdev", "pl011", "suppress", "1234", "loc", "0x1c090000");
        assertEquals(Optional.of(new Location.Memory(0x1c090000L)), spec.vdevs().getFirst().location());
        assertEquals("<command line>:1:3: \"suppress\" is not supported by jqvm; ignored with its arguments \"1234\"",
                spec.warnings().getFirst().toString());
    }
}
