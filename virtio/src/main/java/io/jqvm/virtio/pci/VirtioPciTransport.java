package io.jqvm.virtio.pci;

import io.jqvm.common.Hex;
import io.jqvm.common.Log;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.device.IrqLine;
import io.jqvm.device.MsiController;
import io.jqvm.device.pci.MsixCapability;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.device.pci.PciFunction;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;

/**
 * The modern virtio-over-PCI transport (virtio 1.2 §4.1), laid out as QEMU's {@code virtio-*-pci} devices are
 * so Linux's {@code virtio_pci} driver sees the same device: vendor 0x1AF4, device 0x1040 + the virtio device
 * ID, revision 1; BAR 1 holds the MSI-X table (one vector per queue and one for configuration changes) and its
 * pending bits; BAR 4 (64-bit, prefetchable) holds the common configuration, ISR, device configuration and
 * notification regions, each announced by a vendor capability. Without an MSI controller on the board there
 * is no MSI-X capability and the device interrupts through INTA# alone.
 *
 * <p>Locking as in the virtio-mmio transport: vCPUs enter with this object's monitor held (the PCI bus takes
 * it), device threads only through {@link PciInterrupts}, whose lock never waits for this one.
 */
public final class VirtioPciTransport implements PciFunction {
    public static final int VENDOR = 0x1af4;
    static final int DEVICE_BASE = 0x1040;

    static final int MSIX_BAR = 1;
    static final int MSIX_BAR_SIZE = 0x1000;
    static final int PBA_OFFSET = 0x800;
    static final int REGISTERS_BAR = 4;
    static final int REGISTERS_BAR_SIZE = 0x4000;
    static final int COMMON_OFFSET = 0x0000;
    static final int COMMON_LENGTH = 0x38;
    static final int ISR_OFFSET = 0x1000;
    static final int DEVICE_OFFSET = 0x2000;
    static final int NOTIFY_OFFSET = 0x3000;
    static final int NOTIFY_MULTIPLIER = 4;
    static final int REGION_SIZE = 0x1000;

    static final int CAP_VENDOR = 0x09;
    static final int CFG_COMMON = 1;
    static final int CFG_NOTIFY = 2;
    static final int CFG_ISR = 3;
    static final int CFG_DEVICE = 4;

    static final int STATUS_DRIVER_OK = 4;
    static final int STATUS_FEATURES_OK = 8;
    static final int STATUS_NEEDS_RESET = 0x40;
    static final long F_RING_INDIRECT_DESC = 1L << 28;
    static final long F_RING_EVENT_IDX = 1L << 29;
    static final long F_VERSION_1 = 1L << 32;

    private final String name;
    private final VirtioDevice device;
    private final GuestMemory memory;
    private final long offered;
    private final GuestAccessLog accessLog;
    private final PciConfigSpace config;
    private final MsixCapability msix;
    private final PciInterrupts interrupts;
    private final QueueSetup[] setups;

    private int status;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private Activation activation; // non-null from DRIVER_OK until reset

