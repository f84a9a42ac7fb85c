package io.jqvm.vmm.assembly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.A64Entry;
import io.jqvm.boot.fdt.Fdt;
import io.jqvm.boot.fdt.FdtNode;
import io.jqvm.config.ConfigException;
import io.jqvm.config.QvmConf;
import io.jqvm.device.BusDevice;
import io.jqvm.devices.shmem.GuestShm;
import io.jqvm.vmm.board.PcLayout;
import io.jqvm.vmm.board.VirtLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shmem vdev in VM assembly: its factory page, its window on each board, its device-tree node. */
class ShmemVdevTest {
    private static Assembly assemble(String... tokens) {
        return VmBuilder.assemble(QvmConf.parse(List.of(tokens), Path.of(".")), List.of(), true);
    }

    @Test
    void arm64FactoryPageIsAQvmGuestShmNodeAndConnectionsGoToTheBoardWindow(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("raw.bin");
        Files.write(image, new byte[] {0x1f, 0x20, 0x03, (byte) 0xd5});
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "load", image.toString(),
                "vdev", "shmem", "loc", "0x0b000000", "intr", "gic:40", "allow", "vm*", "umask", "027",
                "vdev", "shmem", "loc", "0x0b001000", "intr", "gic:41")) {
            assertEquals(GuestShm.SIGNATURE, a.mmio().find(0x0b000000L, 8).device().read(0, 0, 8));
            assertEquals(40, a.mmio().find(0x0b000000L, 8).device().read(0, 16, 4), "vector: the configured line");
            assertEquals(VirtLayout.SHMEM_WINDOW_SIZE, a.mmio().find(VirtLayout.SHMEM_WINDOWS, 4).size());
            assertNotNull(a.mmio().find(VirtLayout.SHMEM_WINDOWS + VirtLayout.SHMEM_WINDOW_SIZE, 4), "the second vdev's window");

            A64Entry entry = (A64Entry) a.entry();
            int size = Integer.reverseBytes(a.memory().read32(entry.x0() + 4));
            Fdt fdt = Fdt.parse(a.memory().read(entry.x0(), size));
            FdtNode node = fdt.root().findChild("shmem@b000000");
            assertNotNull(node, "a node named by the factory page's address");
            assertEquals("qvm,guest_shm", node.string("compatible"));
            assertArrayEquals(cells(0, 0x0b000000, 0, 0x1000), node.property("reg"));
            assertArrayEquals(cells(0, 40 - 32, 4), node.property("interrupts"), "GIC_SPI, SPI number, level high");
        }
    }

    @Test
    void theAcceleratorIsToldThatPeersWriteMappedMemory(@TempDir Path dir) throws Exception {
        // A software CPU must then stop promising I-cache coherence (CTR_EL0 without DIC/IDC): see cpu-a64.
        Path image = dir.resolve("raw.bin");
        Files.write(image, new byte[] {0x1f, 0x20, 0x03, (byte) 0xd5});
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "load", image.toString(),
                "vdev", "shmem", "loc", "0x0b000000", "intr", "gic:40")) {
            assertTrue(a.machineSpec().peerMappedMemory());
        }
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "load", image.toString())) {
            assertFalse(a.machineSpec().peerMappedMemory(), "private RAM and no shmem: coherence can be promised");
        }
    }

    @Test
    void pcFactoryInterruptsThroughTheIoapic() {
        try (Assembly a = assemble("arch", "x86_64", "ram", "0,16M", "vdev", "ioapic",
                "vdev", "shmem", "loc", "0x90000000", "intr", "ioapic:10")) {
            assertEquals(10, a.mmio().find(0x90000000L, 4).device().read(0, 16, 4));
            assertNotNull(a.mmio().find(PcLayout.SHMEM_WINDOWS, 4));
            assertTrue(a.wires.stream().anyMatch(w -> w.source().equals("shmem") && w.interrupt().line() == 10));
        }
    }

    /** The ID word and the INTx pin of {@code 0:device.0} through the arm64 board's ECAM. */
    private static long ecam(Assembly a, int device, int register) {
        long at = VirtLayout.PCIE_ECAM + ((long) device << 15) + register;
        return a.mmio().find(at, 4).device().read(0, at - VirtLayout.PCIE_ECAM, 4);
    }

    @Test
    void withoutLocArm64HasAPciFunctionWithTheFactoryInBarZeroAndNoDeviceTreeNode(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("raw.bin");
        Files.write(image, new byte[] {0x1f, 0x20, 0x03, (byte) 0xd5});
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "load", image.toString(),
                "vdev", "gic", "version", "2", "gicd", "0x08000000", "gicc", "0x08010000",
                "vdev", "virtio-entropy", "vdev", "shmem", "vdev", "shmem", "loc", "pci:0:7.0", "intr", "gic:90")) {
            assertEquals(0x0001_1c05L, ecam(a, 2, 0), "the first shmem at the next free device, after virtio at 1");
            assertEquals(0x0001_1c05L, ecam(a, 7, 0), "the second at its loc");
            assertEquals(1, ecam(a, 2, 0x3c) >>> 8 & 0xff, "INTA#");
            List<String> wires = a.wires().stream().map(w -> w.source() + " -> " + w.interrupt()).toList();
            assertTrue(wires.contains("shmem INTA# -> gic:37"), wires.toString()); // device 2: SPI 5, QEMU virt's swizzle
            assertTrue(wires.contains("shmem INTA# -> gic:90"), wires.toString());
            assertNotNull(a.mmio().find(VirtLayout.SHMEM_WINDOWS + VirtLayout.SHMEM_WINDOW_SIZE, 4), "each has its window");

            A64Entry entry = (A64Entry) a.entry();
            int size = Integer.reverseBytes(a.memory().read32(entry.x0() + 4));
            FdtNode root = Fdt.parse(a.memory().read(entry.x0(), size)).root();
            assertTrue(root.children().stream().noneMatch(n -> n.name().startsWith("shmem@")), "found by enumeration only");
            assertNotNull(root.findChild("pcie@10000000"));
        }
    }

    @Test
    void withoutLocThePcBoardPlacesBarZeroAndRoutesIntaThroughTheIoapic() {
        try (Assembly a = assemble("arch", "x86_64", "ram", "0,16M", "vdev", "ioapic", "vdev", "shmem")) {
            BusDevice ports = a.pio().find(PcLayout.PCI_CONFIG_PORT, 4).device();
            ports.write(0, 0, 4, 0x8000_0800L); // 0:1.0, register 0
            assertEquals(0x0001_1c05L, ports.read(0, 4, 4));
            ports.write(0, 0, 4, 0x8000_0810L); // BAR 0, placed as a firmware would
            long bar = ports.read(0, 4, 4);
            assertTrue(bar != 0 && (bar & 0xfff) == 0, "a page-aligned 32-bit memory BAR: " + Long.toHexString(bar));
            assertEquals(GuestShm.SIGNATURE, a.mmio().find(bar, 8).device().read(0, bar - a.mmio().find(bar, 8).base(), 8));
            ports.write(0, 0, 4, 0x8000_083cL);
            long line = ports.read(0, 4, 4) & 0xff;
            assertTrue(a.wires().stream().anyMatch(w -> w.source().equals("shmem INTA#") && w.interrupt().line() == line),
                    "the interrupt line register names the INTA# GSI " + line);
            long vector = a.mmio().find(bar, 8).device().read(0, bar - a.mmio().find(bar, 8).base() + 16, 4);
            assertEquals(line, vector, "the factory's vector is the same line");
        }
    }

    @Test
    void configurationMistakesNameTheirLine() {
        ConfigException noIntr = assertThrows(ConfigException.class,
                () -> assemble("arch", "x86_64", "ram", "0,16M", "vdev", "shmem", "loc", "0x90000000"));
        assertTrue(noIntr.getMessage().contains("intr"), noIntr.getMessage());
        ConfigException umask = assertThrows(ConfigException.class, () -> assemble("arch", "x86_64", "ram", "0,16M",
                "vdev", "ioapic", "vdev", "shmem", "loc", "0x90000000", "intr", "ioapic:10", "umask", "0999"));
        assertTrue(umask.getMessage().contains("octal"), umask.getMessage());
        ConfigException overRam = assertThrows(ConfigException.class, () -> assemble("arch", "x86_64", "ram", "0,3G",
                "vdev", "ioapic", "vdev", "shmem", "loc", "0xfe000000", "intr", "ioapic:10"));
        assertTrue(overRam.getMessage().contains("shmem connections"), overRam.getMessage());
    }

    private static byte[] cells(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }
}
