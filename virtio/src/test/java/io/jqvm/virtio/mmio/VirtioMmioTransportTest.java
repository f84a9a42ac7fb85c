package io.jqvm.virtio.mmio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.MmioDriver;
import io.jqvm.virtio.testing.RecordingIrq;
import io.jqvm.virtio.testing.RingDriver;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtioMmioTransportTest {
    private static final long RAM = 0x4000_0000L;
    private static final long DEVICE_FEATURE = 1L << 5;

    /** A device that answers each request by writing the readable bytes back, reversed, into the writable ones. */
    static final class ReversingDevice implements VirtioDevice {
        DeviceQueues queues;
        int notified;
        int resets;
        final byte[] config = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

        @Override public int deviceId() { return 42; }
        @Override public long offeredFeatures() { return DEVICE_FEATURE; }
        @Override public int queueCount() { return 2; }
        @Override public int queueMaxSize(int queue) { return 64; }
        @Override public int configSize() { return config.length; }

        @Override
        public long readConfig(int offset, int size) {
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = (v << 8) | (config[offset + i] & 0xff);
            }
            return v;
        }

        @Override public void activate(DeviceQueues q) { queues = q; }

        @Override
        public void queueNotify(int queue) {
            notified++;
            try {
                DescriptorChain chain;
                while ((chain = queues.queue(queue).pop()) != null) {
                    byte[] in = new byte[(int) chain.readableLength()];
                    chain.read(0, in, 0, in.length);
                    byte[] out = new byte[in.length];
                    for (int i = 0; i < in.length; i++) {
                        out[i] = in[in.length - 1 - i];
                    }
                    int n = chain.write(0, out, 0, out.length);
                    queues.queue(queue).addUsed(chain, n);
                }
                queues.notifyUsed(queue);
            } catch (VirtqueueException e) {
                queues.fail(e.getMessage());
            }
        }

        @Override public void reset() { resets++; queues = null; }
    }

    private final GuardedMemory ram = new GuardedMemory(RAM, 1 << 20);
    private final RecordingIrq irq = new RecordingIrq();
    private final ReversingDevice device = new ReversingDevice();

    @AfterEach
    void guards() {
        assertTrue(ram.guardsIntact());
        ram.close();
    }

    private VirtioMmioTransport transport(boolean legacy) {
        return new VirtioMmioTransport("virtio-test", device, ram.memory(), irq, legacy);
    }

    @Test
    void identifiesAsAModernDeviceByDefaultAndALegacyOneOnRequest() {
        MmioDriver modern = new MmioDriver(transport(false), ram.memory(), RAM);
        assertEquals(0x74726976L, modern.read(0x000));
        assertEquals(2, modern.version());
        assertEquals(42, modern.read(0x008));
        assertEquals(DEVICE_FEATURE | MmioDriver.F_VERSION_1 | MmioDriver.F_INDIRECT_DESC | MmioDriver.F_EVENT_IDX,
                modern.deviceFeatures());
        MmioDriver legacy = new MmioDriver(transport(true), ram.memory(), RAM);
        assertEquals(1, legacy.version());
        assertEquals(DEVICE_FEATURE | MmioDriver.F_INDIRECT_DESC | MmioDriver.F_EVENT_IDX, legacy.deviceFeatures());
    }

    @Test
    void featuresOkIsRefusedWithoutVersion1OrWithFeaturesNotOffered() {
        VirtioMmioTransport t = transport(false);
        MmioDriver d = new MmioDriver(t, ram.memory(), RAM);
        assertFalse(d.negotiate(DEVICE_FEATURE));
        d.reset();
        d.setStatus(MmioDriver.ACKNOWLEDGE | MmioDriver.DRIVER);
        d.writeDriverFeatures(MmioDriver.F_VERSION_1 | (1L << 6));
        d.setStatus(MmioDriver.ACKNOWLEDGE | MmioDriver.DRIVER | MmioDriver.FEATURES_OK);
        assertEquals(0, d.status() & MmioDriver.FEATURES_OK);
        assertTrue(d.negotiate(-1L));
        assertEquals(DEVICE_FEATURE | MmioDriver.F_VERSION_1 | MmioDriver.F_INDIRECT_DESC | MmioDriver.F_EVENT_IDX,
                t.state().features());
    }

    @Test
    void aRequestReachesTheDeviceAndItsAnswerRaisesALevelInterruptUntilAcknowledged() {
        for (boolean legacy : new boolean[] {false, true}) {
            MmioDriver d = new MmioDriver(transport(legacy), ram.memory(), RAM + (legacy ? 0x80000 : 0));
            assertTrue(d.negotiate(-1L));
            RingDriver q = d.setupQueue(1, 16, 0x1000);
            d.driverOk();
            int head = q.add(List.of(new byte[] {1, 2}, new byte[] {3}), List.of(2, 2));
            d.notify(1);
            assertEquals(new RingDriver.Used(head, 3), q.pollUsed());
            assertEquals(3, q.writableContents(head)[0]);
            assertEquals(1, q.writableContents(head)[2]);
            assertTrue(irq.level());
            assertEquals(1, d.acknowledgeInterrupt());
            assertFalse(irq.level());
        }
    }

    @Test
    void indirectChainsAndEventIndexSuppressionWorkThroughTheTransport() {
        MmioDriver d = new MmioDriver(transport(false), ram.memory(), RAM);
        assertTrue(d.negotiate(-1L));
        RingDriver q = d.setupQueue(0, 8, 0x1000);
        d.driverOk();
        q.setUsedEvent(1); // interrupt only once the used index passes 1
        int first = q.addIndirect(List.of(new byte[] {9, 8, 7}), List.of(3));
        d.notify(0);
        assertEquals(new RingDriver.Used(first, 3), q.pollUsed());
        assertFalse(irq.level());
        q.add(List.of(new byte[] {1}), List.of(1));
        d.notify(0);
        assertTrue(irq.level());
    }

    @Test
    void aLiveQueueCannotBeReconfiguredWhileTheDeviceRuns() {
        MmioDriver d = new MmioDriver(transport(false), ram.memory(), RAM);
        d.negotiate(-1L);
        RingDriver q = d.setupQueue(0, 8, 0x1000);
        d.driverOk();
        q.add(List.of(new byte[] {1}), List.of(1));
        d.write(0x038, 4);
        d.write(0x044, 0);
        assertEquals(1, d.read(0x044));
        d.notify(0);
        assertNotNull(q.pollUsed()); // served from the ring as first set up
        assertEquals(0, d.status() & MmioDriver.NEEDS_RESET);
    }

    @Test
    void notificationsBeforeDriverOkAreNotDelivered() {
        MmioDriver d = new MmioDriver(transport(false), ram.memory(), RAM);
        d.negotiate(-1L);
        d.setupQueue(0, 8, 0x1000);
        d.notify(0);
        assertEquals(0, device.notified);
    }

    @Test
    void resetForgetsQueuesAndSilencesTheOldActivation() {
        VirtioMmioTransport t = transport(false);
        MmioDriver d = new MmioDriver(t, ram.memory(), RAM);
        d.negotiate(-1L);
        RingDriver q = d.setupQueue(0, 8, 0x1000);
        d.driverOk();
        DeviceQueues old = device.queues;
        q.add(List.of(new byte[] {1}), List.of(1));
        d.notify(0);
        assertTrue(irq.level());
        int resets = device.resets;
        d.reset();
        assertEquals(resets + 1, device.resets);
        assertFalse(irq.level());
        assertEquals(0, d.interruptStatus());
        d.write(0x030, 0);
        assertEquals(0, d.read(0x044));
        assertFalse(t.state().active());
        old.configChanged();
        old.fail("stale");
        assertEquals(0, d.status());
        assertFalse(irq.level());
    }

    @Test
    void failSetsNeedsResetRaisesAConfigInterruptAndStopsNotificationsUntilReset() {
        MmioDriver d = new MmioDriver(transport(false), ram.memory(), RAM);
        d.negotiate(-1L);
        RingDriver q = d.setupQueue(0, 8, 0x1000);
        d.driverOk();
        q.writeDescriptor(q.descTable(), 0, RAM, 16, RingDriver.F_NEXT, 0); // a loop onto itself
        q.publish(0);
        d.notify(0);
        assertEquals(MmioDriver.NEEDS_RESET, d.status() & MmioDriver.NEEDS_RESET);
        assertEquals(2, d.interruptStatus());
        assertTrue(irq.level());
        d.notify(0);
        assertEquals(1, device.notified);
        d.reset();
        assertEquals(0, d.status());
        assertTrue(d.negotiate(-1L));
    }

    @Test
    void badRingsFailTheDeviceInsteadOfReachingIt() {
        MmioDriver d = new MmioDriver(transport(false), ram.memory(), RAM);
        d.negotiate(-1L);
        d.write(0x030, 0);
        d.write(0x038, 12); // not a power of two
        d.write(0x044, 1);
        assertEquals(MmioDriver.NEEDS_RESET, d.status() & MmioDriver.NEEDS_RESET);
        assertEquals(0, d.read(0x044));
        d.negotiate(-1L);
        d.write(0x030, 0);
        d.write(0x038, 128); // above QueueNumMax
        d.write(0x044, 1);
        assertEquals(MmioDriver.NEEDS_RESET, d.status() & MmioDriver.NEEDS_RESET);
        d.negotiate(-1L);
        d.write(0x030, 0);
        d.write(0x038, 8);
        d.write(0x080, 0xfff0_0000L); // outside RAM
        d.write(0x044, 1);
        assertEquals(MmioDriver.NEEDS_RESET, d.status() & MmioDriver.NEEDS_RESET);
        d.negotiate(-1L);
        d.setStatus(d.status() & ~MmioDriver.FEATURES_OK | MmioDriver.DRIVER_OK);
        assertEquals(MmioDriver.NEEDS_RESET, d.status() & MmioDriver.NEEDS_RESET);
        assertNull(device.queues);
    }

    @Test
    void configurationSpaceReadsInAnySizeAndPastItsEndAsAllOnes() {
        VirtioMmioTransport t = transport(false);
        MmioDriver d = new MmioDriver(t, ram.memory(), RAM);
        assertEquals(0x02, d.readConfig(1, 1));
        assertEquals(0x0403, d.readConfig(2, 2));
        assertEquals(0x08070605L, d.readConfig(4, 4));
        assertEquals(0x0807060504030201L, d.readConfig(0, 8));
        assertEquals(0xffff_ffffL, d.readConfig(8, 4));
        assertEquals(0xff, d.readConfig(0x50, 1));
        d.negotiate(-1L);
        d.setupQueue(0, 8, 0x1000);
        d.driverOk();
        long generation = d.read(0x0fc);
        device.queues.configChanged();
        assertEquals(generation + 1, d.read(0x0fc));
        assertEquals(2, d.acknowledgeInterrupt());
        assertFalse(irq.level());
    }

    @Test
    void registerAccessesOfTheWrongSizeAreIgnored() {
        VirtioMmioTransport t = transport(false);
        t.write(0, 0x070, 2, 1);
        assertEquals(0, t.read(0, 0x070, 4));
        assertEquals(0, t.read(0, 0x000, 2));
        assertEquals(0, t.read(0, 0x000, 8));
    }

    @Test
    void legacyRegistersAreAbsentInModernModeAndModernOnesInLegacyMode() {
        VirtioMmioTransport modern = transport(false);
        modern.write(0, 0x040, 4, 0x1234);
        assertEquals(0, modern.read(0, 0x040, 4));
        assertEquals(0xffff_ffffL, modern.read(0, 0x0b0, 4)); // no shared memory region
        VirtioMmioTransport legacy = transport(true);
        legacy.write(0, 0x044, 4, 1);
        assertEquals(0, legacy.read(0, 0x044, 4));
        assertEquals(0, legacy.read(0, 0x0fc, 4));
        assertEquals(0xffff_ffffL, legacy.read(0, 0x0b4, 4)); // QEMU answers "no shared memory" in both modes
        legacy.write(0, 0x030, 4, 0);
        legacy.write(0, 0x040, 4, 0x40010);
        assertEquals(0x40010, legacy.read(0, 0x040, 4));
    }

    @Test
    void aDeviceThreadSignallingWhileVcpusAcknowledgeNeverLeavesTheLineOutOfStep() throws Exception {
        VirtioMmioTransport t = transport(false);
        MmioDriver d = new MmioDriver(t, ram.memory(), RAM);
        d.negotiate(-1L);
        d.setupQueue(0, 8, 0x1000);
        d.driverOk();
        DeviceQueues q = device.queues;
        Thread deviceThread = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 20_000; i++) {
                q.configChanged();
            }
        });
        while (deviceThread.isAlive()) {
            d.acknowledgeInterrupt();
        }
        deviceThread.join();
        assertEquals(irq.level(), d.interruptStatus() != 0);
        d.acknowledgeInterrupt();
        assertFalse(irq.level());
        assertEquals(20_000, t.state().configGeneration());
    }
}