    /**
     * @param intx the line INTA# drives
     * @param msi the board's MSI controller, or null when it has none (INTx only)
     */
    public VirtioPciTransport(String name, VirtioDevice device, GuestMemory memory, IrqLine intx, MsiController msi) {
        this.name = name;
        this.device = device;
        this.memory = memory;
        this.offered = device.offeredFeatures() | F_RING_INDIRECT_DESC | F_RING_EVENT_IDX | F_VERSION_1;
        this.accessLog = new GuestAccessLog(name);
        this.config = new PciConfigSpace(VENDOR, DEVICE_BASE + device.deviceId(), classCode(device.deviceId()), 1,
                VENDOR, DEVICE_BASE + device.deviceId(), 1);
        config.setBar(REGISTERS_BAR, new PciConfigSpace.Bar(PciConfigSpace.BarKind.MEMORY64, REGISTERS_BAR_SIZE, true));
        int queues = device.queueCount();
        if (msi != null) {
            config.setBar(MSIX_BAR, new PciConfigSpace.Bar(PciConfigSpace.BarKind.MEMORY32, MSIX_BAR_SIZE, false));
            msix = new MsixCapability(config, queues + 1, MSIX_BAR, 0, MSIX_BAR, PBA_OFFSET, msi);
        } else {
            msix = null;
        }
        capability(CFG_COMMON, COMMON_OFFSET, COMMON_LENGTH, 0);
        capability(CFG_ISR, ISR_OFFSET, 1, 0);
        capability(CFG_DEVICE, DEVICE_OFFSET, Math.max(device.configSize(), 1), 0);
        capability(CFG_NOTIFY, NOTIFY_OFFSET, NOTIFY_MULTIPLIER * Math.max(queues, 1), NOTIFY_MULTIPLIER);
        this.interrupts = new PciInterrupts(name, intx, config, msix, queues);
        this.setups = new QueueSetup[queues];
        resetRegisters();
    }

    /** The class QEMU gives each virtio device on PCI, so the guest's listing matches it. */
    static int classCode(int deviceId) {
        return switch (deviceId) {
            case 1 -> 0x02_00_00; // network controller, Ethernet
            case 2 -> 0x01_00_00; // mass storage, SCSI (QEMU's choice for virtio-blk)
            case 3, 19 -> 0x07_80_00; // communication controller, other (console, vsock)
            default -> 0x00_ff_00; // QEMU's PCI_CLASS_OTHERS: class 0x00, subclass 0xff (entropy)
        };
    }

    /** A virtio vendor capability (§4.1.4): type, BAR, region offset and length; the notify one has its multiplier. */
    private void capability(int type, int offset, int length, int notifyMultiplier) {
        int size = type == CFG_NOTIFY ? 20 : 16;
        int at = config.addCapability(CAP_VENDOR, size);
        config.set(at + 2, 1, size);
        config.set(at + 3, 1, type);
        config.set(at + 4, 1, REGISTERS_BAR);
        config.set(at + 8, 4, offset);
        config.set(at + 12, 4, length);
        if (type == CFG_NOTIFY) {
            config.set(at + 16, 4, notifyMultiplier);
        }
    }

    public String name() {
        return name;
    }

    public VirtioDevice device() {
        return device;
    }

    @Override
    public PciConfigSpace config() {
        return config;
    }

    @Override
    public synchronized void configWritten(int offset, int size) {
        if (msix != null) {
            msix.configWritten();
        }
        interrupts.setIntxDisabled((config.command() & PciConfigSpace.COMMAND_INTX_DISABLE) != 0);
    }

    @Override
    public synchronized long readBar(int vcpu, int bar, long offset, int size) {
        if (bar == MSIX_BAR && msix != null) {
            return offset < PBA_OFFSET ? msix.readTable(offset, size) : msix.readPba(offset - PBA_OFFSET, size);
        }
        if (bar != REGISTERS_BAR) {
            return 0;
        }
        int region = (int) (offset & -REGION_SIZE);
        int at = (int) (offset - region);
        return switch (region) {
            case COMMON_OFFSET -> readCommon(at, size);
            case ISR_OFFSET -> at == 0 ? interrupts.readIsr() : 0;
            case DEVICE_OFFSET -> readDeviceConfig(at, size);
            default -> 0; // the notification region reads as zero
        };
    }

    @Override
    public synchronized void writeBar(int vcpu, int bar, long offset, int size, long value) {
        if (bar == MSIX_BAR && msix != null) {
            if (offset < PBA_OFFSET) {
                msix.writeTable(offset, size, value);
            }
            return;
        }
        if (bar != REGISTERS_BAR) {
            return;
        }
        int region = (int) (offset & -REGION_SIZE);
        int at = (int) (offset - region);
        switch (region) {
            case COMMON_OFFSET -> writeCommon(at, size, value);
            case DEVICE_OFFSET -> writeDeviceConfig(at, size, value);
            case NOTIFY_OFFSET -> notifyQueue(at / NOTIFY_MULTIPLIER);
            default -> accessLog.report("write of the read-only ISR status");
        }
    }

