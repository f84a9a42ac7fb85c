package io.jqvm.virtio.pci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.BusDevice;
import io.jqvm.device.MsiController;
import io.jqvm.device.pci.PciBus;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.RecordingIrq;
import io.jqvm.virtio.testing.RingDriver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The virtio-pci transport driven as Linux's virtio_pci driver does, through the PCI bus. */
class VirtioPciTransportTest {
    private static final long RAM = 0x4000_0000L;
    private static final long BAR4 = 0x1000_0000L;
    private static final long BAR1 = 0x1001_0000L;
    private static final int DEVFN = 1 << 3; // device 1, function 0
    private static final long DEVICE_FEATURE = 1L << 5;
    private static final long F_VERSION_1 = 1L << 32;

    /** A device that answers each request by writing its readable bytes back, reversed. */
    static final class ReversingDevice implements VirtioDevice {
        DeviceQueues queues;

        @Override public int deviceId() { return 4; }
        @Override public long offeredFeatures() { return DEVICE_FEATURE; }
        @Override public int queueCount() { return 1; }
        @Override public int queueMaxSize(int queue) { return 64; }
        @Override public int configSize() { return 4; }
        @Override public long readConfig(int offset, int size) { return 0x04030201L >>> (8 * offset) & ((1L << (8 * size)) - 1); }
        @Override public void activate(DeviceQueues q) { queues = q; }
        @Override public void reset() { queues = null; }

        @Override
        public void queueNotify(int queue) {
            try {
                DescriptorChain chain;
                while ((chain = queues.queue(queue).pop()) != null) {
                    byte[] in = new byte[(int) chain.readableLength()];
                    chain.read(0, in, 0, in.length);
                    byte[] out = new byte[in.length];
                    for (int i = 0; i < in.length; i++) {
                        out[i] = in[in.length - 1 - i];
                    }
                    queues.queue(queue).addUsed(chain, chain.write(0, out, 0, out.length));
                }
                queues.notifyUsed(queue);
            } catch (VirtqueueException e) {
                queues.fail(e.getMessage());
            }
        }
    }

    private final GuardedMemory ram = new GuardedMemory(RAM, 1 << 20);
    private final RecordingIrq intx = new RecordingIrq();
    private final List<String> msis = new ArrayList<>();
    private final ReversingDevice device = new ReversingDevice();
    private final PciBus bus = new PciBus();
    private final BusDevice window = bus.memoryWindow(0);

    @AfterEach
    void guards() {
        assertTrue(ram.guardsIntact());
        ram.close();
    }

    private VirtioPciTransport plug(MsiController msi) {
        VirtioPciTransport t = new VirtioPciTransport("virtio-test", device, ram.memory(), intx, msi);
        bus.add(1, 0, t);
        config(0x20, 4, BAR4);
        config(0x24, 4, 0);
        config(0x14, 4, BAR1);
        config(PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_BUS_MASTER);
        return t;
    }

    private void config(int offset, int size, long value) {
        bus.writeConfig(0, DEVFN, offset, size, value);
    }

    private long config(int offset, int size) {
        return bus.readConfig(0, DEVFN, offset, size);
    }

    /** The virtio capabilities by type: {BAR, offset, length}. */
    private Map<Integer, long[]> virtioCapabilities() {
        Map<Integer, long[]> caps = new HashMap<>();
        for (int at = (int) config(PciConfigSpace.CAPABILITIES_POINTER, 1); at != 0; at = (int) config(at + 1, 1)) {
            if (config(at, 1) == 0x09) {
                caps.put((int) config(at + 3, 1), new long[] {config(at + 4, 1), config(at + 8, 4), config(at + 12, 4)});
            }
        }
        return caps;
    }

    private long common(int offset, int size) {
        return window.read(0, BAR4 + offset, size);
    }

    private void common(int offset, int size, long value) {
        window.write(0, BAR4 + offset, size, value);
    }

    /** Linux's virtio_pci_modern probe and virtio's negotiation, with queue 0 on {@code ring}. */
    private void bringUp(RingDriver ring, int queueVector) {
        common(0x14, 1, 1 | 2);
        common(0x00, 4, 1);
        assertEquals(1, common(0x04, 4), "VERSION_1 in the upper word");
        common(0x08, 4, 0);
        common(0x0c, 4, DEVICE_FEATURE);
        common(0x08, 4, 1);
        common(0x0c, 4, 1);
        common(0x14, 1, 1 | 2 | 8);
        assertEquals(8, common(0x14, 1) & 8, "FEATURES_OK accepted");
        common(0x16, 2, 0);
        assertEquals(64, common(0x18, 2));
        common(0x18, 2, ring.size());
        common(0x1a, 2, queueVector);
        common(0x20, 4, ring.descTable());
        common(0x24, 4, 0);
        common(0x28, 4, ring.availRing());
        common(0x2c, 4, 0);
        common(0x30, 4, ring.usedRing());
        common(0x34, 4, 0);
        common(0x1c, 2, 1);
        common(0x14, 1, 1 | 2 | 8 | 4);
    }

    private RingDriver ring() {
        return new RingDriver(ram.memory(), 16, RAM + 0x1000, RAM + 0x10000, 0x10000);
    }

