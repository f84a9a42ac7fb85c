package io.jqvm.virtio.testing;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.Virtqueue;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a transport gives an activated device, without a transport: the accepted features, the queues and guest
 * memory, and a record of the interrupts, configuration changes and failures the device raises instead of
 * signalling a guest. Thread-safe, as devices signal from their own threads.
 */
public class RecordingQueues implements DeviceQueues {
    private final long features;
    private final GuestMemory memory;
    private final Virtqueue[] queues;
    private final AtomicInteger[] interrupts;
    private final AtomicInteger configChanges = new AtomicInteger();
    private final List<String> failures = new CopyOnWriteArrayList<>();

    /** {@code features} are what the driver accepted; a null queue, or one past these, is one the driver left unset. */
    public RecordingQueues(long features, GuestMemory memory, Virtqueue... queues) {
        this.features = features;
        this.memory = memory;
        this.queues = queues.clone();
        this.interrupts = new AtomicInteger[queues.length];
        for (int i = 0; i < queues.length; i++) {
            interrupts[i] = new AtomicInteger();
        }
    }

    /** Sets queue {@code index} up afresh, as a driver does after a reset. */
    public void replaceQueue(int index, Virtqueue fresh) {
        queues[index] = fresh;
    }

    /** Interrupts raised for queue {@code q}, whether the transport decided to or the device raised one itself. */
    public int interrupts(int q) {
        return interrupts[q].get();
    }

    /**
     * Waits until queue {@code q} has raised {@code count} interrupts (at most 10 s): a device thread publishes a
     * used entry before it signals, so a driver that saw the entry may be ahead of the interrupt.
     */
    public int awaitInterrupts(int q, int count) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (interrupts[q].get() < count && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return interrupts[q].get();
    }

    public int configChanges() {
        return configChanges.get();
    }

    /** Why the device gave up on the driver, in order; empty while it has not. */
    public List<String> failures() {
        return failures;
    }

    @Override
    public long features() {
        return features;
    }

    @Override
    public Virtqueue queue(int index) {
        return index < queues.length ? queues[index] : null; // past the given ones: queues the driver left unset
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public void notifyUsed(int index) {
        if (queues[index].needsInterrupt()) { // as a transport decides
            interrupts[index].incrementAndGet();
        }
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
