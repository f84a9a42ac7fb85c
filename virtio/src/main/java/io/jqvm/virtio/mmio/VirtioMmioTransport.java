package io.jqvm.virtio.mmio;

import io.jqvm.common.Hex;
import io.jqvm.common.Log;
import io.jqvm.device.BusDevice;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.device.IrqLine;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;

/**
 * The virtio-mmio transport (virtio 1.2 §4.2): one device's register window, in the modern layout (version 2)
 * or, with qvm's {@code legacy} option, the legacy one (version 1: GuestPageSize, QueueAlign, QueuePFN, no
 * VIRTIO_F_VERSION_1), as Linux's {@code virtio_mmio} driver and QEMU's {@code virtio-mmio} speak them.
 *
 * <p>Locking: vCPUs enter through {@link #read}/{@link #write} under the transport's lock, which also covers
 * the calls into the device ({@code activate}, {@code queueNotify}, {@code reset}). Device threads enter only
 * through the {@link DeviceQueues} they were activated with, which take the small {@link Signals} lock and
 * never the transport's: so a device may hold its own lock while it signals, and the transport may hold its
 * lock while it calls the device, without the two ever waiting on each other.
 */
public final class VirtioMmioTransport implements BusDevice {
    /** The window the transport decodes: registers, then device configuration from {@link MmioRegisters#CONFIG}. */
    public static final long WINDOW_SIZE = 0x200;

    static final int STATUS_ACKNOWLEDGE = 1;
    static final int STATUS_DRIVER = 2;
    static final int STATUS_DRIVER_OK = 4;
    static final int STATUS_FEATURES_OK = 8;
    static final int STATUS_NEEDS_RESET = 0x40;
    static final int STATUS_FAILED = 0x80;

    static final long F_RING_INDIRECT_DESC = 1L << 28;
    static final long F_RING_EVENT_IDX = 1L << 29;
    static final long F_VERSION_1 = 1L << 32;

    private final String name;
    private final VirtioDevice device;
    private final GuestMemory memory;
    private final boolean legacy;
    private final long offered;
    private final GuestAccessLog accessLog;
    private final Signals signals;
    private final QueueSetup[] setups;

    private int status;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private long guestPageSize; // legacy: the unit of QueuePFN
    private Activation activation; // non-null from DRIVER_OK until reset

    public VirtioMmioTransport(String name, VirtioDevice device, GuestMemory memory, IrqLine irq, boolean legacy) {
        this.name = name;
        this.device = device;
        this.memory = memory;
        this.legacy = legacy;
        long transportFeatures = F_RING_INDIRECT_DESC | F_RING_EVENT_IDX | (legacy ? 0 : F_VERSION_1);
        // A legacy driver knows no feature above bit 31; VERSION_1 is what tells a modern one from it.
        this.offered = (device.offeredFeatures() | transportFeatures) & (legacy ? 0xffff_ffffL & ~F_VERSION_1 : -1L);
        this.accessLog = new GuestAccessLog(name);
        this.signals = new Signals(name, irq);
        this.setups = new QueueSetup[device.queueCount()];
        resetRegisters();
    }

    public String name() {
        return name;
    }

    public VirtioDevice device() {
        return device;
    }

    @Override
    public synchronized long read(int vcpu, long offset, int size) {
        if (offset >= MmioRegisters.CONFIG) {
            return readConfig((int) (offset - MmioRegisters.CONFIG), size);
        }
        if (size != 4) {
            accessLog.report(size + "-byte read of register " + Hex.of(offset) + " (registers are 32-bit)");
            return 0;
        }
        int reg = (int) offset;
        QueueSetup q = selectedQueue();
        return switch (reg) {
            case MmioRegisters.MAGIC -> MmioRegisters.MAGIC_VALUE;
            case MmioRegisters.VERSION -> legacy ? 1 : 2;
            case MmioRegisters.DEVICE_ID -> device.deviceId();
            case MmioRegisters.VENDOR_ID -> MmioRegisters.VENDOR;
            case MmioRegisters.DEVICE_FEATURES -> deviceFeaturesSel > 1 ? 0 : (offered >>> (32 * deviceFeaturesSel)) & 0xffff_ffffL;
            case MmioRegisters.QUEUE_NUM_MAX -> q == null ? 0 : q.maxSize;
            case MmioRegisters.QUEUE_PFN -> legacy && q != null ? q.pfn : unimplemented(reg, "legacy");
            case MmioRegisters.QUEUE_READY -> !legacy && q != null && q.queue != null ? 1 : legacy ? unimplemented(reg, "modern") : 0;
            case MmioRegisters.INTERRUPT_STATUS -> signals.interruptStatus();
            case MmioRegisters.STATUS -> status | (signals.needsReset() ? STATUS_NEEDS_RESET : 0);
            case MmioRegisters.QUEUE_DESC_LOW, MmioRegisters.QUEUE_DESC_HIGH,
                 MmioRegisters.QUEUE_DRIVER_LOW, MmioRegisters.QUEUE_DRIVER_HIGH,
                 MmioRegisters.QUEUE_DEVICE_LOW, MmioRegisters.QUEUE_DEVICE_HIGH ->
                    legacy ? unimplemented(reg, "modern") : q == null ? 0 : q.addressHalf(reg);
            // No shared-memory regions: Linux reads a length of all ones as "this region does not exist", as QEMU answers.
            case MmioRegisters.SHM_LEN_LOW, MmioRegisters.SHM_LEN_HIGH -> 0xffff_ffffL;
            case MmioRegisters.CONFIG_GENERATION -> legacy ? unimplemented(reg, "modern") : signals.configGeneration();
            default -> {
                accessLog.report("read of write-only or unknown register " + Hex.of(offset));
                yield 0;
            }
        };
    }