    // ---- common configuration (§4.1.4.3) ------------------------------------------------------------

    private long readCommon(int at, int size) {
        QueueSetup q = selectedQueue();
        long value = switch (at) {
            case 0x00 -> deviceFeaturesSel;
            case 0x04 -> deviceFeaturesSel > 1 ? 0 : (offered >>> (32 * deviceFeaturesSel)) & 0xffff_ffffL;
            case 0x08 -> driverFeaturesSel;
            case 0x0c -> driverFeaturesSel > 1 ? 0 : (driverFeatures >>> (32 * driverFeaturesSel)) & 0xffff_ffffL;
            case 0x10 -> interrupts.configVector();
            case 0x12 -> setups.length;
            case 0x14 -> status | (interrupts.needsReset() ? STATUS_NEEDS_RESET : 0);
            case 0x15 -> interrupts.configGeneration() & 0xff;
            case 0x16 -> queueSel;
            case 0x18 -> q == null ? 0 : q.size;
            case 0x1a -> q == null ? PciInterrupts.NO_VECTOR : interrupts.queueVector(queueSel);
            case 0x1c -> q != null && q.queue != null ? 1 : 0;
            case 0x1e -> q == null ? 0 : queueSel; // notification address: NOTIFY_OFFSET + index * multiplier
            case 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34 -> q == null ? 0 : q.addressHalf(at);
            default -> {
                accessLog.report(size + "-byte read of common configuration " + Hex.of(at));
                yield 0;
            }
        };
        return value & (size >= 8 ? -1L : (1L << (8 * size)) - 1);
    }

    private void writeCommon(int at, int size, long value) {
        int v = (int) value;
        switch (at) {
            case 0x00 -> deviceFeaturesSel = v;
            case 0x08 -> driverFeaturesSel = v;
            case 0x0c -> writeDriverFeatures(v);
            case 0x10 -> interrupts.setConfigVector(v & 0xffff);
            case 0x14 -> writeStatus(v & 0xff);
            case 0x16 -> queueSel = v & 0xffff;
            case 0x18 -> withQueue(at, q -> q.size = v & 0xffff);
            case 0x1a -> withQueue(at, q -> interrupts.setQueueVector(queueSel, v & 0xffff));
            case 0x1c -> withQueue(at, q -> enableQueue(q, v & 0xffff));
            case 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34 -> {
                if (size == 8) {
                    withQueue(at, q -> {
                        q.setAddressHalf(at, (int) value);
                        q.setAddressHalf(at + 4, (int) (value >>> 32));
                    });
                } else {
                    withQueue(at, q -> q.setAddressHalf(at, v));
                }
            }
            default -> accessLog.report(size + "-byte write of read-only or unknown common configuration " + Hex.of(at)
                    + " = " + Hex.of(value));
        }
    }

    private QueueSetup selectedQueue() {
        return queueSel >= 0 && queueSel < setups.length ? setups[queueSel] : null;
    }

