package io.jqvm.virtio.testing;

import io.jqvm.device.BusDevice;
import io.jqvm.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives a virtio-mmio register window the way Linux's {@code virtio_mmio} driver does: probe (magic,
 * version, device ID), reset, ACKNOWLEDGE and DRIVER, feature negotiation (FEATURES_OK only for version 2),
 * one {@link RingDriver} per queue (QueueReady for version 2, GuestPageSize/QueueAlign/QueuePFN for version 1),
 * then DRIVER_OK. Queues and buffers are laid out from {@code ramBase} upwards.
 */
public final class MmioDriver {
    public static final int ACKNOWLEDGE = 1;
    public static final int DRIVER = 2;
    public static final int DRIVER_OK = 4;
    public static final int FEATURES_OK = 8;
    public static final int NEEDS_RESET = 0x40;
    public static final long F_VERSION_1 = 1L << 32;
    public static final long F_INDIRECT_DESC = 1L << 28;
    public static final long F_EVENT_IDX = 1L << 29;

    private final BusDevice regs;
    private final GuestMemory memory;
    private long next;
    private final List<RingDriver> queues = new ArrayList<>();

    public MmioDriver(BusDevice regs, GuestMemory memory, long ramBase) {
        this.regs = regs;
        this.memory = memory;
        this.next = ramBase;
    }

    public long read(int offset) {
        return regs.read(0, offset, 4);
    }

    public void write(int offset, long value) {
        regs.write(0, offset, 4, value);
    }

    public int version() {
        return (int) read(0x004);
    }

    public long deviceFeatures() {
        write(0x014, 1);
        long high = read(0x010);
        write(0x014, 0);
        return (high << 32) | read(0x010);
    }

    public void writeDriverFeatures(long features) {
        write(0x024, 1);
        write(0x020, features >>> 32);
        write(0x024, 0);
        write(0x020, features & 0xffff_ffffL);
    }

    public int status() {
        return (int) read(0x070);
    }

    public void setStatus(int status) {
        write(0x070, status);
    }

    public void reset() {
        setStatus(0);
        queues.clear();
    }

    /**
     * Resets, acknowledges, and accepts {@code wanted} ∩ offered; returns false when the device refused
     * FEATURES_OK (modern). Throws when the window is not a virtio-mmio device.
     */
    public boolean negotiate(long wanted) {
        if (read(0x000) != 0x74726976L) {
            throw new IllegalStateException("no virtio-mmio magic");
        }
        reset();
        setStatus(ACKNOWLEDGE);
        setStatus(ACKNOWLEDGE | DRIVER);
        long features = deviceFeatures() & wanted;
        writeDriverFeatures(features);
        if (version() == 1) {
            return true;
        }
        setStatus(ACKNOWLEDGE | DRIVER | FEATURES_OK);
        return (status() & FEATURES_OK) != 0;
    }

    /** Sets up queue {@code index} with {@code size} entries and a data area of {@code dataSize} bytes. */
    public RingDriver setupQueue(int index, int size, long dataSize) {
        long ringBase = (next + 4095) & -4096L;
        RingDriver ring = new RingDriver(memory, size, ringBase, ringBase + RingDriver.ringBytes(size), dataSize);
        next = ringBase + RingDriver.ringBytes(size) + dataSize;
        write(0x030, index);
        write(0x038, size);
        if (version() == 1) {
            write(0x028, 4096);
            write(0x03c, 4096);
            write(0x040, ringBase / 4096);
        } else {
            writeAddress(0x080, ring.descTable());
            writeAddress(0x090, ring.availRing());
            writeAddress(0x0a0, ring.usedRing());
            write(0x044, 1);
        }
        queues.add(ring);
        return ring;
    }

    private void writeAddress(int low, long gpa) {
        write(low, gpa & 0xffff_ffffL);
        write(low + 4, gpa >>> 32);
    }

    public void driverOk() {
        setStatus(status() | DRIVER_OK);
    }

    public void notify(int queue) {
        write(0x050, queue);
    }

    public int interruptStatus() {
        return (int) read(0x060);
    }

    /** Reads and acknowledges the interrupt status, as the driver's interrupt handler does. */
    public int acknowledgeInterrupt() {
        int pending = interruptStatus();
        write(0x064, pending);
        return pending;
    }

    public long readConfig(int offset, int size) {
        return regs.read(0, 0x100 + offset, size);
    }
}