    private void kick() {
        long notifyOffset = virtioCapabilities().get(VirtioPciTransport.CFG_NOTIFY)[1];
        window.write(0, BAR4 + notifyOffset + common(0x1e, 2) * VirtioPciTransport.NOTIFY_MULTIPLIER, 2, 0);
    }

    @Test
    void identifiesAsAModernVirtioFunction() {
        plug(null);
        assertEquals(0x1044_1af4L, config(0, 4));
        assertEquals(1, config(PciConfigSpace.REVISION_ID, 1));
        assertEquals(0x00ff00, config(PciConfigSpace.CLASS_CODE, 4) & 0xffffff, "QEMU's class for an entropy device");
        assertEquals(1, config(PciConfigSpace.INTERRUPT_PIN, 1), "INTA#");
    }

    @Test
    void capabilitiesPlaceEveryRegionInBarFour() {
        plug(null);
        Map<Integer, long[]> caps = virtioCapabilities();
        assertArrayEquals(new long[] {4, 0x0000, 0x38}, caps.get(VirtioPciTransport.CFG_COMMON));
        assertArrayEquals(new long[] {4, 0x1000, 1}, caps.get(VirtioPciTransport.CFG_ISR));
        assertArrayEquals(new long[] {4, 0x2000, 4}, caps.get(VirtioPciTransport.CFG_DEVICE));
        assertArrayEquals(new long[] {4, 0x3000, 4}, caps.get(VirtioPciTransport.CFG_NOTIFY));
        assertEquals(0x04030201L, window.read(0, BAR4 + 0x2000, 4), "device configuration");
    }

    @Test
    void msixCarriesQueueInterruptsAndIntxStaysLow() {
        plug((address, data) -> msis.add(Long.toHexString(address) + ":" + data));
        int msix = 0;
        for (int at = (int) config(PciConfigSpace.CAPABILITIES_POINTER, 1); at != 0; at = (int) config(at + 1, 1)) {
            if (config(at, 1) == 0x11) {
                msix = at;
            }
        }
        assertTrue(msix != 0, "an MSI-X capability");
        assertEquals(1, config(msix + 2, 2), "two vectors: the queue's and configuration's");
        config(msix + 2, 2, 0x8000);
        window.write(0, BAR1 + 16, 8, 0x8020040L); // vector 1
        window.write(0, BAR1 + 24, 4, 81);
        window.write(0, BAR1 + 28, 4, 0);
        RingDriver ring = ring();
        bringUp(ring, 1);
        assertEquals(1, common(0x1a, 2), "the vector took");
        int head = ring.add(List.of(new byte[] {1, 2, 3}), List.of(3));
        kick();
        assertNotNull(ring.pollUsed());
        assertArrayEquals(new byte[] {3, 2, 1}, ring.writableContents(head));
        assertEquals(List.of("8020040:81"), msis);
        assertEquals(0, intx.raised());
    }

    @Test
    void aVectorTheTableLacksReadsBackAsNoVector() {
        plug((address, data) -> { });
        common(0x16, 2, 0);
        common(0x1a, 2, 7);
        assertEquals(0xffff, common(0x1a, 2));
        common(0x10, 2, 1);
        assertEquals(1, common(0x10, 2));
    }

    @Test
    void withoutMsixTheIsrAndIntxSignal() {
        plug(null);
        RingDriver ring = ring();
        bringUp(ring, 0xffff);
        ring.add(List.of(new byte[] {9}), List.of(1));
        kick();
        assertTrue(intx.level());
        assertEquals(8, config(PciConfigSpace.STATUS, 2) & 8, "status shows the pending INTx");
        long isr = virtioCapabilities().get(VirtioPciTransport.CFG_ISR)[1];
        assertEquals(1, window.read(0, BAR4 + isr, 1), "a queue interrupt");
        assertFalse(intx.level(), "reading the ISR releases INTx");
        assertEquals(0, config(PciConfigSpace.STATUS, 2) & 8);
        assertEquals(0, window.read(0, BAR4 + isr, 1));
    }

    @Test
    void intxDisableKeepsTheLineLow() {
        plug(null);
        config(PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_INTX_DISABLE);
        RingDriver ring = ring();
        bringUp(ring, 0xffff);
        ring.add(List.of(new byte[] {9}), List.of(1));
        kick();
        assertEquals(0, intx.raised());
    }

    @Test
    void aBadQueueSizeNeedsAReset() {
        plug(null);
        common(0x14, 1, 1 | 2);
        common(0x16, 2, 0);
        common(0x18, 2, 48);
        common(0x1c, 2, 1);
        assertEquals(0x40, common(0x14, 1) & 0x40, "DEVICE_NEEDS_RESET");
        assertTrue(intx.level(), "a configuration interrupt");
        common(0x14, 1, 0);
        assertEquals(0, common(0x14, 1));
        assertFalse(intx.level());
    }

    @Test
    void aModernDeviceRefusesALegacyDriver() {
        plug(null);
        common(0x14, 1, 1 | 2);
        common(0x08, 4, 0);
        common(0x0c, 4, DEVICE_FEATURE);
        common(0x14, 1, 1 | 2 | 8);
        assertEquals(0, common(0x14, 1) & 8, "FEATURES_OK stays clear without VERSION_1");
    }
}
