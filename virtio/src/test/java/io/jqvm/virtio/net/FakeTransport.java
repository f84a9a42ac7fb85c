package io.jqvm.virtio.net;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.Virtqueue;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** What a transport gives an activated device, recording the signals the device raises. */
final class FakeTransport implements DeviceQueues {
    final AtomicInteger[] interrupts;
    final AtomicInteger configChanges = new AtomicInteger();
    final List<String> failures = new CopyOnWriteArrayList<>();
    private final long features;
    private final Virtqueue[] queues;
    private final GuestMemory memory;

    FakeTransport(long features, GuestMemory memory, Virtqueue... queues) {
        this.features = features;
        this.queues = queues;
        this.memory = memory;
        this.interrupts = new AtomicInteger[queues.length];
        for (int i = 0; i < queues.length; i++) {
            interrupts[i] = new AtomicInteger();
        }
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
    public void interruptUsed(int index) {
        interrupts[index].incrementAndGet();
    }

    @Override
    public void configChanged() {
        configChanges.incrementAndGet();
    }

    @Override
    public void fail(String why) {
        failures.add(why);
    }
}
