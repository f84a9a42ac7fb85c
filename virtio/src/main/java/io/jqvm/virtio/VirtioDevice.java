package io.jqvm.virtio;

/**
 * A virtio device model, without its transport (virtio 1.2 §2): the transport (virtio-mmio today, PCI later)
 * owns the registers, the status, feature negotiation and the queues' addresses; the device offers features,
 * answers its configuration space and serves its queues once the driver has set DRIVER_OK.
 *
 * <p>Threading: {@link #queueNotify} runs on the notifying vCPU's thread and must not block it (hand slow
 * work to the device's own threads). {@link #activate}, {@link #queueNotify} and {@link #reset} all run on vCPU
 * threads under the transport's lock, so never concurrently for one device; device threads signal through
 * {@link DeviceQueues}, which never takes that lock. After {@link #reset} a device must not touch the old
 * queues (the driver owns that memory again): the transport silences the old {@link DeviceQueues}, but it
 * cannot stop a thread that still holds a {@link Virtqueue}. A device never throws for anything the guest wrote: a malformed queue surfaces as a
 * {@link VirtqueueException} from {@link Virtqueue}, which the device passes to {@link DeviceQueues#fail}.
 */
public interface VirtioDevice {
    /** The virtio device ID (§5): 1 net, 2 block, 3 console, 4 entropy, 19 socket. */
    int deviceId();

    /**
     * Feature bits the device offers: its own (bits 0-23) and the reserved ones it supports beyond what the
     * transport adds itself (the transport always offers VIRTIO_F_VERSION_1, RING_INDIRECT_DESC, RING_EVENT_IDX).
     */
    long offeredFeatures();

    /** The number of virtqueues. */
    int queueCount();

    /** The largest size the driver may give queue {@code queue} (a power of two, at most 32768). */
    int queueMaxSize(int queue);

    /** Size of the device-specific configuration space in bytes. */
    int configSize();

    /** Reads {@code size} (1, 2, 4) bytes of configuration space at {@code offset}, little-endian. */
    long readConfig(int offset, int size);

    /** Writes configuration space; most devices ignore writes (read-only fields). */
    default void writeConfig(int offset, int size, long value) {
    }

    /** The driver set DRIVER_OK: the queues are ready and the negotiated features final. */
    void activate(DeviceQueues queues);

    /** The driver notified (kicked) queue {@code queue}. */
    void queueNotify(int queue);

    /** The driver reset the device: stop using the queues, forget negotiated state, keep host resources. */
    void reset();

    /** Releases host resources (files, sockets, threads) when the VM ends. */
    default void close() {
    }
}
