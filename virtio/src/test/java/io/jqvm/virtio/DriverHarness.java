package io.jqvm.virtio;

import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.RecordingQueues;
import io.jqvm.virtio.testing.RingDriver;
import java.util.ArrayList;
import java.util.List;

/**
 * A device's whole environment for device tests, without a transport: one {@link RingDriver} per queue in
 * guarded guest RAM, and the {@link RecordingQueues} a transport would give the device. Device tests call the
 * device's {@code activate}, {@code queueNotify} and {@code reset} themselves.
 */
public final class DriverHarness extends RecordingQueues implements AutoCloseable {
    public static final long RAM_SIZE = 8L << 20;
    private static final long RINGS = 0x1000;
    private static final long RING_STRIDE = 0x10000;
    private static final long DATA = 0x100000;

    private final GuardedMemory guarded;
    private final RingDriver[] rings;

    /** A chain the driver made available: its head, for matching the used ring. */
    public record Chain(int head) {
    }

    /** Queues of the given sizes; {@code features} are what the driver accepted. */
    public DriverHarness(long features, int... queueSizes) {
        GuardedMemory ram = new GuardedMemory(0, RAM_SIZE);
        int n = queueSizes.length;
        RingDriver[] drivers = new RingDriver[n];
        Virtqueue[] queues = new Virtqueue[n];
        long dataPerQueue = ((RAM_SIZE - DATA) / n) & -4096L;
        for (int q = 0; q < n; q++) {
            drivers[q] = new RingDriver(ram.memory(), queueSizes[q], RINGS + q * RING_STRIDE, DATA + q * dataPerQueue, dataPerQueue);
            try {
                queues[q] = new Virtqueue(ram.memory(), queueSizes[q], drivers[q].descTable(), drivers[q].availRing(),
                        drivers[q].usedRing(), false);
            } catch (VirtqueueException e) {
                ram.close();
                throw new IllegalStateException(e);
            }
        }
        super(features, ram.memory(), queues);
        this.guarded = ram;
        this.rings = drivers;
    }

    /** The driver's side of queue {@code q}, for malformed rings built by hand. */
    public RingDriver ring(int q) {
        return rings[q];
    }

    /** Places {@code bytes} in fresh guest memory of queue {@code q}'s data area and returns the address. */
    public long place(int q, byte[] bytes) {
        long at = rings[q].allocate(bytes.length);
        memory().write(at, bytes);
        return at;
    }

    /** Makes a chain of the readable buffers, then writable buffers of the given sizes, available on {@code q}. */
    public Chain send(int q, List<byte[]> readable, int... writableSizes) {
        List<Integer> writable = new ArrayList<>();
        for (int w : writableSizes) {
            writable.add(w);
        }
        return new Chain(rings[q].add(readable, writable));
    }

    /** Whether a chain of {@code descriptors} fits in {@code q} now, as a driver checks before adding one. */
    public boolean fits(int q, int descriptors) {
        return descriptors >= 1 && rings[q].freeDescriptors() >= descriptors;
    }

    /** Writes descriptor {@code index} of queue {@code q}'s table, however malformed, and makes it available. */
    public void rawChain(int q, int index, long addr, int len, int flags, int next) {
        rings[q].writeDescriptor(rings[q].descTable(), index, addr, len, flags, next);
        rings[q].publish(index);
    }

    /** The used entries the device added to {@code q} since the last call; their descriptors are free again. */
    public List<RingDriver.Used> takeUsed(int q) {
        List<RingDriver.Used> out = new ArrayList<>();
        RingDriver.Used u;
        while ((u = rings[q].pollUsed()) != null) {
            out.add(u);
        }
        return out;
    }

    /** The first {@code written} bytes the device put in {@code chain}'s writable buffers. */
    public byte[] writtenInto(int q, Chain chain, int written) {
        return java.util.Arrays.copyOf(rings[q].writableContents(chain.head()), written);
    }

    /** Why the device gave up on the driver, or null while it has not. */
    public String failure() {
        return failures().isEmpty() ? null : failures().getFirst();
    }

    /** False if anything wrote outside guest RAM. */
    public boolean guardsIntact() {
        return guarded.guardsIntact();
    }

    @Override
    public void close() {
        guarded.close();
    }
}
