package io.jqvm.virtio.vhostuser;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.testing.RecordingQueues;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A transport's activation for one queue of 128 in shareable guest RAM (a back end maps it), recording what the
 * device raises; the interrupts also arrive in a queue a test can wait on.
 */
final class TestQueues extends RecordingQueues implements AutoCloseable {
    static final long RAM = 0x4000_0000L;
    static final long DESC = RAM + 0x1000;
    static final long AVAIL = RAM + 0x2000;
    static final long USED = RAM + 0x3000;

    final GuestMemory memory;
    final LinkedBlockingQueue<Integer> interrupts = new LinkedBlockingQueue<>();

    TestQueues(long features) throws VirtqueueException {
        GuestMemory ram = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(RAM, 0x10_0000, false, "ram")), true);
        this.memory = ram;
        super(features, ram, queue(ram));
    }

    private static Virtqueue queue(GuestMemory ram) throws VirtqueueException {
        try {
            return new Virtqueue(ram, 128, DESC, AVAIL, USED, true);
        } catch (VirtqueueException e) {
            ram.close();
            throw e;
        }
    }

    @Override
    public void notifyUsed(int index) {
        throw new AssertionError("a vhost-user device signals through interruptUsed");
    }

    @Override
    public void interruptUsed(int index) {
        super.interruptUsed(index);
        interrupts.add(index);
    }

    @Override
    public void close() {
        memory.close();
    }
}
