package io.jqvm.virtio.blk;

import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays the virtio-blk driver for tests: one split queue in 1 MiB of guest RAM, requests built the way Linux's
 * virtio_blk builds them (header, data, status each in their own descriptor), and a {@link DeviceQueues} that
 * records interrupts and failures instead of raising them.
 */
final class BlkDriver implements DeviceQueues {
    static final long RAM_BASE = 0x4000_0000L;
    static final long RAM_SIZE = 1 << 20;
    static final int QUEUE_SIZE = BlkConfigSpace.QUEUE_SIZE;
    static final long DESC = RAM_BASE;
    static final long AVAIL = RAM_BASE + 0x1000;
    static final long USED = RAM_BASE + 0x2000;
    static final long DATA = RAM_BASE + 0x4000;

    final GuestMemory memory;
    final List<String> failures = new CopyOnWriteArrayList<>();
    final AtomicInteger interrupts = new AtomicInteger();
    private final long features;
    private Virtqueue queue;
    private int nextDescriptor;
    private int availIdx;
    private long nextData = DATA;

    /** A request in flight: where its data and status byte live. */
    record Request(int head, long dataGpa, int dataLength, long statusGpa) {
    }

    /** One buffer of a hand-made chain. */
    record Buffer(long gpa, int length, boolean writable) {
    }

    BlkDriver(long features) {
        this.memory = GuestMemory.wrap(List.of(new GuestRegion(RAM_BASE, RAM_SIZE, false,
                Arena.ofAuto().allocate(RAM_SIZE, 4096), "ram")));
        this.features = features;
        resetQueue();
    }

    /** A fresh queue as a driver sets it up after a reset: zeroed rings, indices at 0. */
    void resetQueue() {
        memory.sliceForWrite(RAM_BASE, DATA - RAM_BASE).fill((byte) 0);
        nextDescriptor = 0;
        availIdx = 0;
        nextData = DATA;
        try {
            queue = new Virtqueue(memory, QUEUE_SIZE, DESC, AVAIL, USED, false);
        } catch (VirtqueueException e) {
            throw new AssertionError(e);
        }
    }

    /** Guest memory for a buffer of {@code length} bytes (8-byte aligned, never reused until {@link #resetQueue}). */
    long allocate(int length) {
        long gpa = nextData;
        nextData = (nextData + length + 7) & ~7L;
        if (nextData > RAM_BASE + RAM_SIZE) {
            throw new IllegalStateException("test driver out of guest memory");
        }
        return gpa;
    }

    static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array();
    }

    static byte[] range(long sector, int sectors, int flags) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(sector).putInt(sectors).putInt(flags).array();
    }

    /** A request with {@code out} as its readable data and {@code inLength} bytes of writable data. */
    Request submit(int type, long sector, byte[] out, int inLength) {
        List<Buffer> chain = new ArrayList<>();
        long header = allocate(16);
        memory.write(header, header(type, sector));
        chain.add(new Buffer(header, 16, false));
        long dataGpa = 0;
        if (out.length > 0) {
            dataGpa = allocate(out.length);
            memory.write(dataGpa, out);
            chain.add(new Buffer(dataGpa, out.length, false));
        }
        if (inLength > 0) {
            dataGpa = allocate(inLength);
            chain.add(new Buffer(dataGpa, inLength, true));
        }
        long status = allocate(1);
        memory.write8(status, 0xff);
        chain.add(new Buffer(status, 1, true));
        int head = submitChain(chain);
        return new Request(head, dataGpa, out.length > 0 ? out.length : inLength, status);
    }

    /** Makes a hand-made chain available; returns its head. */
    int submitChain(List<Buffer> buffers) {
        int head = nextDescriptor;
        for (int i = 0; i < buffers.size(); i++) {
            Buffer b = buffers.get(i);
            int index = (head + i) % QUEUE_SIZE;
            long at = DESC + 16L * index;
            boolean last = i == buffers.size() - 1;
            memory.write64(at, b.gpa());
            memory.write32(at + 8, b.length());
            memory.write16(at + 12, (last ? 0 : 1) | (b.writable() ? 2 : 0));
            memory.write16(at + 14, (index + 1) % QUEUE_SIZE);
        }
        nextDescriptor = (head + buffers.size()) % QUEUE_SIZE;
        memory.write16(AVAIL + 4 + 2L * (availIdx % QUEUE_SIZE), head);
        availIdx = (availIdx + 1) & 0xffff;
        memory.write16(AVAIL + 2, availIdx);
        return head;
    }

    /** Pops the next chain as the device would (for tests that serve requests synchronously). */
    io.jqvm.virtio.DescriptorChain pop() throws VirtqueueException {
        return queue.pop();
    }

    int usedIdx() {
        return memory.read16(USED + 2);
    }

    /** The (head, written) pair of used entry {@code i}. */
    long[] usedEntry(int i) {
        long at = USED + 4 + 8L * (i % QUEUE_SIZE);
        return new long[] {memory.read32(at), Integer.toUnsignedLong(memory.read32(at + 4))};
    }

    /** Waits until {@code count} chains are in the used ring (at most 10 s). */
    void awaitUsed(int count) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (usedIdx() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + usedIdx() + " of " + count + " requests completed; failures " + failures);
            }
            Thread.sleep(1);
        }
    }

    int status(Request r) {
        return memory.read8(r.statusGpa());
    }

    @Override
    public long features() {
        return features;
    }

    @Override
    public Virtqueue queue(int index) {
        return queue;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public void notifyUsed(int index) {
        if (queue.needsInterrupt()) { // as the transport decides
            interrupts.incrementAndGet();
        }
    }

    @Override
    public void configChanged() {
    }

    @Override
    public void fail(String why) {
        failures.add(why);
    }
}
