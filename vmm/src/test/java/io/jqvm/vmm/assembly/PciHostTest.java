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
import io.jqvm.device.BusDevice;
import io.jqvm.vmm.board.PcLayout;
import io.jqvm.vmm.board.VirtLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** qvm's PCI rules on both boards: slots, function 0, interrupts, and how the guest learns of the bus. */
class PciHostTest {
    private static final String[] ARM = {"arch", "aarch64", "ram", "0x40000000,16M", "vdev", "gic", "version", "2",
            "gicd", "0x08000000", "gicc", "0x08010000"};

    private static Assembly assemble(String[] board, String... tokens) {
        String[] all = new String[board.length + tokens.length];
        System.arraycopy(board, 0, all, 0, board.length);
        System.arraycopy(tokens, 0, all, board.length, tokens.length);
        return VmBuilder.assemble(QvmConf.parse(List.of(all), Path.of(".")), List.of(), true);
    }

    /** The 32-bit ID word of {@code 0:device.fn} through the arm64 board's ECAM. */
    private static long ids(Assembly a, int device, int fn) {
        long at = VirtLayout.PCIE_ECAM + ((long) device << 15) + ((long) fn << 12);
        return a.mmio().find(at, 4).device().read(0, at - VirtLayout.PCIE_ECAM, 4);
    }

    @Test
    void devicesTakeTheLowestFreeNumbersAfterTheHostBridge() {
        try (Assembly a = assemble(ARM, "vdev", "virtio-entropy", "vdev", "virtio-entropy", "loc", "pci:0:1",
                "reserve", "loc", "pci:0:2", "vdev", "virtio-entropy")) {
            assertEquals(0x0008_1b36L, ids(a, 0, 0), "the host bridge at 00.0, as QEMU's");
            assertEquals(0x1044_1af4L, ids(a, 1, 0), "the explicit slot");
            assertEquals(0xffff_ffffL, ids(a, 2, 0), "reserved");
            assertEquals(0x1044_1af4L, ids(a, 3, 0));
            assertEquals(0x1044_1af4L, ids(a, 4, 0));
        }
    }

    @Test
    void intxFollowsQemuVirtsSwizzleAndSkipsReservedLines() {
        try (Assembly a = assemble(ARM, "vdev", "virtio-entropy", "vdev", "virtio-entropy", "reserve", "intr", "37",
                "vdev", "virtio-entropy", "intr", "gic:100")) {
            List<String> wires = a.wires().stream().map(w -> w.source() + " -> " + w.interrupt()).toList();
            assertTrue(wires.contains("virtio-entropy INTA# -> gic:36"), wires.toString()); // device 1: SPI 4
            assertTrue(wires.contains("virtio-entropy INTA# -> gic:38"), wires.toString()); // device 2: 37 reserved
            assertTrue(wires.contains("virtio-entropy INTA# -> gic:100"), wires.toString());
        }
    }

    @Test
    void deviceTreeDescribesTheHostAndTheMsiFrame(@TempDir Path dir) throws Exception {
        Path image = Files.write(dir.resolve("raw.bin"), new byte[] {0x1f, 0x20, 0x03, (byte) 0xd5});
        try (Assembly a = assemble(ARM, "load", image.toString(), "vdev", "virtio-entropy")) {
            A64Entry entry = (A64Entry) a.entry();
            int size = Integer.reverseBytes(a.memory().read32(entry.x0() + 4));
            FdtNode root = Fdt.parse(a.memory().read(entry.x0(), size)).root();
            FdtNode pcie = root.findChild("pcie@10000000");
            assertNotNull(pcie);
            assertEquals("pci-host-ecam-generic", pcie.string("compatible"));
            assertArrayEquals(cells(0, 0x3f00_0000, 0, 0x100_0000), pcie.property("reg"));
            assertArrayEquals(cells(0, 15), pcie.property("bus-range"));
            assertArrayEquals(cells(0x0100_0000, 0, 0, 0, 0x3eff_0000, 0, 0x1_0000,
                    0x0200_0000, 0, 0x1000_0000, 0, 0x1000_0000, 0, 0x2eff_0000), pcie.property("ranges"));
            // device 1 INTA# -> GIC (phandle 0x8001, two address cells) SPI 4, level-high
            assertArrayEquals(cells(0x800, 0, 0, 1, 0x8001, 0, 0, 0, 4, 4), pcie.property("interrupt-map"));
            FdtNode frame = root.findChild("intc@8000000").findChild("v2m@8020000");
            assertNotNull(frame);
            assertEquals("arm,gic-v2m-frame", frame.string("compatible"));
            assertArrayEquals(cells(0, 0x8002, 0, 0x10000), pcie.property("msi-map"), "every requester ID to the frame (phandle 0x8002)");
        }
    }

