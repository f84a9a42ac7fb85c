package io.jqvm.virtio;

import io.jqvm.memory.GuestMemory;

/** What an activated device gets from its transport: its queues, guest memory and the ways to signal the driver. */
public interface DeviceQueues {
    /** The features the driver accepted. */
    long features();

    /**
     * Queue {@code index}, whose rings were checked to lie in RAM when the driver enabled it; null when the
     * driver did not enable that queue (drivers may leave queues they do not use unset).
     */
    Virtqueue queue(int index);

    GuestMemory memory();

    /**
     * The device put buffers in queue {@code index}'s used ring: interrupts the driver unless it suppressed
     * notifications (VIRTQ_AVAIL_F_NO_INTERRUPT or the used-event index).
     */
    void notifyUsed(int index);

    /**
     * Raises queue {@code index}'s used-buffer interrupt without looking at the driver's suppression fields: for a
     * back end outside jqvm (vhost-user), which serves the rings itself and signals only when the driver asked.
     */
    void interruptUsed(int index);

    /** The configuration space changed: raises the configuration-change interrupt. */
    void configChanged();

    /**
     * The driver broke the protocol (a malformed queue, say): the transport sets DEVICE_NEEDS_RESET, raises the
     * configuration-change interrupt and logs {@code why} once; the device stops serving until a reset.
     */
    void fail(String why);
}