    @Override
    public synchronized void write(int vcpu, long offset, int size, long value) {
        if (offset >= MmioRegisters.CONFIG) {
            writeConfig((int) (offset - MmioRegisters.CONFIG), size, value);
            return;
        }
        if (size != 4) {
            accessLog.report(size + "-byte write of register " + Hex.of(offset) + " (registers are 32-bit)");
            return;
        }
        int reg = (int) offset;
        int v = (int) value;
        switch (reg) {
            case MmioRegisters.DEVICE_FEATURES_SEL -> deviceFeaturesSel = v;
            case MmioRegisters.DRIVER_FEATURES_SEL -> driverFeaturesSel = v;
            case MmioRegisters.DRIVER_FEATURES -> writeDriverFeatures(v);
            case MmioRegisters.GUEST_PAGE_SIZE -> {
                if (!legacy) {
                    unimplemented(reg, "legacy");
                } else if (v <= 0 || Integer.bitCount(v) != 1) {
                    signals.fail("guest page size " + Integer.toUnsignedString(v) + " is not a power of two");
                } else {
                    guestPageSize = v;
                }
            }
            case MmioRegisters.QUEUE_SEL -> queueSel = v;
            case MmioRegisters.QUEUE_NUM -> withQueue(reg, q -> q.size = v);
            case MmioRegisters.QUEUE_ALIGN -> {
                if (!legacy) {
                    unimplemented(reg, "legacy");
                } else {
                    withQueue(reg, q -> q.align = v);
                }
            }
            case MmioRegisters.QUEUE_PFN -> {
                if (!legacy) {
                    unimplemented(reg, "legacy");
                } else {
                    withQueue(reg, q -> writeQueuePfn(q, v));
                }
            }
            case MmioRegisters.QUEUE_READY -> {
                if (legacy) {
                    unimplemented(reg, "modern");
                } else {
                    withQueue(reg, q -> writeQueueReady(q, v));
                }
            }
            case MmioRegisters.QUEUE_DESC_LOW, MmioRegisters.QUEUE_DESC_HIGH,
                 MmioRegisters.QUEUE_DRIVER_LOW, MmioRegisters.QUEUE_DRIVER_HIGH,
                 MmioRegisters.QUEUE_DEVICE_LOW, MmioRegisters.QUEUE_DEVICE_HIGH -> {
                if (legacy) {
                    unimplemented(reg, "modern");
                } else {
                    withQueue(reg, q -> q.setAddressHalf(reg, v));
                }
            }
            case MmioRegisters.QUEUE_NOTIFY -> notifyQueue(v);
            case MmioRegisters.INTERRUPT_ACK -> signals.acknowledge(v);
            case MmioRegisters.STATUS -> writeStatus(v & 0xff);
            case MmioRegisters.SHM_SEL -> {
                // No shared-memory regions to select; the lengths read as absent whatever is selected.
            }
            default -> accessLog.report("write of read-only or unknown register " + Hex.of(offset) + " = " + Hex.of(value & 0xffff_ffffL));
        }
    }

    private long readConfig(int offset, int size) {
        long allOnes = size == 8 ? -1L : (1L << (8 * size)) - 1;
        // Out of range reads as all ones, as QEMU answers; an 8-byte read is two 4-byte ones, as the driver would do.
        if (offset + size > device.configSize()) {
            return allOnes;
        }
        if (size == 8) {
            return (device.readConfig(offset, 4) & 0xffff_ffffL) | (device.readConfig(offset + 4, 4) << 32);
        }
        return device.readConfig(offset, size) & allOnes;
    }