    @Test
    void gicv2mAnnouncesQemuVirtsSpis() {
        try (Assembly a = assemble(ARM, "vdev", "virtio-entropy")) {
            BusDevice frame = a.mmio().find(VirtLayout.VIRT_GICV2M, 4).device();
            assertEquals(80L << 16 | 64, frame.read(0, 0x008, 4));
        }
    }

    @Test
    void functionZeroMustExist() {
        ConfigException e = assertThrows(ConfigException.class, () -> assemble(ARM, "vdev", "virtio-entropy", "loc", "pci:0:4.1"));
        assertEquals("<command line>:1:13: PCI device 0:4 has no function 0; add 'vdev pci-dummy loc pci:0:4.0' "
                + "(qvm's rule: function 0 must exist)", e.getMessage());
        try (Assembly a = assemble(ARM, "vdev", "virtio-entropy", "loc", "pci:0:4.1", "vdev", "pci-dummy", "loc", "pci:0:4.0",
                "reg", "Vendor_ID=0x8086", "reg", "Device_ID=0x1234")) {
            assertEquals(0x1234_8086L, ids(a, 4, 0));
            assertEquals(0x1044_1af4L, ids(a, 4, 1));
            long headerType = VirtLayout.PCIE_ECAM + (4L << 15) + 0xc;
            assertEquals(0x80, a.mmio().find(headerType, 4).device().read(0, headerType - VirtLayout.PCIE_ECAM, 4) >>> 16 & 0xff,
                    "function 0 says the device has more");
        }
    }

