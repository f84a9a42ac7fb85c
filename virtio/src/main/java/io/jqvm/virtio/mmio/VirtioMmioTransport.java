package io.jqvm.virtio.mmio;

import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.DeviceCounters;
import io.jqvm.device.Metered;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.device.IrqLine;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.QueueSetup;
import io.jqvm.virtio.TransportCore;
import io.jqvm.virtio.VirtioDevice;

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
public final class VirtioMmioTransport implements BusDevice, Metered {
    /** The window the transport decodes: registers, then device configuration from {@link MmioRegisters#CONFIG}. */
    public static final long WINDOW_SIZE = 0x200;

    private final String name;
    private final VirtioDevice device;
    private final boolean legacy;
    private final GuestAccessLog accessLog;
    private final Signals signals;
    private final TransportCore core;
    // Legacy only: the unit of QueuePFN, and each queue's QueueAlign and QueuePFN.
    private long guestPageSize;
    private final int[] queueAlign;
    private final long[] queuePfn;

    public VirtioMmioTransport(String name, VirtioDevice device, GuestMemory memory, IrqLine irq, boolean legacy) {
        this.name = name;
        this.device = device;
        this.legacy = legacy;
        this.accessLog = new GuestAccessLog(name);
        this.signals = new Signals(name, irq);
        this.core = new TransportCore(name, device, memory, legacy, accessLog, signals);
        this.queueAlign = new int[device.queueCount()];
        this.queuePfn = new long[device.queueCount()];
        resetLegacyRegisters();
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
            return core.readDeviceConfig((int) (offset - MmioRegisters.CONFIG), size);
        }
        if (size != 4) {
            accessLog.report(size + "-byte read of register " + Hex.of(offset) + " (registers are 32-bit)");
            return 0;
        }
        int reg = (int) offset;
        QueueSetup q = core.selectedQueue();
        return switch (reg) {
            case MmioRegisters.MAGIC -> MmioRegisters.MAGIC_VALUE;
            case MmioRegisters.VERSION -> legacy ? 1 : 2;
            case MmioRegisters.DEVICE_ID -> device.deviceId();
            case MmioRegisters.VENDOR_ID -> MmioRegisters.VENDOR;
            case MmioRegisters.DEVICE_FEATURES -> core.deviceFeaturesWord();
            case MmioRegisters.QUEUE_NUM_MAX -> q == null ? 0 : q.maxSize();
            case MmioRegisters.QUEUE_PFN -> legacy && q != null ? queuePfn[core.queueSel()] : unimplemented(reg, "legacy");
            case MmioRegisters.QUEUE_READY -> !legacy && q != null && q.queue() != null ? 1 : legacy ? unimplemented(reg, "modern") : 0;
            case MmioRegisters.INTERRUPT_STATUS -> signals.interruptStatus();
            case MmioRegisters.STATUS -> core.status();
            case MmioRegisters.QUEUE_DESC_LOW, MmioRegisters.QUEUE_DESC_HIGH,
                 MmioRegisters.QUEUE_DRIVER_LOW, MmioRegisters.QUEUE_DRIVER_HIGH,
                 MmioRegisters.QUEUE_DEVICE_LOW, MmioRegisters.QUEUE_DEVICE_HIGH ->
                    legacy ? unimplemented(reg, "modern") : q == null ? 0 : q.addressHalf(area(reg), high(reg));
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
            core.writeDeviceConfig((int) (offset - MmioRegisters.CONFIG), size, value);
            return;
        }
        if (size != 4) {
            accessLog.report(size + "-byte write of register " + Hex.of(offset) + " (registers are 32-bit)");
            return;
        }
        int reg = (int) offset;
        int v = (int) value;
        switch (reg) {
            case MmioRegisters.DEVICE_FEATURES_SEL -> core.selectDeviceFeatures(v);
            case MmioRegisters.DRIVER_FEATURES_SEL -> core.selectDriverFeatures(v);
            case MmioRegisters.DRIVER_FEATURES -> core.writeDriverFeatures(v);
            case MmioRegisters.GUEST_PAGE_SIZE -> {
                if (!legacy) {
                    unimplemented(reg, "legacy");
                } else if (v <= 0 || Integer.bitCount(v) != 1) {
                    signals.fail("guest page size " + Integer.toUnsignedString(v) + " is not a power of two");
                } else {
                    guestPageSize = v;
                }
            }
            case MmioRegisters.QUEUE_SEL -> core.selectQueue(v);
            case MmioRegisters.QUEUE_NUM -> core.changeQueue(reg, false, q -> q.setSize(v));
            case MmioRegisters.QUEUE_ALIGN -> {
                if (!legacy) {
                    unimplemented(reg, "legacy");
                } else {
                    core.changeQueue(reg, false, q -> queueAlign[core.queueSel()] = v);
                }
            }
            case MmioRegisters.QUEUE_PFN -> {
                if (!legacy) {
                    unimplemented(reg, "legacy");
                } else {
                    core.changeQueue(reg, true, q -> writeQueuePfn(q, v));
                }
            }
            case MmioRegisters.QUEUE_READY -> {
                if (legacy) {
                    unimplemented(reg, "modern");
                } else {
                    core.changeQueue(reg, true, q -> writeQueueReady(q, v));
                }
            }
            case MmioRegisters.QUEUE_DESC_LOW, MmioRegisters.QUEUE_DESC_HIGH,
                 MmioRegisters.QUEUE_DRIVER_LOW, MmioRegisters.QUEUE_DRIVER_HIGH,
                 MmioRegisters.QUEUE_DEVICE_LOW, MmioRegisters.QUEUE_DEVICE_HIGH -> {
                if (legacy) {
                    unimplemented(reg, "modern");
                } else {
                    core.changeQueue(reg, false, q -> q.setAddressHalf(area(reg), high(reg), v));
                }
            }
            case MmioRegisters.QUEUE_NOTIFY -> core.notifyQueue(v);
            case MmioRegisters.INTERRUPT_ACK -> signals.acknowledge(v);
            case MmioRegisters.STATUS -> writeStatus(v & 0xff);
            case MmioRegisters.SHM_SEL -> {
                // No shared-memory regions to select; the lengths read as absent whatever is selected.
            }
            default -> accessLog.report("write of read-only or unknown register " + Hex.of(offset) + " = " + Hex.of(value & 0xffff_ffffL));
        }
    }

    private long unimplemented(int reg, String mode) {
        accessLog.report("register " + Hex.of(reg) + " exists only in the " + mode + " interface");
        return 0;
    }

    /** Legacy: the rings lie in one block at PFN × GuestPageSize, the used ring at the next QueueAlign boundary. */
    private void writeQueuePfn(QueueSetup q, int pfn) {
        int queue = core.queueSel();
        core.disableQueue(q);
        queuePfn[queue] = Integer.toUnsignedLong(pfn);
        if (pfn == 0) {
            // The queue is unused (§4.2.4). QEMU resets the whole device here; Linux writes 0 only after a reset.
            return;
        }
        long align = Integer.toUnsignedLong(queueAlign[queue]);
        if (Long.bitCount(align) != 1 || align < 4) {
            signals.fail("queue " + queue + " alignment " + align + " is not a power of two of at least 4");
            return;
        }
        long desc = queuePfn[queue] * guestPageSize;
        long avail = desc + 16L * q.size();
        long used = (avail + 6 + 2L * q.size() + align - 1) & -align;
        if (sizeFits(q)) {
            core.enableQueue(q, desc, avail, used);
        }
    }

    private void writeQueueReady(QueueSetup q, int ready) {
        if ((ready & 1) == 0) {
            core.disableQueue(q);
        } else if (sizeFits(q)) {
            core.enableQueue(q);
        }
    }

    private boolean sizeFits(QueueSetup q) {
        if (Integer.compareUnsigned(q.size(), q.maxSize()) > 0) {
            signals.fail("queue " + core.queueSel() + " size " + Integer.toUnsignedString(q.size())
                    + " exceeds its maximum " + q.maxSize());
            return false;
        }
        return true;
    }

    private void writeStatus(int value) {
        core.writeStatus(value);
        if (value == 0) {
            resetLegacyRegisters();
        }
    }

    private void resetLegacyRegisters() {
        guestPageSize = 4096;
        java.util.Arrays.fill(queueAlign, 4096);
        java.util.Arrays.fill(queuePfn, 0);
    }

    private static QueueSetup.Area area(int reg) {
        return switch (reg) {
            case MmioRegisters.QUEUE_DESC_LOW, MmioRegisters.QUEUE_DESC_HIGH -> QueueSetup.Area.DESCRIPTORS;
            case MmioRegisters.QUEUE_DRIVER_LOW, MmioRegisters.QUEUE_DRIVER_HIGH -> QueueSetup.Area.DRIVER;
            default -> QueueSetup.Area.DEVICE;
        };
    }

    private static boolean high(int reg) {
        return (reg & 4) != 0;
    }

    /** A view of the transport's state, for tests and status reports. */
    public synchronized TransportState state() {
        return new TransportState(core.status(), signals.interruptStatus(), core.negotiated(), core.active(),
                signals.configGeneration());
    }

    /** What the transport shows of itself: device status, pending interrupts, negotiated features. */
    public record TransportState(int status, int interruptStatus, long features, boolean active, int configGeneration) {
    }

    @Override
    public DeviceCounters counters() {
        return signals.counters();
    }
}