    private void writeConfig(int offset, int size, long value) {
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

    private long unimplemented(int reg, String mode) {
        accessLog.report("register " + Hex.of(reg) + " exists only in the " + mode + " interface");
        return 0;
    }

    private QueueSetup selectedQueue() {
        return queueSel >= 0 && queueSel < setups.length ? setups[queueSel] : null;
    }

    private void withQueue(int reg, java.util.function.Consumer<QueueSetup> change) {
        QueueSetup q = selectedQueue();
        if (q == null) {
            accessLog.report("write of " + Hex.of(reg) + " for queue " + Integer.toUnsignedString(queueSel)
                    + ", which the device does not have");
        } else if (q.queue != null && (activation != null
                || reg != MmioRegisters.QUEUE_READY && reg != MmioRegisters.QUEUE_PFN)) {
            // §4.2.2.3: the driver must not change a live queue's set-up, nor (without VIRTIO_F_RING_RESET) turn it
            // off while the device runs; the device keeps the ring it was given.
            accessLog.report("write of " + Hex.of(reg) + " for queue " + queueSel + " while it is live");
        } else {
            change.accept(q);
        }
    }

    private void writeDriverFeatures(int v) {
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

    /** Legacy: the rings lie in one block at PFN × GuestPageSize, the used ring at the next QueueAlign boundary. */
    private void writeQueuePfn(QueueSetup q, int pfn) {
        q.queue = null;
        q.pfn = Integer.toUnsignedLong(pfn);
        if (pfn == 0) {
            // The queue is unused (§4.2.4). QEMU resets the whole device here; Linux writes 0 only after a reset.
            return;
        }
        long align = Integer.toUnsignedLong(q.align);
        if (Long.bitCount(align) != 1 || align < 4) {
            signals.fail("queue " + queueSel + " alignment " + align + " is not a power of two of at least 4");
            return;
        }
        long desc = q.pfn * guestPageSize;
        long avail = desc + 16L * q.size;
        long used = (avail + 6 + 2L * q.size + align - 1) & -align;
        makeQueue(q, desc, avail, used);
    }

    private void writeQueueReady(QueueSetup q, int ready) {
        if ((ready & 1) == 0) {
            q.queue = null;
            return;
        }
        makeQueue(q, q.desc, q.driver, q.device);
    }

    private void makeQueue(QueueSetup q, long desc, long avail, long used) {
        if (Integer.compareUnsigned(q.size, q.maxSize) > 0) {
            signals.fail("queue " + queueSel + " size " + Integer.toUnsignedString(q.size) + " exceeds its maximum " + q.maxSize);
            return;
        }
        try {
            q.queue = new Virtqueue(memory, q.size, desc, avail, used, (negotiated() & F_RING_EVENT_IDX) != 0);
        } catch (VirtqueueException e) {
            signals.fail("queue " + queueSel + ": " + e.getMessage());
        }
    }

    /** What the driver accepted; a legacy driver never sets FEATURES_OK, so its choice is final when it writes it. */
    private long negotiated() {
        return driverFeatures & offered;
    }

    private void writeStatus(int value) {
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
                queues[i] = setups[i].queue;
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

    private void notifyQueue(int queue) {
        if (queue < 0 || queue >= setups.length) {
            accessLog.report("notify of queue " + Integer.toUnsignedString(queue) + ", which the device does not have");
            return;
        }
        // Before DRIVER_OK the driver may not notify (§3.1.1); after a failure the device waits for its reset.
        if (activation != null && !signals.needsReset() && setups[queue].queue != null) {
            device.queueNotify(queue);
        }
    }

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
        guestPageSize = 4096;
        for (int i = 0; i < setups.length; i++) {
            setups[i] = new QueueSetup(device.queueMaxSize(i));
        }
    }

    /** The driver's set-up of one queue, kept until QueueReady (or QueuePFN) turns it into a {@link Virtqueue}. */
    private static final class QueueSetup {
        final int maxSize;
        int size;
        int align = 4096;
        long pfn;
        long desc;
        long driver;
        long device;
        Virtqueue queue;

        QueueSetup(int maxSize) {
            this.maxSize = maxSize;
            this.size = maxSize; // as QEMU: a driver that never writes QueueNum gets the largest queue
        }

        long addressHalf(int reg) {
            long a = switch (reg) {
                case MmioRegisters.QUEUE_DESC_LOW, MmioRegisters.QUEUE_DESC_HIGH -> desc;
                case MmioRegisters.QUEUE_DRIVER_LOW, MmioRegisters.QUEUE_DRIVER_HIGH -> driver;
                default -> device;
            };
            return (reg & 4) == 0 ? a & 0xffff_ffffL : a >>> 32;
        }

        void setAddressHalf(int reg, int value) {
            boolean high = (reg & 4) != 0;
            long mask = high ? 0xffff_ffffL << 32 : 0xffff_ffffL;
            long bits = high ? Integer.toUnsignedLong(value) << 32 : Integer.toUnsignedLong(value);
            switch (reg) {
                case MmioRegisters.QUEUE_DESC_LOW, MmioRegisters.QUEUE_DESC_HIGH -> desc = (desc & ~mask) | bits;
                case MmioRegisters.QUEUE_DRIVER_LOW, MmioRegisters.QUEUE_DRIVER_HIGH -> driver = (driver & ~mask) | bits;
                default -> device = (device & ~mask) | bits;
            }
        }
    }

    /** A view of the transport's state, for tests and status reports. */
    public synchronized TransportState state() {
        return new TransportState(status | (signals.needsReset() ? STATUS_NEEDS_RESET : 0), signals.interruptStatus(),
                negotiated(), activation != null, signals.configGeneration());
    }

    /** What the transport shows of itself: device status, pending interrupts, negotiated features. */
    public record TransportState(int status, int interruptStatus, long features, boolean active, int configGeneration) {
    }

    /** The activation a device gets at DRIVER_OK; retired at reset, after which its signals do nothing. */
    interface Activation extends DeviceQueues {
        void retire();
    }
}