    @Test
    void pciDummyClonesAHostFunctionsIdentity() throws Exception {
        Path devices = Path.of("/sys/bus/pci/devices");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(devices) && Files.list(devices).findAny().isPresent(),
                "this host shows no PCI functions in sysfs");
        Path host = Files.list(devices).sorted().findFirst().orElseThrow();
        byte[] config = Files.readAllBytes(host.resolve("config"));
        String bdf = host.getFileName().toString().substring(5); // 0000:00:00.0 -> 00:00.0
        try (Assembly a = assemble(ARM, "vdev", "pci-dummy", "loc", "pci:0:3.0", "clone", bdf, "reg", "Revision_ID=0x77")) {
            long expected = (config[0] & 0xff) | (config[1] & 0xff) << 8 | (config[2] & 0xff) << 16 | (long) (config[3] & 0xff) << 24;
            assertEquals(expected, ids(a, 3, 0));
            long revision = VirtLayout.PCIE_ECAM + (3L << 15) + 8;
            assertEquals(0x77, a.mmio().find(revision, 4).device().read(0, revision - VirtLayout.PCIE_ECAM, 4) & 0xff,
                    "reg overrides the clone");
        }
    }

    @Test
    void pciDummyCloneOfAnAbsentFunctionIsAConfigurationError() {
        ConfigException e = assertThrows(ConfigException.class, () -> assemble(ARM, "vdev", "pci-dummy", "loc", "pci:0:3.0",
                "clone", "7f:1f.7"));
        assertTrue(e.getMessage().startsWith("<command line>:1:17: vdev pci-dummy clone \"7f:1f.7\": cannot read host function "
                + "0000:7f:1f.7's configuration space from sysfs"), e.getMessage());
        assertEquals("<command line>:1:15: vdev pci-dummy clone \"nonsense\" is not a host PCI function (write bus:dev.func)",
                assertThrows(ConfigException.class, () -> assemble(ARM, "vdev", "pci-dummy", "clone", "nonsense")).getMessage());
    }

    @Test
    void badPciLocationsAreConfigurationErrors() {
        assertEquals("<command line>:1:15: vdev virtio-entropy loc \"pci:1:2\": PCI devices sit on bus 0 (qvm's rule)",
                assertThrows(ConfigException.class, () -> assemble(ARM, "vdev", "virtio-entropy", "loc", "pci:1:2")).getMessage());
        assertEquals("<command line>:1:15: vdev virtio-entropy loc \"pci:0:0\": device 0 is the host bridge",
                assertThrows(ConfigException.class, () -> assemble(ARM, "vdev", "virtio-entropy", "loc", "pci:0:0")).getMessage());
        assertEquals("<command line>:1:19: vdev virtio-entropy loc \"pci:0:3\" is taken",
                assertThrows(ConfigException.class, () -> assemble(ARM, "vdev", "pci-dummy", "loc", "pci:0:3",
                        "vdev", "virtio-entropy", "loc", "pci:0:3")).getMessage());
    }

    @Test
    void pcReachesTheBusThroughMechanismOne() {
        try (Assembly a = assemble(new String[] {"arch", "x86_64", "ram", "0,16M", "vdev", "ioapic", "loc", "0xfec00000"},
                "vdev", "virtio-entropy")) {
            BusDevice ports = a.pio().find(PcLayout.PCI_CONFIG_PORT, 4).device();
            ports.write(0, 0, 4, 0x8000_0800L);
            assertEquals(0x1044_1af4L, ports.read(0, 4, 4));
            List<String> wires = a.wires().stream().map(w -> w.source() + " -> " + w.interrupt()).toList();
            assertTrue(wires.contains("virtio-entropy INTA# -> ioapic:21"), wires.toString());
        }
    }

    @Test
    void pcFirmwarePlacesBarsAndAnnouncesTheBusInAcpi(@TempDir Path dir) throws Exception {
        try (Assembly a = assemble(new String[] {"arch", "x86_64", "ram", "0,640k", "rom", "0xe0000,0x20000", "ram", "1m,15m", "vdev", "ioapic",
                "loc", "0xfec00000"}, "vdev", "virtio-entropy")) {
            BusDevice ports = a.pio().find(PcLayout.PCI_CONFIG_PORT, 4).device();
            ports.write(0, 0, 4, 0x8000_0814L); // device 1, BAR 1: the MSI-X table, first in slot order
            assertEquals(PcLayout.PCI_MMIO, ports.read(0, 4, 4), "32-bit BAR at the window's start");
            ports.write(0, 0, 4, 0x8000_0820L); // device 1, BAR 4
            assertEquals(PcLayout.PCI_MMIO + 0x4000 | 0xc, ports.read(0, 4, 4), "64-bit prefetchable BAR, naturally aligned after it");
            ports.write(0, 0, 4, 0x8000_0824L);
            assertEquals(0, ports.read(0, 4, 4), "below 4 GiB");
            ports.write(0, 0, 4, 0x8000_0804L);
            assertEquals(2, ports.read(0, 4, 2), "memory decode on");
            ports.write(0, 0, 4, 0x8000_083cL);
            assertEquals(21, ports.read(0, 4, 1), "the interrupt line register holds the GSI");
            assertEquals(0x1044_1af4L, a.mmio().find(PcLayout.PCI_ECAM, 4).device().read(0, 1L << 15, 4), "ECAM too");
            assertEquals(0, a.mmio().find(PcLayout.PCI_MMIO + 0x5000, 1).device().read(0, 0x5000, 1), "the ISR, in BAR 4");
            byte[] bios = a.memory().read(0xe0000, 0x20000);
            String text = new String(bios, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(text.contains("MCFG"), "an MCFG table");
            assertTrue(text.contains("PCI0") && text.contains("_PRT"), "the DSDT's PCI root with its routing");
        }
    }

    /** The capability IDs of 0:1.0 in list order, through mechanism #1. */
    private static List<Integer> capabilities(BusDevice ports) {
        List<Integer> ids = new java.util.ArrayList<>();
        ports.write(0, 0, 4, 0x8000_0834L);
        int at = (int) ports.read(0, 4, 1);
        while (at != 0 && ids.size() < 48) {
            ports.write(0, 0, 4, 0x8000_0800L | at);
            long header = ports.read(0, 4, 2);
            ids.add((int) header & 0xff);
            at = (int) (header >>> 8) & 0xfc;
        }
        return ids;
    }

    @Test
    void pcVirtioFunctionsOfferMsixToTheLocalApicsWhenTheAcceleratorEmulatesThem() {
        try (Assembly a = assemble(new String[] {"arch", "x86_64", "ram", "0,16M", "vdev", "ioapic", "loc", "0xfec00000"},
                "vdev", "virtio-entropy")) {
            List<Integer> caps = capabilities(a.pio().find(PcLayout.PCI_CONFIG_PORT, 4).device());
            assertTrue(caps.contains(0x11), "an MSI-X capability, INTx still the fallback: " + caps);
            assertTrue(a.wires().stream().anyMatch(w -> w.source().equals("virtio-entropy INTA#")));
        }
    }

    private static byte[] cells(int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }
}
