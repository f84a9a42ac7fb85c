package io.jqvm.virtio;

import io.jqvm.device.DeviceCounters;
import io.jqvm.common.Hex;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestMemoryException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The device's side of one split virtqueue (virtio 1.2 §2.7): it pops the chains the driver made available
 * and returns them through the used ring. Everything the driver wrote is treated as hostile: ring addresses
 * are checked once against guest RAM when the queue is made, every descriptor's buffer when its chain is
 * popped, and a chain may visit at most {@link #size()} descriptors (an indirect table at most
 * {@link #MAX_INDIRECT} of its own), which bounds every loop a driver could build. A violation throws
 * {@link VirtqueueException}; nothing here touches memory outside the guest's RAM.
 *
 * <p>Where the spec lets the device choose, this queue refuses what QEMU refuses, so a driver bug shows the
 * same way on both: a device-readable descriptor after a device-writable one (§2.7.4.2 lets the device treat
 * it as an error, and the readable/writable split could not keep the order), and a zero-length buffer. An
 * indirect descriptor may end a chain (it cannot carry NEXT, §2.7.5.3.1) but not sit inside an indirect table.
 *
 * <p>Memory ordering follows §2.7.13: the available index is read with acquire semantics before the entries
 * it publishes; a used entry is written before the used index (release); and before the driver's suppression
 * fields are read, a full fence orders them after the used index, the pairing Linux's {@code virtio_mb} expects.
 *
 * <p>Not thread-safe: a device serves each queue from one thread at a time (or under its own lock).
 */
public final class Virtqueue {
    /** The largest queue the split layout allows (§2.7). */
    public static final int MAX_SIZE = 32768;
    /** Descriptors one indirect table may hold; Linux never builds longer ones (its sg lists are shorter). */
    public static final int MAX_INDIRECT = 4096;

    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    private static final int DESC_SIZE = 16;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GuestMemory memory;
    private final int size;
    private final boolean eventIdx;
    private final MemorySegment descriptors;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final long descGpa;
    private final long availGpa;
    private final long usedGpa;
    private DeviceCounters counters = new DeviceCounters();
    private int nextAvail;     // free-running 16-bit index of the next chain to pop
    private int nextUsed;      // free-running 16-bit index of the next used entry
    private int signalledUsed; // nextUsed when the driver was last interrupted

    /**
     * A queue of {@code size} entries whose descriptor table, available ring and used ring the driver placed
     * at these guest-physical addresses. Throws when the size is not a power of two in [1, 32768], a ring
     * is misaligned, or a ring does not lie wholly inside guest RAM.
     */
    public Virtqueue(GuestMemory memory, int size, long descTable, long availRing, long usedRing, boolean eventIdx)
            throws VirtqueueException {
        if (size < 1 || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new VirtqueueException("queue size " + size + " is not a power of two between 1 and " + MAX_SIZE);
        }
        if ((descTable & 15) != 0 || (availRing & 1) != 0 || (usedRing & 3) != 0) {
            throw new VirtqueueException("misaligned rings: descriptors " + Hex.of(descTable) + ", available "
                    + Hex.of(availRing) + ", used " + Hex.of(usedRing));
        }
        this.memory = memory;
        this.size = size;
        this.eventIdx = eventIdx;
        try {
            this.descriptors = memory.sliceForRead(descTable, (long) DESC_SIZE * size);
            this.avail = memory.sliceForRead(availRing, 6L + 2L * size);
            this.used = memory.sliceForWrite(usedRing, 6L + 8L * size);
        } catch (GuestMemoryException e) {
            throw new VirtqueueException("ring outside guest RAM: " + e.getMessage());
        }
        this.descGpa = descTable;
        this.availGpa = availRing;
        this.usedGpa = usedRing;
    }

    public int size() {
        return size;
    }

    /** Guest-physical address of the descriptor table (a back end in another process serves the rings itself). */
    public long descriptorTableAddress() {
        return descGpa;
    }

    /** Guest-physical address of the available (driver) ring. */
    public long availableRingAddress() {
        return availGpa;
    }

    /** Guest-physical address of the used (device) ring. */
    public long usedRingAddress() {
        return usedGpa;
    }

    /** The free-running index of the next chain to pop: where a back end stopped (vhost-user's GET_VRING_BASE). */
    public int nextAvailableIndex() {
        return nextAvail;
    }

    /**
     * Takes over rings another device served until now (vhost-user's SET_VRING_BASE): the next chain to pop is
     * {@code availIndex}, and used entries continue from the used index the ring holds.
     */
    public void resumeAt(int availIndex) {
        nextAvail = availIndex & 0xffff;
        nextUsed = Short.toUnsignedInt(used.get(U16, 2));
        signalledUsed = nextUsed;
    }

    /** The free-running used index: how many chains this device (and those before it) returned. */
    public int usedIndex() {
        return nextUsed;
    }

    /**
     * The chain at {@code head} again, without touching the available ring: a request an earlier back end took and
     * never returned (vhost-user's inflight tracking resubmits it).
     */
    public DescriptorChain chainAt(int head) throws VirtqueueException {
        return walk(head);
    }

    /** True when the driver has made a chain available that is not popped yet. */
    public boolean hasAvailable() throws VirtqueueException {
        return pending() != 0;
    }

    private int pending() throws VirtqueueException {
        int availIdx = Short.toUnsignedInt(avail.get(U16, 2));
        VarHandle.acquireFence(); // the ring entries and descriptors are read after the index that published them
        int pending = (availIdx - nextAvail) & 0xffff;
        if (pending > size) {
            throw new VirtqueueException("available index " + availIdx + " is " + pending
                    + " entries ahead of the device in a queue of " + size);
        }
        return pending;
    }

    /** The next chain the driver made available, or null when there is none. */
    public DescriptorChain pop() throws VirtqueueException {
        if (pending() == 0) {
            return null;
        }
        int head = Short.toUnsignedInt(avail.get(U16, 4L + 2L * (nextAvail & (size - 1))));
        nextAvail = (nextAvail + 1) & 0xffff;
        if (eventIdx) {
            // avail_event: ask to be notified of the very next chain, so no kick is lost while we serve.
            used.set(U16, 4L + 8L * size, (short) nextAvail);
            memory.written(usedGpa + 4L + 8L * size, 2);
            VarHandle.fullFence(); // publish avail_event before re-reading the available index
        }
        return walk(head);
    }

    /** Puts back the last popped chain unserved, e.g. when the device has no room for it yet. */
    public void undoPop() {
        nextAvail = (nextAvail - 1) & 0xffff;
    }

    private DescriptorChain walk(int head) throws VirtqueueException {
        if (head >= size) {
            throw new VirtqueueException("chain head " + head + " is outside a queue of " + size);
        }
        List<DescriptorChain.Buffer> readable = new ArrayList<>();
        List<DescriptorChain.Buffer> writable = new ArrayList<>();
        MemorySegment table = descriptors;
        int tableSize = size;
        boolean inIndirect = false;
        int index = head;
        int visited = 0;
        while (true) {
            if (++visited > tableSize) {
                throw new VirtqueueException("descriptor chain from head " + head + " is longer than its table of "
                        + tableSize + " (a loop?)");
            }
            long at = (long) DESC_SIZE * index;
            long addr = table.get(U64, at);
            int len = table.get(U32, at + 8);
            int flags = Short.toUnsignedInt(table.get(U16, at + 12));
            int next = Short.toUnsignedInt(table.get(U16, at + 14));
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (inIndirect) {
                    throw new VirtqueueException("nested indirect table in the chain from head " + head);
                }
                if ((flags & DESC_F_NEXT) != 0) {
                    throw new VirtqueueException("indirect descriptor " + index + " also has NEXT set");
                }
                long bytes = Integer.toUnsignedLong(len);
                if (bytes == 0 || bytes % DESC_SIZE != 0 || bytes / DESC_SIZE > MAX_INDIRECT) {
                    throw new VirtqueueException("indirect table of " + bytes + " bytes (want a non-zero multiple of 16, at most "
                            + MAX_INDIRECT + " descriptors)");
                }
                table = slice(addr, bytes, false, "indirect table");
                tableSize = (int) (bytes / DESC_SIZE);
                inIndirect = true;
                visited = 0;
                index = 0;
                continue;
            }
            boolean toDevice = (flags & DESC_F_WRITE) == 0;
            if (len == 0) {
                throw new VirtqueueException("descriptor " + index + " of the chain from head " + head + " has length 0");
            }
            if (toDevice && !writable.isEmpty()) {
                throw new VirtqueueException("descriptor " + index + " of the chain from head " + head
                        + " is device-readable after a device-writable one");
            }
            slice(addr, Integer.toUnsignedLong(len), !toDevice, "buffer");
            (toDevice ? readable : writable).add(new DescriptorChain.Buffer(addr, len));
            if ((flags & DESC_F_NEXT) == 0) {
                return new DescriptorChain(memory, head, readable, writable);
            }
            if (next >= tableSize) {
                throw new VirtqueueException("descriptor " + index + " links to " + next + ", outside its table of " + tableSize);
            }
            index = next;
        }
    }

    private MemorySegment slice(long gpa, long length, boolean write, String what) throws VirtqueueException {
        try {
            return write ? memory.sliceForWrite(gpa, length) : memory.sliceForRead(gpa, length);
        } catch (GuestMemoryException e) {
            throw new VirtqueueException(what + " " + Hex.of(gpa) + "+" + length + " is not in guest RAM: " + e.getMessage());
        }
    }

    /** Counts every chain returned to the driver into {@code deviceCounters} (the device's, across its queues). */
    public Virtqueue countingInto(DeviceCounters deviceCounters) {
        this.counters = deviceCounters;
        return this;
    }

    /** Returns {@code chain} to the driver, telling it {@code written} bytes were written into its writable buffers. */
    public void addUsed(DescriptorChain chain, int written) {
        addUsed(List.of(chain), new int[] {written});
    }

    /**
     * Returns several chains in one step: the driver sees the used index move once, past all of them, so it never
     * finds part of a group (the receive buffers of one mergeable virtio-net frame, §5.1.6.4) without the rest.
     */
    public void addUsed(List<DescriptorChain> chains, int[] written) {
        for (int i = 0; i < chains.size(); i++) {
            if (Integer.toUnsignedLong(written[i]) > chains.get(i).writableLength()) {
                throw new IllegalArgumentException("device claims " + Integer.toUnsignedString(written[i])
                        + " bytes written into " + chains.get(i).writableLength() + " writable bytes");
            }
        }
        for (int i = 0; i < chains.size(); i++) {
            long at = 4L + 8L * ((nextUsed + i) & (size - 1));
            used.set(U32, at, chains.get(i).head());
            used.set(U32, at + 4, written[i]);
            memory.written(usedGpa + at, 8);
        }
        for (int i = 0; i < chains.size(); i++) {
            counters.request(chains.get(i).readableLength() + Integer.toUnsignedLong(written[i]));
        }
        nextUsed = (nextUsed + chains.size()) & 0xffff;
        VarHandle.releaseFence(); // the entries are visible before the index that publishes them
        used.set(U16, 2, (short) nextUsed);
        memory.written(usedGpa + 2, 2);
    }

    /**
     * Whether the driver wants an interrupt for the entries added since the previous call (§2.7.7.2): with
     * VIRTIO_F_EVENT_IDX when the used index passed its used_event, otherwise unless it set NO_INTERRUPT.
     * Call it once after each batch of {@link #addUsed} (the transport does, in {@code notifyUsed}): each call
     * starts the next batch, so asking twice for one batch answers false the second time.
     */
    public boolean needsInterrupt() {
        VarHandle.fullFence(); // the used index is published before the driver's suppression fields are read
        int old = signalledUsed;
        int now = nextUsed;
        signalledUsed = now;
        if (now == old) {
            return false;
        }
        if (eventIdx) {
            int usedEvent = Short.toUnsignedInt(avail.get(U16, 4L + 2L * size));
            return ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
        }
        return (Short.toUnsignedInt(avail.get(U16, 0)) & AVAIL_F_NO_INTERRUPT) == 0;
    }
}
