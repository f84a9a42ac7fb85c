package io.jqvm.virtio;

import io.jqvm.common.Hex;
import io.jqvm.common.Log;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.memory.GuestMemory;

import java.util.function.Consumer;

/**
 * The part of a virtio transport that does not depend on its register layout (virtio 1.2 §2.1, §2.2, §3.1):
 * device status, feature negotiation, the queues' set-up, activation at DRIVER_OK, notification and reset. A
 * transport decodes its registers into these calls and interrupts through its {@link DriverSignals}.
 *
 * <p>Not thread-safe on its own: the transport calls it under its lock, as it calls the device.
 */
public final class TransportCore {
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_NEEDS_RESET = 0x40;

    public static final long F_RING_INDIRECT_DESC = 1L << 28;
    public static final long F_RING_EVENT_IDX = 1L << 29;
    public static final long F_VERSION_1 = 1L << 32;

    private final String name;
    private final VirtioDevice device;
    private final GuestMemory memory;
    private final boolean legacy;
    private final long offered;
    private final GuestAccessLog accessLog;
    private final DriverSignals signals;
    private final QueueSetup[] setups;

    private int status;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private DriverSignals.Activation activation; // non-null from DRIVER_OK until reset

    /**
     * @param legacy a legacy (virtio 0.9) driver: offered no feature above bit 31 and no VERSION_1, and never
     *     sets FEATURES_OK, so its feature choice is final when it writes it
     */
    public TransportCore(String name, VirtioDevice device, GuestMemory memory, boolean legacy,
            GuestAccessLog accessLog, DriverSignals signals) {
        this.name = name;
        this.device = device;
        this.memory = memory;
        this.legacy = legacy;
        long transportFeatures = F_RING_INDIRECT_DESC | F_RING_EVENT_IDX | (legacy ? 0 : F_VERSION_1);
        // A legacy driver knows no feature above bit 31; VERSION_1 is what tells a modern one from it.
        this.offered = (device.offeredFeatures() | transportFeatures) & (legacy ? 0xffff_ffffL & ~F_VERSION_1 : -1L);
        this.accessLog = accessLog;
        this.signals = signals;
        this.setups = new QueueSetup[device.queueCount()];
        resetRegisters();
    }

    // ---- status and features --------------------------------------------------------------------------

    /** The device status the driver reads: its own bits, and DEVICE_NEEDS_RESET, which the device owns. */
    public int status() {
        return status | (signals.needsReset() ? STATUS_NEEDS_RESET : 0);
    }

    public int deviceFeaturesSel() {
        return deviceFeaturesSel;
    }

    public void selectDeviceFeatures(int word) {
        deviceFeaturesSel = word;
    }

    public int driverFeaturesSel() {
        return driverFeaturesSel;
    }

    public void selectDriverFeatures(int word) {
        driverFeaturesSel = word;
    }

    /** The selected 32-bit word of the offered features; words past the second read as 0. */
    public long deviceFeaturesWord() {
        return deviceFeaturesSel > 1 ? 0 : (offered >>> (32 * deviceFeaturesSel)) & 0xffff_ffffL;
    }

    /** The selected 32-bit word of what the driver wrote. */
    public long driverFeaturesWord() {
        return driverFeaturesSel > 1 ? 0 : (driverFeatures >>> (32 * driverFeaturesSel)) & 0xffff_ffffL;
    }

    public void writeDriverFeatures(int v) {
        if ((status & STATUS_FEATURES_OK) != 0) {
            accessLog.report("driver features written after FEATURES_OK");
            return;
        }
        if (driverFeaturesSel == 0 || driverFeaturesSel == 1) {
            int shift = 32 * driverFeaturesSel;
            driverFeatures = (driverFeatures & ~(0xffff_ffffL << shift)) | (Integer.toUnsignedLong(v) << shift);
        } else if (v != 0) {
            accessLog.report("driver features word " + Integer.toUnsignedString(driverFeaturesSel) + " = " + Hex.of(v & 0xffff_ffffL));
        }
    }

    /** What the driver accepted. */
    public long negotiated() {
        return driverFeatures & offered;
    }

    public boolean active() {
        return activation != null;
    }

