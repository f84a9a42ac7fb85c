package io.jqvm.virtio.pci;

import io.jqvm.device.DeviceCounters;
import io.jqvm.device.Metered;
import io.jqvm.common.Hex;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.device.IrqLine;
import io.jqvm.device.MsiController;
import io.jqvm.device.pci.MsixCapability;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.device.pci.PciFunction;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.QueueSetup;
import io.jqvm.virtio.TransportCore;
import io.jqvm.virtio.VirtioDevice;

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
public final class VirtioPciTransport implements PciFunction, Metered {
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

    private final String name;
    private final VirtioDevice device;
    private final GuestAccessLog accessLog;
    private final PciConfigSpace config;
    private final MsixCapability msix;
    private final PciInterrupts interrupts;
    private final TransportCore core;

    /**
     * @param intx the line INTA# drives
     * @param msi the board's MSI controller, or null when it has none (INTx only)
     */
    public VirtioPciTransport(String name, VirtioDevice device, GuestMemory memory, IrqLine intx, MsiController msi) {
        this.name = name;
        this.device = device;
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
        this.core = new TransportCore(name, device, memory, false, accessLog, interrupts);
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
            case DEVICE_OFFSET -> core.readDeviceConfig(at, size);
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
            case DEVICE_OFFSET -> core.writeDeviceConfig(at, size, value);
            case NOTIFY_OFFSET -> core.notifyQueue(at / NOTIFY_MULTIPLIER);
            default -> accessLog.report("write of the read-only ISR status");
        }
    }

    // ---- common configuration (§4.1.4.3) ------------------------------------------------------------

    private long readCommon(int at, int size) {
        QueueSetup q = core.selectedQueue();
        int queueSel = core.queueSel();
        long value = switch (at) {
            case 0x00 -> core.deviceFeaturesSel();
            case 0x04 -> core.deviceFeaturesWord();
            case 0x08 -> core.driverFeaturesSel();
            case 0x0c -> core.driverFeaturesWord();
            case 0x10 -> interrupts.configVector();
            case 0x12 -> core.queueCount();
            case 0x14 -> core.status();
            case 0x15 -> interrupts.configGeneration() & 0xff;
            case 0x16 -> queueSel;
            case 0x18 -> q == null ? 0 : q.size();
            case 0x1a -> q == null ? PciInterrupts.NO_VECTOR : interrupts.queueVector(queueSel);
            case 0x1c -> q != null && q.queue() != null ? 1 : 0;
            case 0x1e -> q == null ? 0 : queueSel; // notification address: NOTIFY_OFFSET + index * multiplier
            case 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34 -> q == null ? 0 : q.addressHalf(area(at), high(at));
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
            case 0x00 -> core.selectDeviceFeatures(v);
            case 0x08 -> core.selectDriverFeatures(v);
            case 0x0c -> core.writeDriverFeatures(v);
            case 0x10 -> interrupts.setConfigVector(v & 0xffff);
            case 0x14 -> core.writeStatus(v & 0xff);
            case 0x16 -> core.selectQueue(v & 0xffff);
            case 0x18 -> core.changeQueue(at, false, q -> q.setSize(v & 0xffff));
            case 0x1a -> core.changeQueue(at, false, q -> interrupts.setQueueVector(core.queueSel(), v & 0xffff));
            case 0x1c -> core.changeQueue(at, false, q -> enableQueue(q, v & 0xffff));
            case 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34 -> {
                if (size == 8) {
                    core.changeQueue(at, false, q -> {
                        q.setAddressHalf(area(at), high(at), (int) value);
                        q.setAddressHalf(area(at + 4), high(at + 4), (int) (value >>> 32));
                    });
                } else {
                    core.changeQueue(at, false, q -> q.setAddressHalf(area(at), high(at), v));
                }
            }
            default -> accessLog.report(size + "-byte write of read-only or unknown common configuration " + Hex.of(at)
                    + " = " + Hex.of(value));
        }
    }

    /** Enabling a queue checks its rings lie in RAM; writing 0 is not allowed (§4.1.4.3.2) and is ignored. */
    private void enableQueue(QueueSetup q, int enable) {
        int queueSel = core.queueSel();
        if (enable != 1) {
            accessLog.report("queue_enable " + enable + " for queue " + queueSel + " (only 1 may be written)");
            return;
        }
        if (q.size() == 0 || Integer.bitCount(q.size()) != 1 || q.size() > q.maxSize()) {
            interrupts.fail("queue " + queueSel + " size " + q.size() + " is not a power of two up to " + q.maxSize());
            return;
        }
        core.enableQueue(q);
    }

    /** The queue address registers: descriptor area at 0x20, driver area at 0x28, device area at 0x30. */
    private static QueueSetup.Area area(int at) {
        return at < 0x28 ? QueueSetup.Area.DESCRIPTORS : at < 0x30 ? QueueSetup.Area.DRIVER : QueueSetup.Area.DEVICE;
    }

    private static boolean high(int at) {
        return (at & 4) != 0;
    }

    /** Whether the driver enabled MSI-X, for tests and status reports. */
    public synchronized boolean msixEnabled() {
        return msix != null && msix.enabled();
    }

    @Override
    public DeviceCounters counters() {
        return interrupts.counters();
    }
}
