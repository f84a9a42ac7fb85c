package io.jqvm.virtio.testing;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver's side of one split virtqueue, laid out in guest memory as Linux's {@code virtio_ring} does
 * (descriptor table, available ring, then the used ring at the next 4 KiB boundary: the legacy layout, which
 * modern drivers may use too). Tests add requests as lists of device-readable bytes and device-writable
 * lengths, directly chained or through an indirect table, and collect what the device put in the used ring.
 * Buffers come from a bump allocator over a data area the test gives; {@link #writeDescriptor} and
 * {@link #publish} let a test build malformed rings by hand.
 */
public final class RingDriver {
    public static final int F_NEXT = 1;
    public static final int F_WRITE = 2;
    public static final int F_INDIRECT = 4;

    /** One used-ring entry: the chain's head and the bytes the device wrote. */
    public record Used(int head, int written) {
    }

    private final GuestMemory memory;
    private final int size;
    private final long desc;
    private final long avail;
    private final long used;
    private final long dataBase;
    private final long dataEnd;
    private long dataNext;
    private final Deque<Integer> free = new ArrayDeque<>();
    private final Map<Integer, List<Integer>> chains = new HashMap<>();
    private final Map<Integer, List<long[]>> writableBuffers = new HashMap<>();
    private int availIdx;
    private int lastUsed;

    /** Rings for a queue of {@code size} at {@code ringBase}; buffers from [dataBase, dataBase+dataSize). */
    public RingDriver(GuestMemory memory, int size, long ringBase, long dataBase, long dataSize) {
        this.memory = memory;
        this.size = size;
        this.desc = ringBase;
        this.avail = ringBase + 16L * size;
        this.used = align(avail + 6 + 2L * size, 4096);
        this.dataBase = dataBase;
        this.dataNext = dataBase;
        this.dataEnd = dataBase + dataSize;
        for (int i = 0; i < size; i++) {
            free.add(i);
        }
    }

    /** Bytes the rings of a queue of {@code size} occupy in this layout. */
    public static long ringBytes(int size) {
        return align(16L * size + 6 + 2L * size, 4096) + align(6 + 8L * size, 4096);
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    /** The device's view of this queue, as a transport makes it when the driver enables the queue. */
    public Virtqueue queue(boolean eventIdx) throws VirtqueueException {
        return new Virtqueue(memory, size, desc, avail, used, eventIdx);
    }

    public int size() {
        return size;
    }

    /** Descriptors not in any chain the device holds, as a driver counts before adding a chain. */
    public int freeDescriptors() {
        return free.size();
    }

    public long descTable() {
        return desc;
    }

    public long availRing() {
        return avail;
    }

    public long usedRing() {
        return used;
    }

    /** Room for {@code length} bytes in the data area, wrapping to its start when it runs out. */
    public long allocate(long length) {
        long at = align(dataNext, 16);
        if (at + length > dataEnd) {
            at = dataBase;
            if (at + length > dataEnd) {
                throw new IllegalArgumentException(length + " bytes do not fit the data area");
            }
        }
        dataNext = at + length;
        return at;
    }

    /** Adds a chain of direct descriptors: each readable buffer holds one array, then one writable buffer per length. */
    public int add(List<byte[]> readable, List<Integer> writableLengths) {
        int count = readable.size() + writableLengths.size();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(free.removeFirst());
        }
        List<long[]> outs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean write = i >= readable.size();
            long len = write ? writableLengths.get(i - readable.size()) : readable.get(i).length;
            long gpa = allocate(len);
            if (write) {
                outs.add(new long[] {gpa, len});
            } else {
                memory.write(gpa, readable.get(i));
            }
            boolean last = i == count - 1;
            writeDescriptor(desc, ids.get(i), gpa, (int) len, (write ? F_WRITE : 0) | (last ? 0 : F_NEXT),
                    last ? 0 : ids.get(i + 1));
        }
        int head = ids.getFirst();
        chains.put(head, ids);
        writableBuffers.put(head, outs);
        publish(head);
        return head;
    }

    /** Adds one descriptor pointing at an indirect table that holds the whole chain. */
    public int addIndirect(List<byte[]> readable, List<Integer> writableLengths) {
        int count = readable.size() + writableLengths.size();
        long table = allocate(16L * count);
        List<long[]> outs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean write = i >= readable.size();
            long len = write ? writableLengths.get(i - readable.size()) : readable.get(i).length;
            long gpa = allocate(len);
            if (write) {
                outs.add(new long[] {gpa, len});
            } else {
                memory.write(gpa, readable.get(i));
            }
            boolean last = i == count - 1;
            writeDescriptor(table, i, gpa, (int) len, (write ? F_WRITE : 0) | (last ? 0 : F_NEXT), last ? 0 : i + 1);
        }
        int head = free.removeFirst();
        writeDescriptor(desc, head, table, 16 * count, F_INDIRECT, 0);
        chains.put(head, List.of(head));
        writableBuffers.put(head, outs);
        publish(head);
        return head;
    }

    /** Writes descriptor {@code index} of the table at {@code table}, however malformed. */
    public void writeDescriptor(long table, int index, long addr, int len, int flags, int next) {
        long at = table + 16L * index;
        memory.write64(at, addr);
        memory.write32(at + 8, len);
        memory.write16(at + 12, flags);
        memory.write16(at + 14, next);
    }

    /** Puts {@code head} in the next available slot and advances the available index. */
    public void publish(int head) {
        memory.write16(avail + 4 + 2L * (availIdx & (size - 1)), head);
        availIdx = (availIdx + 1) & 0xffff;
        memory.write16(avail + 2, availIdx);
    }

    /** Sets the available index directly (to claim entries the driver never wrote, say). */
    public void setAvailIndex(int index) {
        availIdx = index & 0xffff;
        memory.write16(avail + 2, availIdx);
    }

    /** VIRTQ_AVAIL_F_NO_INTERRUPT: without EVENT_IDX, asks the device not to interrupt. */
    public void setNoInterrupt(boolean on) {
        memory.write16(avail, on ? 1 : 0);
    }

    /** With EVENT_IDX: interrupt me when the used index passes {@code index}. */
    public void setUsedEvent(int index) {
        memory.write16(avail + 4 + 2L * size, index);
    }

    /** With EVENT_IDX: the available index at which the device wants the next notification. */
    public int availEvent() {
        return memory.read16(used + 4 + 8L * size);
    }

    public int usedIndex() {
        return memory.read16(used + 2);
    }

    /** True when the device's avail_event asks for a notification of the entries added since {@code oldIdx}. */
    public boolean deviceWantsNotify(int oldIdx) {
        return ((availIdx - availEvent() - 1) & 0xffff) < ((availIdx - oldIdx) & 0xffff);
    }

    public int availIndex() {
        return availIdx;
    }

    /** The next used entry, or null; frees the chain's descriptors as Linux's detach_buf does. */
    public Used pollUsed() {
        if (usedIndex() == lastUsed) {
            return null;
        }
        long at = used + 4 + 8L * (lastUsed & (size - 1));
        Used u = new Used(memory.read32(at), memory.read32(at + 4));
        lastUsed = (lastUsed + 1) & 0xffff;
        List<Integer> ids = chains.remove(u.head());
        if (ids != null) {
            free.addAll(ids);
        }
        return u;
    }

    /** The contents of the writable buffers of the chain at {@code head}, concatenated. */
    public byte[] writableContents(int head) {
        List<long[]> outs = writableBuffers.getOrDefault(head, List.of());
        int total = 0;
        for (long[] o : outs) {
            total += (int) o[1];
        }
        byte[] all = new byte[total];
        int at = 0;
        for (long[] o : outs) {
            byte[] part = memory.read(o[0], (int) o[1]);
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