    /** The driver wrote the device status: 0 resets; FEATURES_OK is checked; DRIVER_OK activates the device. */
    public void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        int added = value & ~status;
        int next = value & ~STATUS_NEEDS_RESET; // the device owns that bit
        if (!legacy && (added & STATUS_FEATURES_OK) != 0) {
            String refusal = featureRefusal();
            if (refusal != null) {
                Log.warn(name + ": features " + Hex.of(driverFeatures) + " refused: " + refusal);
                next &= ~STATUS_FEATURES_OK; // the driver reads the bit back and gives up
            }
        }
        status = next;
        if ((added & STATUS_DRIVER_OK) != 0 && activation == null && !signals.needsReset()) {
            if (!legacy && (status & STATUS_FEATURES_OK) == 0) {
                signals.fail("DRIVER_OK without FEATURES_OK");
                return;
            }
            Virtqueue[] queues = new Virtqueue[setups.length];
            for (int i = 0; i < setups.length; i++) {
                queues[i] = setups[i].queue();
            }
            activation = signals.activate(negotiated(), queues, memory);
            device.activate(activation);
        }
    }

    private String featureRefusal() {
        long unoffered = driverFeatures & ~offered;
        if (unoffered != 0) {
            return "not offered: " + Hex.of(unoffered);
        }
        if ((driverFeatures & F_VERSION_1) == 0) {
            return "VIRTIO_F_VERSION_1 missing (a modern device needs a modern driver)";
        }
        return null;
    }

    // ---- queues -------------------------------------------------------------------------------------------

    public int queueCount() {
        return setups.length;
    }

    public int queueSel() {
        return queueSel;
    }

    public void selectQueue(int queue) {
        queueSel = queue;
    }

    /** The selected queue's set-up; null when the device has no such queue. */
    public QueueSetup selectedQueue() {
        return queueSel >= 0 && queueSel < setups.length ? setups[queueSel] : null;
    }

    /**
     * Applies the driver's write of register {@code reg} to the selected queue's set-up, unless the device has no
     * such queue or the queue is enabled: the driver must not change an enabled queue's set-up (§4.1.4.3.2,
     * §4.2.2.3); the device keeps the ring it was given. {@code disables} marks a write that may turn an enabled
     * queue off, which is allowed until DRIVER_OK.
     */
    public void changeQueue(int reg, boolean disables, Consumer<QueueSetup> change) {
        QueueSetup q = selectedQueue();
        if (q == null) {
            accessLog.report("write of " + Hex.of(reg) + " for queue " + Integer.toUnsignedString(queueSel)
                    + ", which the device does not have");
        } else if (q.queue() != null && (activation != null || !disables)) {
            accessLog.report("write of " + Hex.of(reg) + " for queue " + queueSel + " while it is enabled");
        } else {
            change.accept(q);
        }
    }

    /** Turns the selected queue off (a legacy QueuePFN of 0, a modern QueueReady of 0 before DRIVER_OK). */
    public void disableQueue(QueueSetup q) {
        q.setQueue(null);
    }

    /** Makes the selected queue's rings at the addresses the driver wrote, after the transport checked its size. */
    public void enableQueue(QueueSetup q) {
        enableQueue(q, q.address(QueueSetup.Area.DESCRIPTORS), q.address(QueueSetup.Area.DRIVER),
                q.address(QueueSetup.Area.DEVICE));
    }

    /**
     * Makes the selected queue's rings at the given addresses, after the transport checked their size; rings
     * that do not lie in RAM fail the device.
     */
    public void enableQueue(QueueSetup q, long desc, long avail, long used) {
        try {
            q.setQueue(new Virtqueue(memory, q.size(), desc, avail, used, (negotiated() & F_RING_EVENT_IDX) != 0)
                    .countingInto(signals.counters()));
        } catch (VirtqueueException e) {
            signals.fail("queue " + queueSel + ": " + e.getMessage());
        }
    }

    /** The driver notified queue {@code queue}; passed on only to a running device whose queue is enabled. */
    public void notifyQueue(int queue) {
        if (queue < 0 || queue >= setups.length) {
            accessLog.report("notify of queue " + Integer.toUnsignedString(queue) + ", which the device does not have");
            return;
        }
        // Before DRIVER_OK the driver may not notify (§3.1.1); after a failure the device waits for its reset.
        if (activation != null && !signals.needsReset() && setups[queue].queue() != null) {
            device.queueNotify(queue);
        }
    }

    // ---- device configuration -----------------------------------------------------------------------------

    /**
     * A read of the device's configuration space. Out of range reads as all ones, as QEMU answers; an 8-byte read
     * is two 4-byte ones, as the driver would do.
     */
    public long readDeviceConfig(int offset, int size) {
        long allOnes = size >= 8 ? -1L : (1L << (8 * size)) - 1;
        if (offset + size > device.configSize()) {
            return allOnes;
        }
        if (size == 8) {
            return (device.readConfig(offset, 4) & 0xffff_ffffL) | (device.readConfig(offset + 4, 4) << 32);
        }
        return device.readConfig(offset, size) & allOnes;
    }

    public void writeDeviceConfig(int offset, int size, long value) {
        if (offset + size > device.configSize()) {
            accessLog.report("write past the " + device.configSize() + "-byte configuration space at " + Hex.of(offset));
            return;
        }
        if (size == 8) {
            device.writeConfig(offset, 4, value & 0xffff_ffffL);
            device.writeConfig(offset + 4, 4, value >>> 32);
        } else {
            device.writeConfig(offset, size, value);
        }
    }

    // ---- reset --------------------------------------------------------------------------------------------

    private void reset() {
        if (activation != null) {
            activation.retire();
        }
        device.reset();
        resetRegisters();
        signals.reset();
    }

    private void resetRegisters() {
        activation = null;
        status = 0;
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        driverFeatures = 0;
        queueSel = 0;
        for (int i = 0; i < setups.length; i++) {
            setups[i] = new QueueSetup(device.queueMaxSize(i));
        }
    }
}
