package io.jqvm.virtio.net;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Plays the driver's side of one split virtqueue in guest memory, as Linux lays it out: descriptors, available
 * and used rings, and buffers from a bump allocator. Enough for device tests, not a general driver.
 */
final class RingDriver {
    record Used(int head, int length) {
    }

    private record Part(long gpa, int length, boolean writable) {
    }

    private final GuestMemory memory;
    private final int size;
    private final long descriptors;
    private final long avail;
    private final long used;
    private final long bufferStart;
    private long nextBuffer;
    private final long bufferEnd;
    private int nextDescriptor;
    private int availIdx;
    private int usedSeen;
    private final Map<Integer, List<Part>> chains = new HashMap<>();

    /** A ring of {@code size} entries at {@code base}, with buffers from the {@code bufferBytes} after it. */
    RingDriver(GuestMemory memory, long base, int size, long bufferBytes) {
        this.memory = memory;
        this.size = size;
        this.descriptors = base;
        this.avail = base + 16L * size;
        this.used = (avail + 6 + 2L * size + 3) & ~3L;
        this.bufferStart = (used + 6 + 8L * size + 15) & ~15L;
        this.nextBuffer = bufferStart;
        this.bufferEnd = bufferStart + bufferBytes;
    }

    Virtqueue queue(boolean eventIdx) throws VirtqueueException {
        return new Virtqueue(memory, size, descriptors, avail, used, eventIdx);
    }

    /** Makes a chain of readable buffers holding {@code readable} and then writable ones of {@code writable} bytes. */
    int post(List<byte[]> readable, int... writable) {
        List<Part> parts = new ArrayList<>();
        for (byte[] data : readable) {
            long gpa = allocate(data.length);
            memory.write(gpa, data);
            parts.add(new Part(gpa, data.length, false));
        }
        for (int length : writable) {
            parts.add(new Part(allocate(length), length, true));
        }
        int head = nextDescriptor;
        for (int i = 0; i < parts.size(); i++) {
            int index = (nextDescriptor + i) % size;
            long at = descriptors + 16L * index;
            Part p = parts.get(i);
            memory.write64(at, p.gpa());
            memory.write32(at + 8, p.length());
            boolean last = i == parts.size() - 1;
            memory.write16(at + 12, (last ? 0 : 1) | (p.writable() ? 2 : 0));
            memory.write16(at + 14, last ? 0 : (index + 1) % size);
        }
        nextDescriptor = (nextDescriptor + parts.size()) % size;
        chains.put(head, parts);
        publish(head);
        return head;
    }

    /** Publishes a chain the test wrote by hand (or a malformed one) at descriptor {@code head}. */
    void publish(int head) {
        memory.write16(avail + 4 + 2L * (availIdx % size), head);
        availIdx = (availIdx + 1) & 0xffff;
        memory.write16(avail + 2, availIdx);
    }

    /** Writes descriptor {@code index} directly. */
    void descriptor(int index, long gpa, int length, int flags, int next) {
        long at = descriptors + 16L * index;
        memory.write64(at, gpa);
        memory.write32(at + 8, length);
        memory.write16(at + 12, flags);
        memory.write16(at + 14, next);
    }

    /** The next entry the device put in the used ring, or null. */
    Used nextUsed() {
        if (memory.read16(used + 2) == usedSeen) {
            return null;
        }
        long at = used + 4 + 8L * (usedSeen % size);
        usedSeen = (usedSeen + 1) & 0xffff;
        return new Used(memory.read32(at), memory.read32(at + 4));
    }

    int usedIndex() {
        return memory.read16(used + 2);
    }

    /** The first {@code length} bytes the device wrote into the writable buffers of chain {@code head}. */
    byte[] written(int head, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int left = length;
        for (Part p : chains.get(head)) {
            if (p.writable() && left > 0) {
                int n = Math.min(left, p.length());
                out.writeBytes(memory.read(p.gpa(), n));
                left -= n;
            }
        }
        return out.toByteArray();
    }

    /** Buffer space, reused from the start once used up: callers keep far fewer chains in flight than it holds. */
    private long allocate(int length) {
        if (length > bufferEnd - bufferStart) {
            throw new IllegalStateException("a buffer of " + length + " bytes is larger than the test ring's space");
        }
        if (nextBuffer + length > bufferEnd) {
            nextBuffer = bufferStart;
        }
        long gpa = nextBuffer;
        nextBuffer = (nextBuffer + length + 15) & ~15L;
        return gpa;
    }
}
