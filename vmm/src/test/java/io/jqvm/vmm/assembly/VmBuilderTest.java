package io.jqvm.vmm.assembly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.A64Entry;
import io.jqvm.common.Arch;
import io.jqvm.config.ConfigException;
import io.jqvm.config.QvmConf;
import io.jqvm.memory.AddressMap;
import io.jqvm.memory.Space;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Assembly from configurations, without an accelerator (as dryrun does). */
class VmBuilderTest {
    private static Assembly assemble(String... tokens) {
        return VmBuilder.assemble(QvmConf.parse(List.of(tokens), Path.of(".")), List.of(), true);
    }

    @Test
    void ramWithoutStartFollowsTheHighestRegionAndRomIsReadOnly() {
        try (Assembly a = assemble("arch", "x86_64", "ram", "0,640k", "rom", "0xc0000,256k", "ram", "1m")) {
            List<AddressMap.Claim> memory = a.map().claims();
            assertEquals(0x100000, memory.get(2).base());
            assertTrue(a.memory().regionAt(0xc0000).readOnly());
            assertEquals(0, a.memory().read64(0x100000));
            assertNull(a.accelerator());
            assertTrue(a.acceleratorProblem().contains("x86_64"), a.acceleratorProblem());
        }
    }

    @Test
    void aarch64GetsAnImplicitGicAtQvmsDefaultAddresses() {
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "cpu", "cpu")) {
            assertEquals(Arch.AARCH64, a.arch());
            assertEquals(2, a.vcpuCount());
            assertTrue(a.mmio().find(io.jqvm.vmm.board.VirtLayout.QVM_GICV2_DISTRIBUTOR, 4) != null);
            assertTrue(a.devices().getFirst().startsWith("gic (implicit)"), a.devices().toString());
        }
    }

    @Test
    void overlappingDeviceAndRamNamesBothLines() {
        ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64",
                "ram", "0x40000000,16M", "vdev", "pl011", "loc", "0x40001000", "intr", "gic:33"));
        assertTrue(e.getMessage().startsWith("<command line>:1:"), e.getMessage());
        assertTrue(e.getMessage().contains("pl011") && e.getMessage().contains("ram at mem:0x40000000"), e.getMessage());
    }

    @Test
    void interruptsMustNameAnExistingControllerLine() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64",
                "ram", "0x40000000,16M", "vdev", "pl011", "loc", "0x09000000", "intr", "ioapic:4"));
        assertTrue(unknown.getMessage().contains("no interrupt controller named \"ioapic\""), unknown.getMessage());
        ConfigException range = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64",
                "ram", "0x40000000,16M", "vdev", "pl011", "loc", "0x09000000", "intr", "gic:5000"));
        assertTrue(range.getMessage().contains("lines 0-"), range.getMessage());
    }

    @Test
    void x86LegacyDevicesAreInKernelAndTheTimerMustUsePin2() {
        try (Assembly a = assemble("arch", "x86_64", "ram", "0,1m", "vdev", "ioapic", "loc", "0xfec00000",
                "vdev", "timer8254", "intr", "ioapic:2", "vdev", "ser8250", "loc", "io:0x3f8", "intr", "ioapic:4")) {
            assertTrue(a.x86IrqChip() && a.x86Pit());
            assertEquals(0xfec00000L, a.x86IoapicBase());
            assertNull(a.mmio().find(0xfec00000L, 4), "the accelerator answers the IOAPIC window");
            assertTrue(a.pio().find(0x3f8, 1) != null);
            assertTrue(a.map().claims().stream().anyMatch(c -> c.space() == Space.MEM && c.base() == 0xfee00000L));
        }
        ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "x86_64", "ram", "0,1m",
                "vdev", "ioapic", "vdev", "timer8254", "intr", "ioapic:0"));
        assertTrue(e.getMessage().contains("ioapic:2"), e.getMessage());
    }

    @Test
    void rawAarch64ImageEntersWithTheDeviceTreeInX0(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("raw.bin");
        Files.write(image, new byte[] {0x1f, 0x20, 0x03, (byte) 0xd5}); // nop
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "load", image.toString())) {
            A64Entry entry = assertInstanceOf(A64Entry.class, a.entry());
            assertEquals(0x40080000L, entry.pc());
            assertEquals(0x40200000L, entry.x0(), "the image holds the first 2 MiB block, the tree takes the next");
            assertEquals(0xd00dfeedL, Integer.toUnsignedLong(Integer.reverseBytes(a.memory().read32(entry.x0()))));
        }
    }

    @Test
    void unreadableImageIsAConfigurationErrorAtItsLoadLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64",
                "ram", "0x40000000,16M", "load", "/nonexistent/kernel"));
        assertTrue(e.getMessage().startsWith("<command line>:1:5:") && e.getMessage().contains("cannot read"), e.getMessage());
    }

    @Test
    void dataBlobsAreCopiedFromTheirFilesIntoRamAndRom(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("raw.bin");
        Files.write(image, new byte[] {0x1f, 0x20, 0x03, (byte) 0xd5});
        Path blob = dir.resolve("blob.bin");
        byte[] bytes = new byte[5000];
        new Random(7).nextBytes(bytes);
        Files.write(blob, bytes);
        Path empty = Files.createFile(dir.resolve("empty.bin"));
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "rom", "0x1000000,64K",
                "load", image.toString(), "data", "load", "0x40800003," + blob, "data", "load", "0x1000000," + blob,
                "data", "load", "0x40900000," + empty)) {
            assertArrayEquals(bytes, a.memory().read(0x40800003L, bytes.length));
            assertArrayEquals(bytes, a.memory().read(0x1000000L, bytes.length));
        }
        ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64",
                "ram", "0x40000000,16M", "load", image.toString(), "data", "load", "0x40fff000," + blob));
        assertTrue(e.getMessage().contains("does not fit in guest memory"), e.getMessage());
    }

    @Test
    void theCommandsDryrunOpensNoHostBackEnd(@TempDir Path dir) {
        Path self = dir.resolve("self.sock");
        Path log = dir.resolve("hvc0.log");
        String tap = "jqvmdry" + ProcessHandle.current().pid() % 100000;
        var spec = QvmConf.parse(List.of("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-net", "loc", "0x0a000000", "intr", "gic:48", "peer", dir.resolve("other.sock").toString(),
                "name", self.toString(),
                "vdev", "virtio-net", "loc", "0x0a000200", "intr", "gic:49", "tapdev", tap,
                "vdev", "virtio-net", "loc", "0x0a000400", "intr", "gic:50", "passt",
                "vdev", "virtio-console", "loc", "0x0a000600", "intr", "gic:51", "hostdev", ">" + log), Path.of("."));
        try (Assembly a = VmBuilder.dryrun(spec, List.of())) {
            assertEquals(1, a.mmio().find(0x0a000200L, 4).device().read(0, 0x008, 4), "the card is still shown");
            assertTrue(a.bootNotes().stream().anyMatch(n -> n.contains("tapdev back end not opened by a dry run")),
                    a.bootNotes().toString());
        }
        assertFalse(Files.exists(self), "no peer socket was bound");
        assertFalse(Files.exists(log), "no output file was created");
        assertFalse(Files.exists(Path.of("/sys/class/net", tap)), "no TAP device was made");
    }

    @Test
    void anAcpiPmBlockMustFitInTheIoSpace() {
        for (String loc : new String[] {"0", "io:0xfffc"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "x86_64", "ram", "0,1m",
                    "vdev", "acpi-pm", "loc", loc));
            assertTrue(e.getMessage().contains("must lie within the I/O space"), e.getMessage());
        }
        try (Assembly a = assemble("arch", "x86_64", "ram", "0,1m", "vdev", "acpi-pm", "loc", "io:0xfff4")) {
            assertTrue(a.pio().find(0xfff0, 12) != null, "the highest block that fits");
        }
    }
}
