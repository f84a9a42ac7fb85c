package io.jqvm.virtio.vhostuser;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/** A transport's activation for one queue of 128 in shareable guest RAM, recording interrupts and failures. */
final class TestQueues implements DeviceQueues, AutoCloseable {
    static final long RAM = 0x4000_0000L;
    static final long DESC = RAM + 0x1000;
    static final long AVAIL = RAM + 0x2000;
    static final long USED = RAM + 0x3000;

    final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(RAM, 0x10_0000, false, "ram")), true);
    final LinkedBlockingQueue<Integer> interrupts = new LinkedBlockingQueue<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    private final Virtqueue queue;
    private final long features;

    TestQueues(long features) throws VirtqueueException {
        this.features = features;
        this.queue = new Virtqueue(memory, 128, DESC, AVAIL, USED, true);
    }

    @Override
    public long features() {
        return features;
    }

    @Override
    public Virtqueue queue(int index) {
        return index == 0 ? queue : null;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public void notifyUsed(int index) {
        throw new AssertionError("a vhost-user device signals through interruptUsed");
    }

    @Override
    public void interruptUsed(int index) {
        interrupts.add(index);
    }

    @Override
    public void configChanged() {
    }

    @Override
    public void fail(String why) {
        failures.add(why);
    }

    @Override
    public void close() {
        memory.close();
    }
}
