package io.jqvm.virtio.blk;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.RecordingQueues;
import io.jqvm.virtio.testing.RingDriver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Plays the virtio-blk driver against the device alone (no transport): one queue laid out by {@link RingDriver} in
 * guarded guest RAM, requests built as Linux's virtio_blk builds them (header, data and status in descriptors
 * of their own), and the {@link RecordingQueues} a transport would give the device.
 */
final class BlkDriver extends RecordingQueues implements AutoCloseable {
    static final long RAM_BASE = 0x4000_0000L;
    static final int QUEUE_SIZE = BlkConfigSpace.QUEUE_SIZE;
    private static final long RAM_SIZE = 2 << 20;

    final GuardedMemory ram;
    final GuestMemory memory;
    private final List<RingDriver.Used> used = new ArrayList<>();
    private RingDriver ring;
    private Virtqueue queue;

    /** A request in flight, by the head of its chain. */
    record Request(int head) {
    }

    /** One buffer of a hand-made chain. */
    record Buffer(long gpa, int length, boolean writable) {
    }

    BlkDriver(long features) {
        GuardedMemory guarded = new GuardedMemory(RAM_BASE, RAM_SIZE);
        this.ram = guarded;
        this.memory = guarded.memory();
        super(features, guarded.memory(), new Virtqueue[1]);
        resetQueue();
    }

    /** A fresh queue, as a driver sets one up after a reset: zeroed rings, indices at 0. */
    void resetQueue() {
        long ringBytes = RingDriver.ringBytes(QUEUE_SIZE);
        memory.sliceForWrite(RAM_BASE, ringBytes).fill((byte) 0);
        ring = new RingDriver(memory, QUEUE_SIZE, RAM_BASE, RAM_BASE + ringBytes, RAM_SIZE - ringBytes);
        used.clear();
        try {
            queue = new Virtqueue(memory, QUEUE_SIZE, ring.descTable(), ring.availRing(), ring.usedRing(), false);
            replaceQueue(0, queue);
        } catch (VirtqueueException e) {
            throw new AssertionError(e);
        }
    }

    RingDriver ring() {
        return ring;
    }

    /** Guest memory for a buffer of {@code length} bytes. */
    long allocate(int length) {
        return ring.allocate(length);
    }

    static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array();
    }

    static byte[] range(long sector, int sectors, int flags) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(sector).putInt(sectors).putInt(flags).array();
    }

    /** A request with {@code out} as its readable data and {@code inLength} bytes of writable data, then the status. */
    Request submit(int type, long sector, byte[] out, int inLength) {
        List<byte[]> readable = out.length > 0 ? List.of(header(type, sector), out) : List.of(header(type, sector));
        List<Integer> writable = inLength > 0 ? List.of(inLength, 1) : List.of(1);
        return new Request(ring.add(readable, writable));
    }

    /**
     * Makes a hand-made chain available, in descriptors counted down from the top of the table (clear of the
     * ones {@link #submit} takes from the bottom of a fresh queue); returns its head.
     */
    int submitChain(List<Buffer> buffers) {
        int first = QUEUE_SIZE - buffers.size();
        for (int i = 0; i < buffers.size(); i++) {
            Buffer b = buffers.get(i);
            boolean last = i == buffers.size() - 1;
            ring.writeDescriptor(ring.descTable(), first + i, b.gpa(), b.length(),
                    (last ? 0 : RingDriver.F_NEXT) | (b.writable() ? RingDriver.F_WRITE : 0), last ? 0 : first + i + 1);
        }
        ring.publish(first);
        return first;
    }

    /** Pops the next chain as the device would (for tests that serve requests synchronously). */
    DescriptorChain pop() throws VirtqueueException {
        return queue.pop();
    }

    int usedIdx() {
        return ring.usedIndex();
    }

    /** Used entry {@code i} since the queue was set up. */
    RingDriver.Used usedEntry(int i) {
        collect();
        return used.get(i);
    }

    private void collect() {
        for (RingDriver.Used u = ring.pollUsed(); u != null; u = ring.pollUsed()) {
            used.add(u);
        }
    }

    /** Waits until {@code count} chains were returned since the queue was set up (at most 10 s). */
    void awaitUsed(int count) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (collect(); used.size() < count; collect()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + used.size() + " of " + count + " requests completed; failures " + failures());
            }
            Thread.sleep(1);
        }
    }

    /** The status byte the device wrote for {@code r}. */
    int status(Request r) {
        byte[] in = ring.writableContents(r.head());
        return Byte.toUnsignedInt(in[in.length - 1]);
    }

    /** The writable data of {@code r}, without its status byte. */
    byte[] data(Request r) {
        byte[] in = ring.writableContents(r.head());
        return Arrays.copyOf(in, in.length - 1);
    }

    /** Checks that nothing outside guest RAM was written, and frees the RAM. */
    @Override
    public void close() {
        try {
            if (!ram.guardsIntact()) {
                throw new AssertionError("a guard byte outside guest RAM changed");
            }
        } finally {
            ram.close();
        }
    }
}