    private void withQueue(int reg, java.util.function.Consumer<QueueSetup> change) {
        QueueSetup q = selectedQueue();
        if (q == null) {
            accessLog.report("write of " + Hex.of(reg) + " for queue " + queueSel + ", which the device does not have");
        } else if (q.queue != null) {
            // §4.1.4.3.2: the driver must not change an enabled queue's set-up; the device keeps the ring it was given.
            accessLog.report("write of " + Hex.of(reg) + " for queue " + queueSel + " while it is enabled");
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

    /** Enabling a queue checks its rings lie in RAM; writing 0 is not allowed (§4.1.4.3.2) and is ignored. */
    private void enableQueue(QueueSetup q, int enable) {
        if (enable != 1) {
            accessLog.report("queue_enable " + enable + " for queue " + queueSel + " (only 1 may be written)");
            return;
        }
        if (q.size == 0 || Integer.bitCount(q.size) != 1 || q.size > q.maxSize) {
            interrupts.fail("queue " + queueSel + " size " + q.size + " is not a power of two up to " + q.maxSize);
            return;
        }
        try {
            q.queue = new Virtqueue(memory, q.size, q.desc, q.driver, q.device, (negotiated() & F_RING_EVENT_IDX) != 0);
        } catch (VirtqueueException e) {
            interrupts.fail("queue " + queueSel + ": " + e.getMessage());
        }
    }

    private long negotiated() {
        return driverFeatures & offered;
    }

    private void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        int added = value & ~status;
        int next = value & ~STATUS_NEEDS_RESET;
        if ((added & STATUS_FEATURES_OK) != 0) {
            String refusal = featureRefusal();
            if (refusal != null) {
                Log.warn(name + ": features " + Hex.of(driverFeatures) + " refused: " + refusal);
                next &= ~STATUS_FEATURES_OK;
            }
        }
        status = next;
        if ((added & STATUS_DRIVER_OK) != 0 && activation == null && !interrupts.needsReset()) {
            if ((status & STATUS_FEATURES_OK) == 0) {
                interrupts.fail("DRIVER_OK without FEATURES_OK");
                return;
            }
            Virtqueue[] queues = new Virtqueue[setups.length];
            for (int i = 0; i < setups.length; i++) {
                queues[i] = setups[i].queue;
            }
            activation = interrupts.activate(negotiated(), queues, memory);
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
            accessLog.report("notify of queue " + queue + ", which the device does not have");
            return;
        }
        if (activation != null && !interrupts.needsReset() && setups[queue].queue != null) {
            device.queueNotify(queue);
        }
    }

    private void reset() {
        if (activation != null) {
            activation.retire();
        }
        device.reset();
        resetRegisters();
        interrupts.reset();
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

    // ---- device configuration ----------------------------------------------------------------------

    private long readDeviceConfig(int offset, int size) {
        long allOnes = size >= 8 ? -1L : (1L << (8 * size)) - 1;
        if (offset + size > device.configSize()) {
            return allOnes;
        }
        if (size == 8) {
            return (device.readConfig(offset, 4) & 0xffff_ffffL) | (device.readConfig(offset + 4, 4) << 32);
        }
        return device.readConfig(offset, size) & allOnes;
    }

    private void writeDeviceConfig(int offset, int size, long value) {
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

    /** The driver's set-up of one queue, until queue_enable turns it into a {@link Virtqueue}. */
    private static final class QueueSetup {
        final int maxSize;
        int size;
        long desc;
        long driver;
        long device;
        Virtqueue queue;

        QueueSetup(int maxSize) {
            this.maxSize = maxSize;
            this.size = maxSize;
        }

        long addressHalf(int at) {
            long a = at < 0x28 ? desc : at < 0x30 ? driver : device;
            return (at & 4) == 0 ? a & 0xffff_ffffL : a >>> 32;
        }

        void setAddressHalf(int at, int value) {
            boolean high = (at & 4) != 0;
            long mask = high ? 0xffff_ffffL << 32 : 0xffff_ffffL;
            long bits = high ? Integer.toUnsignedLong(value) << 32 : Integer.toUnsignedLong(value);
            if (at < 0x28) {
                desc = (desc & ~mask) | bits;
            } else if (at < 0x30) {
                driver = (driver & ~mask) | bits;
            } else {
                device = (device & ~mask) | bits;
            }
        }
    }

    /** Whether the driver enabled MSI-X, for tests and status reports. */
    public synchronized boolean msixEnabled() {
        return msix != null && msix.enabled();
    }

    /** The activation a device gets at DRIVER_OK; retired at reset, after which its signals do nothing. */
    interface Activation extends DeviceQueues {
        void retire();
    }
}
