package io.jqvm.vmm.assembly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.A64Entry;
import io.jqvm.boot.fdt.Fdt;
import io.jqvm.boot.fdt.FdtNode;
import io.jqvm.config.ConfigException;
import io.jqvm.config.QvmConf;
import io.jqvm.device.Bus;
import io.jqvm.virtio.mmio.VirtioMmioTransport;
import io.jqvm.vmm.board.VirtLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** virtio vdevs in VM assembly: the window, the interrupt, and how each board tells the guest about them. */
class VirtioMmioVdevsTest {
    private static Assembly assemble(String... tokens) {
        return VmBuilder.assemble(QvmConf.parse(List.of(tokens), Path.of(".")), List.of(), true);
    }

    private static final long MAGIC_VALUE = 0x74726976L; // "virt"

    @Test
    void arm64TransportSitsAtLocAndIsAVirtioMmioNodeOnItsSpi(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("raw.bin");
        Files.write(image, new byte[] {0x1f, 0x20, 0x03, (byte) 0xd5});
        long base = VirtLayout.virtioMmioBase(1);
        int intid = VirtLayout.virtioMmioIntid(1);
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "load", image.toString(),
                "vdev", "virtio-entropy", "loc", Long.toString(base), "intr", "gic:" + intid)) {
            Bus.Window w = a.mmio().find(base, 4);
            assertNotNull(w);
            assertEquals(VirtioMmioTransport.WINDOW_SIZE, w.size());
            assertEquals(MAGIC_VALUE, w.device().read(0, 0x000, 4));
            assertEquals(2, w.device().read(0, 0x004, 4), "version 2 (modern) by default");
            assertEquals(4, w.device().read(0, 0x008, 4), "entropy device ID");

            A64Entry entry = (A64Entry) a.entry();
            int size = Integer.reverseBytes(a.memory().read32(entry.x0() + 4));
            Fdt fdt = Fdt.parse(a.memory().read(entry.x0(), size));
            FdtNode node = fdt.root().findChild("virtio_mmio@" + Long.toHexString(base));
            assertNotNull(node, "a virtio_mmio node named by its base, as on QEMU virt");
            assertEquals("virtio,mmio", node.string("compatible"));
            assertArrayEquals(cells((int) (base >>> 32), (int) base, 0, 0x200), node.property("reg"));
            assertArrayEquals(cells(0, intid - 32, 1), node.property("interrupts"), "GIC_SPI, SPI number, edge rising");
            assertNotNull(node.property("dma-coherent"));
        }
    }

    @Test
    void legacyIsVersion1() {
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-entropy", "loc", "0x0a000000", "intr", "gic:48", "legacy")) {
            assertEquals(1, a.mmio().find(0x0a000000L, 4).device().read(0, 0x004, 4));
        }
    }

    @Test
    void pcAnnouncesTransportsOnTheLinuxCommandLine() {
        try (Assembly a = assemble("arch", "x86_64", "ram", "0,16M", "vdev", "ioapic", "cmdline", "console=ttyS0",
                "vdev", "virtio-entropy", "loc", "0xfeb00000", "intr", "ioapic:16")) {
            assertEquals(List.of("virtio_mmio.device=512@0xfeb00000:16"), a.kernelParameters);
            assertEquals("console=ttyS0 virtio_mmio.device=512@0xfeb00000:16", Boot.commandLine(a));
            assertTrue(a.bootNotes().contains("virtio-entropy: announced to Linux by virtio_mmio.device=512@0xfeb00000:16 "
                    + "on the kernel command line"), "dryrun shows it: " + a.bootNotes());
            assertEquals(MAGIC_VALUE, a.mmio().find(0xfeb00000L, 4).device().read(0, 0, 4));
        }
    }

    @Test
    void withoutLocItIsAVirtioPciFunction() {
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "vdev", "virtio-entropy")) {
            long ecam = VirtLayout.PCIE_ECAM + (1L << 15); // bus 0, device 1, function 0
            assertEquals(0x1044_1af4L, a.mmio().find(ecam, 4).device().read(0, ecam - VirtLayout.PCIE_ECAM, 4));
            assertTrue(a.bootNotes().contains("virtio-entropy: virtio-pci at pci:0:1.0 (1af4:1044), MSI-X and INTA#"),
                    a.bootNotes().toString());
        }
    }

    /** vhost-user vdevs take the same transport choice as every virtio vdev; net derives its MAC without loc too. */
    @ParameterizedTest
    @CsvSource({"vhost-user-blk, 1042, ''", "vhost-user-net, 1041, ''", "vhost-user-fs, 105a, tag share"})
    void vhostUserWithoutLocIsAVirtioPciFunction(String type, String deviceId, String extra) {
        List<String> tokens = new ArrayList<>(List.of("arch", "aarch64", "ram", "0x40000000,16M", "vdev", type,
                "socket", "/nonexistent/" + type + ".sock"));
        tokens.addAll(extra.isEmpty() ? List.of() : List.of(extra.split(" ")));
        try (Assembly a = VmBuilder.dryrun(QvmConf.parse(tokens, Path.of(".")), List.of())) {
            long ecam = VirtLayout.PCIE_ECAM + (1L << 15); // bus 0, device 1, function 0
            long id = Long.parseLong(deviceId, 16) << 16 | 0x1af4;
            assertEquals(id, a.mmio().find(ecam, 4).device().read(0, ecam - VirtLayout.PCIE_ECAM, 4));
            assertTrue(a.bootNotes().contains(type + ": virtio-pci at pci:0:1.0 (1af4:" + deviceId + "), MSI-X and INTA#"),
                    a.bootNotes().toString());
        }
    }

    @Test
    void legacyIsVirtioMmioOnly() {
        ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-entropy", "legacy"));
        assertEquals("<command line>:1:7: vdev virtio-entropy legacy: jqvm's virtio-pci is modern only; give loc and intr "
                + "for a legacy virtio-mmio device", e.getMessage());
        assertEquals(65, e.status().code());
    }

    @Test
    void aTransportNeedsAnInterrupt() {
        ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-entropy", "loc", "0x0a000000"));
        assertEquals("<command line>:1:5: vdev virtio-entropy needs intr (e.g. intr gic:48)", e.getMessage());
    }

    @Test
    void overlappingTransportsAreRefusedAtTheSecond() {
        ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-entropy", "loc", "0x0a000000", "intr", "gic:48",
                "vdev", "virtio-entropy", "loc", "0x0a000100", "intr", "gic:49"));
        assertTrue(e.getMessage().startsWith("<command line>:1:11:"), e.getMessage());
    }

    @Test
    void blockDeviceOnAnImageAndReadOnlyWithLessThan(@TempDir Path dir) throws Exception {
        Path disk = Files.write(dir.resolve("disk.img"), new byte[4096]);
        long featuresWord0 = 0x010;
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-blk", "loc", "0x0a000000", "intr", "gic:48", "hostdev", disk.toString(),
                "vdev", "virtio-blk", "loc", "0x0a000200", "intr", "gic:49", "hostdev", "<" + disk, "serial", "d1")) {
            Bus.Window rw = a.mmio().find(0x0a000000L, 4);
            Bus.Window ro = a.mmio().find(0x0a000200L, 4);
            assertEquals(2, rw.device().read(0, 0x008, 4), "block device ID");
            rw.device().write(0, 0x014, 4, 0); // DeviceFeaturesSel = 0
            ro.device().write(0, 0x014, 4, 0);
            long rwFeatures = rw.device().read(0, featuresWord0, 4);
            long roFeatures = ro.device().read(0, featuresWord0, 4);
            long featureRo = 1L << 5;
            assertEquals(0, rwFeatures & featureRo);
            assertEquals(featureRo, roFeatures & featureRo, "hostdev <file: VIRTIO_BLK_F_RO");
            assertEquals(8, rw.device().read(0, 0x100, 4), "capacity in 512-byte sectors");
        }
    }

    @Test
    void unusableImagesAreConfigurationErrorsAtTheirHostdev(@TempDir Path dir) throws Exception {
        Path odd = Files.write(dir.resolve("odd.img"), new byte[1000]);
        for (String target : List.of(dir.resolve("missing.img").toString(), dir.toString(), odd.toString())) {
            ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64", "ram", "0x40000000,16M",
                    "vdev", "virtio-blk", "loc", "0x0a000000", "intr", "gic:48", "hostdev", target));
            assertTrue(e.getMessage().startsWith("<command line>:1:11: vdev virtio-blk: disk image " + target), e.getMessage());
            assertEquals(65, e.status().code());
        }
    }

    @Test
    void networkCardOnAPeerLinkShowsItsMac(@TempDir Path dir) {
        String self = dir.resolve("a.sock").toString();
        String other = dir.resolve("b.sock").toString();
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "vdev", "virtio-net", "loc", "0x0a000000",
                "intr", "gic:48", "mac", "02:00:00:00:00:07", "peer", other, "name", self)) {
            Bus.Window w = a.mmio().find(0x0a000000L, 4);
            assertEquals(1, w.device().read(0, 0x008, 4), "network device ID");
            assertEquals(0x02, w.device().read(0, 0x100, 1));
            assertEquals(0x07, w.device().read(0, 0x105, 1));
            assertTrue(Files.exists(Path.of(self)), "this end listens on its socket");
        }
    }

    @Test
    void aPeerLinkNeedsThisEndsSocket() {
        ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-net", "loc", "0x0a000000", "intr", "gic:48", "peer", "/tmp/other"));
        assertEquals("<command line>:1:11: vdev virtio-net peer: jqvm links two VMs over Unix sockets; give this end's "
                + "socket too (name PATH)", e.getMessage());
    }

    @Test
    void blockDeviceTakesDioAndRefusesDelayed(@TempDir Path dir) throws Exception {
        Path disk = Files.write(dir.resolve("disk.img"), new byte[4096]);
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-blk", "loc", "0x0a000000", "intr", "gic:48", "hostdev", disk.toString(), "dio", "enable")) {
            assertEquals(2, a.mmio().find(0x0a000000L, 4).device().read(0, 0x008, 4), "block device ID");
        }
        ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-blk", "loc", "0x0a000000", "intr", "gic:48", "hostdev", disk.toString(), "delayed", "5"));
        assertEquals("<command line>:1:13: vdev virtio-blk: delayed is not implemented yet (the disk image is opened when "
                + "the VM starts)", e.getMessage());
        assertEquals(65, e.status().code());
    }

    private static byte[] cells(int... cells) {
        ByteBuffer b = ByteBuffer.allocate(cells.length * 4);
        for (int c : cells) {
            b.putInt(c);
        }
        return b.array();
    }
}
