package io.jqvm.virtio;

import io.jqvm.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays a virtio driver for device tests: split queues laid out in a small guest RAM, chains built from
 * readable and writable buffers, the used ring read back, and a {@link DeviceQueues} that records
 * interrupts and failures instead of signalling a guest.
 */
public final class DriverHarness implements DeviceQueues, AutoCloseable {
    public static final long RAM_SIZE = 8L << 20;
    private static final long RINGS = 0x1000;
    private static final long RING_STRIDE = 0x10000;
    private static final long BUFFERS = 0x100000;

    private final GuestMemory memory;
    private final Virtqueue[] queues;
    private final int[] size;
    private final int[] nextDescriptor;
    private final int[] availIdx;
    private final int[] usedSeen;
    private final int[] descriptorsInFlight;
    private final int[] reclaimed;
    private final java.util.Map<Long, Integer> chainLengths = new java.util.HashMap<>(); // (queue, head) -> descriptors
    private final AtomicInteger[] interrupts;
    private final long features;
    private long nextBuffer = BUFFERS;
    private volatile String failure;
    private final AtomicInteger configChanges = new AtomicInteger();

    /** One used-ring entry: the chain's head and how many bytes the device wrote. */
    public record Used(int head, int written) {
    }

    /** A built chain: its head and the guest addresses of its writable buffers, in order. */
    public record Chain(int head, List<long[]> writable) {
    }

    public DriverHarness(long features, int... queueSizes) {
        this.memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(0, RAM_SIZE, false, "ram")));
        this.features = features;
        int n = queueSizes.length;
        this.queues = new Virtqueue[n];
        this.size = queueSizes.clone();
        this.nextDescriptor = new int[n];
        this.availIdx = new int[n];
        this.usedSeen = new int[n];
        this.descriptorsInFlight = new int[n];
        this.reclaimed = new int[n];
        this.interrupts = new AtomicInteger[n];
        for (int q = 0; q < n; q++) {
            interrupts[q] = new AtomicInteger();
            try {
                queues[q] = new Virtqueue(memory, size[q], desc(q), avail(q), used(q), false);
            } catch (VirtqueueException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static long desc(int q) {
        return RINGS + q * RING_STRIDE;
    }

    private long avail(int q) {
        return desc(q) + 16L * size[q];
    }

    private long used(int q) {
        return (avail(q) + 6 + 2L * size[q] + 4095) & ~4095L;
    }

    /** Places {@code bytes} in fresh guest memory and returns its address. */
    public long place(byte[] bytes) {
        long at = reserve(bytes.length);
        memory.write(at, bytes);
        return at;
    }

    /** Reserves {@code length} bytes of fresh guest memory. */
    public long reserve(int length) {
        long at = nextBuffer;
        nextBuffer = (nextBuffer + Math.max(length, 1) + 15) & ~15L;
        if (nextBuffer > RAM_SIZE) {
            nextBuffer = BUFFERS; // tests recycle the buffer area; chains in flight at once stay far below it
            return reserve(length);
        }
        return at;
    }

    /** Makes a chain of the readable buffers, then writable buffers of the given sizes, available on {@code q}. */
    public Chain send(int q, List<byte[]> readable, int... writableSizes) {
        List<long[]> parts = new ArrayList<>();
        for (byte[] r : readable) {
            parts.add(new long[] {place(r), r.length, 0});
        }
        List<long[]> writable = new ArrayList<>();
        for (int w : writableSizes) {
            long[] part = {reserve(w), w, Virtqueue.DESC_F_WRITE};
            parts.add(part);
            writable.add(part);
        }
        return new Chain(publish(q, parts), writable);
    }

    /**
     * Whether a chain of {@code descriptors} fits in {@code q} now, as a driver would check before adding one:
     * descriptors are handed out in ring order and come back as the device returns chains (in order, as the
     * devices under test do), so only as many as the queue has may be in flight.
     */
    public boolean fits(int q, int descriptors) {
        int idx = memory.read16(used(q) + 2);
        while (reclaimed[q] != idx) { // apart from takeUsed's reading, so tests see every entry either way
            int head = memory.read32(used(q) + 4 + 8L * (reclaimed[q] % size[q]));
            Integer length = chainLengths.remove(((long) q << 32) | head);
            descriptorsInFlight[q] -= length == null ? 0 : length;
            reclaimed[q] = (reclaimed[q] + 1) & 0xffff;
        }
        return descriptors >= 1 && descriptorsInFlight[q] + descriptors <= size[q];
    }

    /** Puts raw descriptors {addr, len, flags} in order, linked with NEXT, and makes the first available. */
    public int publish(int q, List<long[]> parts) {
        int head = nextDescriptor[q];
        descriptorsInFlight[q] += parts.size();
        chainLengths.put(((long) q << 32) | head, parts.size());
        for (int i = 0; i < parts.size(); i++) {
            int index = (head + i) % size[q];
            boolean more = i + 1 < parts.size();
            long[] p = parts.get(i);
            descriptor(q, index, p[0], (int) p[1], (int) p[2] | (more ? Virtqueue.DESC_F_NEXT : 0),
                    more ? (index + 1) % size[q] : 0);
        }
        nextDescriptor[q] = (head + parts.size()) % size[q];
        makeAvailable(q, head);
        return head;
    }

    /** Writes descriptor {@code index} of queue {@code q} as given (for malformed chains). */
    public void descriptor(int q, int index, long addr, int len, int flags, int next) {
        long at = desc(q) + 16L * index;
        memory.write64(at, addr);
        memory.write32(at + 8, len);
        memory.write16(at + 12, flags);
        memory.write16(at + 14, next);
    }

    /** Adds {@code head} to the available ring of {@code q}. */
    public void makeAvailable(int q, int head) {
        memory.write16(avail(q) + 4 + 2L * (availIdx[q] % size[q]), head);
        availIdx[q] = (availIdx[q] + 1) & 0xffff;
        memory.write16(avail(q) + 2, availIdx[q]);
    }

    /** The used entries the device added to {@code q} since the last call. */
    public List<Used> takeUsed(int q) {
        List<Used> out = new ArrayList<>();
        int idx = memory.read16(used(q) + 2);
        while (usedSeen[q] != idx) {
            long at = used(q) + 4 + 8L * (usedSeen[q] % size[q]);
            out.add(new Used(memory.read32(at), memory.read32(at + 4)));
            usedSeen[q] = (usedSeen[q] + 1) & 0xffff;
        }
        return out;
    }

    /** Bytes the device wrote into {@code chain}'s writable buffers, {@code written} of them in all. */
    public byte[] writtenInto(Chain chain, int written) {
        ByteBuffer out = ByteBuffer.allocate(written);
        for (long[] w : chain.writable()) {
            int n = (int) Math.min(w[1], out.remaining());
            out.put(memory.read(w[0], n));
        }
        return out.array();
    }

    public static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    public int interrupts(int q) {
        return interrupts[q].get();
    }

    /** Why the device gave up on the driver, or null while it has not. */
    public String failure() {
        return failure;
    }

    public int configChanges() {
        return configChanges.get();
    }

    @Override
    public long features() {
        return features;
    }

    @Override
    public Virtqueue queue(int index) {
        return queues[index];
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public void notifyUsed(int index) {
        interrupts[index].incrementAndGet();
    }

    @Override
    public void configChanged() {
        configChanges.incrementAndGet();
    }

    @Override
    public void fail(String why) {
        if (failure == null) {
            failure = why;
        }
    }

    @Override
    public void close() {
        memory.close();
    }
}
