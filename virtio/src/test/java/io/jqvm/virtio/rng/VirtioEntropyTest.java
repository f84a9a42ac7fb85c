package io.jqvm.virtio.rng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.virtio.mmio.VirtioMmioTransport;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.ManualClock;
import io.jqvm.virtio.testing.MmioDriver;
import io.jqvm.virtio.testing.RecordingIrq;
import io.jqvm.virtio.testing.RingDriver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtioEntropyTest {
    private static final long RAM = 0x4000_0000L;
    private final GuardedMemory ram = new GuardedMemory(RAM, 1 << 20);
    private final RecordingIrq irq = new RecordingIrq();
    private final ManualClock clock = new ManualClock();
    private final List<Runnable> workerQueue = new ArrayList<>();
    private final Executor worker = workerQueue::add;
    private int opens;

    @AfterEach
    void guards() {
        assertTrue(ram.guardsIntact());
        ram.close();
    }

    private EntropySource constant(byte b) {
        return dst -> Arrays.fill(dst, b);
    }

    private MmioDriver driverFor(VirtioEntropy rng) {
        MmioDriver d = new MmioDriver(new VirtioMmioTransport("rng", rng, ram.memory(), irq, false), ram.memory(), RAM);
        assertTrue(d.negotiate(-1L));
        assertEquals(4, d.read(0x008));
        assertEquals(MmioDriver.F_VERSION_1 | MmioDriver.F_INDIRECT_DESC | MmioDriver.F_EVENT_IDX, d.deviceFeatures());
        return d;
    }

    @Test
    void aSmallRequestIsFilledAtOnceOnTheNotifyingThread() throws IOException {
        VirtioEntropy rng = VirtioEntropy.open("rng", () -> constant((byte) 0x42), clock, worker);
        MmioDriver d = driverFor(rng);
        RingDriver q = d.setupQueue(0, 8, 0x10000);
        d.driverOk();
        int head = q.add(List.of(), List.of(64));
        d.notify(0);
        assertEquals(new RingDriver.Used(head, 64), q.pollUsed());
        byte[] expected = new byte[64];
        Arrays.fill(expected, (byte) 0x42);
        assertArrayEquals(expected, q.writableContents(head));
        assertTrue(irq.level());
        assertTrue(workerQueue.isEmpty());
    }

    @Test
    void aLargeRequestGoesToTheWorkerAndIsCappedAtMaxRequest() throws IOException {
        VirtioEntropy rng = VirtioEntropy.open("rng", () -> constant((byte) 7), clock, worker);
        MmioDriver d = driverFor(rng);
        RingDriver q = d.setupQueue(0, 8, 0x30000);
        d.driverOk();
        int big = q.add(List.of(), List.of(VirtioEntropy.MAX_REQUEST + 100));
        int small = q.add(List.of(), List.of(16));
        d.notify(0);
        assertNull(q.pollUsed()); // nothing served on the vCPU: the big one is first in line
        assertEquals(1, workerQueue.size());
        d.notify(0); // a kick while the worker is busy does not start a second one
        assertEquals(1, workerQueue.size());
        workerQueue.removeFirst().run();
        assertEquals(new RingDriver.Used(big, VirtioEntropy.MAX_REQUEST), q.pollUsed());
        assertEquals(new RingDriver.Used(small, 16), q.pollUsed());
        assertEquals(7, q.writableContents(big)[VirtioEntropy.MAX_REQUEST - 1]);
        assertEquals(0, q.writableContents(big)[VirtioEntropy.MAX_REQUEST]);
    }

    @Test
    void aWorkerRunningAcrossAResetLeavesTheOldQueueAlone() throws IOException {
        VirtioEntropy rng = VirtioEntropy.open("rng", () -> constant((byte) 7), clock, worker);
        MmioDriver d = driverFor(rng);
        RingDriver q = d.setupQueue(0, 8, 0x30000);
        d.driverOk();
        q.add(List.of(), List.of(VirtioEntropy.INLINE_MAX + 1));
        d.notify(0);
        d.reset();
        workerQueue.removeFirst().run();
        assertEquals(0, q.usedIndex());
    }

    @Test
    void delayedOpensTheSourceWhenFirstNeededAndRetriesUntilItAppears() {
        VirtioEntropy rng = VirtioEntropy.delayed("rng", () -> {
            if (++opens < 3) {
                throw new IOException("no such device");
            }
            return constant((byte) 1);
        }, 10_000_000_000L, clock, worker);
        assertEquals(0, opens); // nothing opened while the VM is built
        MmioDriver d = driverFor(rng);
        RingDriver q = d.setupQueue(0, 8, 0x10000);
        d.driverOk();
        int head = q.add(List.of(), List.of(8));
        d.notify(0);
        clock.advance(0);
        assertEquals(1, opens);
        assertNull(q.pollUsed()); // the request waits for the source
        clock.advance(VirtioEntropy.RETRY_NANOS);
        assertNull(q.pollUsed());
        clock.advance(VirtioEntropy.RETRY_NANOS);
        assertEquals(3, opens);
        assertEquals(new RingDriver.Used(head, 8), q.pollUsed());
    }

    @Test
    void delayedGivesUpWhenTheTimePassesAndTheDeviceAsksForAReset() {
        VirtioEntropy rng = VirtioEntropy.delayed("rng", () -> {
            opens++;
            throw new IOException("no such device");
        }, 2_000_000_000L, clock, worker);
        MmioDriver d = driverFor(rng);
        RingDriver q = d.setupQueue(0, 8, 0x10000);
        d.driverOk();
        q.add(List.of(), List.of(8));
        d.notify(0);
        clock.advance(5_000_000_000L);
        assertEquals(3, opens); // at 0, 1 s and 2 s
        assertEquals(MmioDriver.NEEDS_RESET, d.status() & MmioDriver.NEEDS_RESET);
        assertEquals(0, clock.pending());
    }

    @Test
    void delayedZeroTriesOnce() {
        VirtioEntropy rng = VirtioEntropy.delayed("rng", () -> {
            opens++;
            throw new IOException("no such device");
        }, 0, clock, worker);
        MmioDriver d = driverFor(rng);
        RingDriver q = d.setupQueue(0, 8, 0x10000);
        d.driverOk();
        q.add(List.of(), List.of(8));
        d.notify(0);
        clock.advance(10_000_000_000L);
        assertEquals(1, opens);
        assertEquals(MmioDriver.NEEDS_RESET, d.status() & MmioDriver.NEEDS_RESET);
    }

    @Test
    void withoutDelayedAMissingSourceFailsWhenTheVmIsBuilt() {
        IOException e = assertThrows(IOException.class,
                () -> VirtioEntropy.open("rng", EntropySource.file(Path.of("/nonexistent/random")), clock, worker));
        assertTrue(e.getMessage().contains("/nonexistent/random"));
    }

    @Test
    void theHostRandomDeviceGivesBytesThatAreNotAllZero() throws IOException {
        byte[] got = new byte[64];
        try (EntropySource s = EntropySource.hostRandom().open()) {
            s.fill(got);
        }
        assertFalse(Arrays.equals(got, new byte[64]));
    }
}
