package io.jqvm.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.GuestAccessLog;
import io.jqvm.virtio.testing.GuardedMemory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The transport-independent state machine, driven as a transport would, with the interrupts it asks for recorded. */
class TransportCoreTest {
    private static final int ACKNOWLEDGE_DRIVER = 1 | 2;
    private static final long DEVICE_FEATURE = 1L << 3;
    private static final long HIGH_DEVICE_FEATURE = 1L << 40;

    private final GuardedMemory ram = new GuardedMemory(0x4000_0000L, 1 << 16);
    private final Device device = new Device();
    private final RecordingSignals signals = new RecordingSignals();

    @AfterEach
    void close() {
        ram.close();
    }

    private TransportCore core(boolean legacy) {
        return new TransportCore("core-test", device, ram.memory(), legacy, new GuestAccessLog("core-test"), signals);
    }

    private static long offered(TransportCore core) {
        core.selectDeviceFeatures(0);
        long low = core.deviceFeaturesWord();
        core.selectDeviceFeatures(1);
        return core.deviceFeaturesWord() << 32 | low;
    }

    private static void accept(TransportCore core, long features) {
        core.selectDriverFeatures(0);
        core.writeDriverFeatures((int) features);
        core.selectDriverFeatures(1);
        core.writeDriverFeatures((int) (features >>> 32));
    }

    @Test
    void modernOffersVersion1AndLegacyNothingAbove31() {
        long ring = TransportCore.F_RING_INDIRECT_DESC | TransportCore.F_RING_EVENT_IDX;
        assertEquals(DEVICE_FEATURE | HIGH_DEVICE_FEATURE | ring | TransportCore.F_VERSION_1, offered(core(false)));
        assertEquals(DEVICE_FEATURE | ring, offered(core(true)));
    }

    @Test
    void modernActivatesOnlyAfterFeaturesOk() {
        TransportCore core = core(false);
        accept(core, TransportCore.F_VERSION_1 | DEVICE_FEATURE);
        core.writeStatus(ACKNOWLEDGE_DRIVER | TransportCore.STATUS_FEATURES_OK);
        assertEquals(ACKNOWLEDGE_DRIVER | TransportCore.STATUS_FEATURES_OK, core.status());
        core.writeStatus(ACKNOWLEDGE_DRIVER | TransportCore.STATUS_FEATURES_OK | TransportCore.STATUS_DRIVER_OK);
        assertTrue(core.active());
        assertEquals(TransportCore.F_VERSION_1 | DEVICE_FEATURE, device.queues.features());
    }

    @Test
    void modernRefusesFeaturesWithoutVersion1AndFailsDriverOkWithoutFeaturesOk() {
        TransportCore core = core(false);
        accept(core, DEVICE_FEATURE);
        core.writeStatus(ACKNOWLEDGE_DRIVER | TransportCore.STATUS_FEATURES_OK);
        assertEquals(ACKNOWLEDGE_DRIVER, core.status(), "FEATURES_OK does not stick");
        core.writeStatus(ACKNOWLEDGE_DRIVER | TransportCore.STATUS_DRIVER_OK);
        assertFalse(core.active());
        assertEquals(List.of("config"), signals.raised);
        assertEquals(TransportCore.STATUS_NEEDS_RESET, core.status() & TransportCore.STATUS_NEEDS_RESET);
    }

    @Test
    void legacyActivatesWithoutFeaturesOk() {
        TransportCore core = core(true);
        accept(core, DEVICE_FEATURE);
        core.writeStatus(ACKNOWLEDGE_DRIVER | TransportCore.STATUS_DRIVER_OK);
        assertTrue(core.active());
        assertEquals(DEVICE_FEATURE, device.queues.features());
    }

    @Test
    void resetRetiresTheActivationAndClearsTheFailure() {
        TransportCore core = core(true);
        core.writeStatus(ACKNOWLEDGE_DRIVER | TransportCore.STATUS_DRIVER_OK);
        DeviceQueues old = device.queues;
        old.fail("broken ring");
        core.writeStatus(0);
        assertEquals(1, device.resets);
        assertEquals(0, core.status());
        assertFalse(core.active());
        old.configChanged();
        assertEquals(List.of("config", "cleared"), signals.raised, "the retired activation signals nothing");
        assertEquals(0, signals.configGeneration());
    }

    @Test
    void aQueueIsEnabledAtTheDriversAddressesAndThenLocked() {
        TransportCore core = core(false);
        core.selectQueue(1);
        QueueSetup q = core.selectedQueue();
        core.changeQueue(0, false, s -> s.setSize(8));
        core.changeQueue(0, false, s -> s.setAddressHalf(QueueSetup.Area.DESCRIPTORS, false, 0x4000_1000));
        core.changeQueue(0, false, s -> s.setAddressHalf(QueueSetup.Area.DRIVER, false, 0x4000_2000));
        core.changeQueue(0, false, s -> s.setAddressHalf(QueueSetup.Area.DEVICE, false, 0x4000_3000));
        core.enableQueue(q);
        assertNotNull(q.queue());
        core.changeQueue(0, false, s -> s.setSize(4));
        assertEquals(8, q.size(), "an enabled queue's set-up does not change");
        core.changeQueue(0, true, core::disableQueue);
        assertNull(q.queue(), "before DRIVER_OK the driver may turn it off");
        core.selectQueue(7);
        assertNull(core.selectedQueue());
    }

    @Test
    void ringsOutsideRamFailTheDevice() {
        TransportCore core = core(false);
        QueueSetup q = core.selectedQueue();
        core.enableQueue(q, 0x1000, 0x2000, 0x3000);
        assertNull(q.queue());
        assertEquals(List.of("config"), signals.raised);
    }

    @Test
    void notificationsReachOnlyARunningDeviceOnAnEnabledQueue() {
        TransportCore core = core(true);
        core.notifyQueue(0);
        core.writeStatus(ACKNOWLEDGE_DRIVER | TransportCore.STATUS_DRIVER_OK);
        core.notifyQueue(0);
        core.notifyQueue(-1);
        assertEquals(0, device.notified, "queue 0 was never enabled; -1 does not exist");
    }

    private static final class RecordingSignals extends DriverSignals {
        final List<String> raised = new ArrayList<>();

        RecordingSignals() {
            super("core-test");
        }

        @Override
        protected void raiseUsed(int queue) {
            raised.add("used " + queue);
        }

        @Override
        protected void raiseConfig() {
            raised.add("config");
        }

        @Override
        protected void clearInterrupts() {
            raised.add("cleared");
        }
    }

    private static final class Device implements VirtioDevice {
        DeviceQueues queues;
        int notified;
        int resets;

        @Override public int deviceId() { return 42; }
        @Override public long offeredFeatures() { return DEVICE_FEATURE | HIGH_DEVICE_FEATURE; }
        @Override public int queueCount() { return 2; }
        @Override public int queueMaxSize(int queue) { return 16; }
        @Override public int configSize() { return 0; }
        @Override public long readConfig(int offset, int size) { return 0; }
        @Override public void activate(DeviceQueues q) { queues = q; }
        @Override public void queueNotify(int queue) { notified++; }
        @Override public void reset() { resets++; }
    }
}
