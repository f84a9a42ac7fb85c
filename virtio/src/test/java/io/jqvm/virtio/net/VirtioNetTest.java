package io.jqvm.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.testing.RecordingQueues;
import io.jqvm.virtio.testing.RingDriver;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VirtioNetTest {
    static final long MODERN = VirtioNet.F_VERSION_1 | VirtioNet.F_MAC | VirtioNet.F_STATUS;
    static final MacAddress MAC = MacAddress.of(0x525400123456L);

    GuestMemory memory;
    RingDriver rx;
    RingDriver tx;
    ScriptedBackend backend;
    VirtioNet net;
    RecordingQueues transport;

    @BeforeEach
    void setUp() {
        memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(0, 4 << 20, false, "ram")));
        rx = new RingDriver(memory, 256, 0, RingDriver.ringBytes(256), 1 << 20);
        tx = new RingDriver(memory, 256, 2 << 20, (2 << 20) + RingDriver.ringBytes(256), 1 << 20);
        backend = new ScriptedBackend();
        net = new VirtioNet("test", MAC, backend);
    }

    @AfterEach
    void tearDown() {
        net.close();
        memory.close();
    }

    void activate(long features) throws VirtqueueException {
        boolean eventIdx = true;
        transport = new RecordingQueues(features, memory, rx.queue(eventIdx), tx.queue(eventIdx));
        net.activate(transport);
    }

    static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (i * 31 + seed);
        }
        return f;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    static int numBuffers(byte[] header) {
        return (header[10] & 0xff) | (header[11] & 0xff) << 8;
    }

    @Test
    void configurationSpaceHoldsTheMacAndTheLinkState() {
        assertEquals(1, net.deviceId());
        assertEquals(0x56, net.readConfig(5, 1));
        assertEquals(0x12005452L, net.readConfig(0, 4));
        assertEquals(VirtioNet.S_LINK_UP, net.readConfig(6, 2));
        assertEquals(0, net.readConfig(8, 2), "nothing past the status field");
        assertTrue((net.offeredFeatures() & VirtioNet.F_MRG_RXBUF) != 0);
    }

    @Test
    void transmitSendsTheFrameAfterTheHeaderAndReturnsTheBuffer() throws Exception {
        activate(MODERN);
        byte[] f = frame(60, 1);
        int head = tx.add(List.of(new byte[VirtioNet.HEADER], Arrays.copyOf(f, 20), Arrays.copyOfRange(f, 20, 60)), List.of());
        net.queueNotify(VirtioNet.TRANSMITQ);
        assertArrayEquals(f, backend.sent.poll(5, TimeUnit.SECONDS));
        await(() -> tx.usedIndex() == 1, "the used entry");
        assertEquals(new RingDriver.Used(head, 0), tx.pollUsed());
        assertTrue(transport.interrupts(VirtioNet.TRANSMITQ) >= 1);
        await(() -> net.counters().equals(new VirtioNet.Counters(1, 0, 0, 0)), "one frame counted as sent");
    }

    @Test
    void headerAndFrameInOneBufferAndSeveralFramesPerKick() throws Exception {
        activate(MODERN);
        for (int i = 0; i < 3; i++) {
            byte[] both = new byte[VirtioNet.HEADER + 100];
            System.arraycopy(frame(100, i), 0, both, VirtioNet.HEADER, 100);
            tx.add(List.of(both), List.of());
        }
        net.queueNotify(VirtioNet.TRANSMITQ);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(frame(100, i), backend.sent.poll(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void aTransmitRequestShorterThanTheHeaderBreaksTheQueue() throws Exception {
        activate(MODERN);
        tx.add(List.of(new byte[5]), List.of());
        net.queueNotify(VirtioNet.TRANSMITQ);
        await(() -> !transport.failures().isEmpty(), "the failure");
        assertTrue(transport.failures().getFirst().contains("shorter than the 12-byte virtio-net header"), transport.failures().getFirst());
    }

    @Test
    void runtFramesAndLinkDownFramesAreDroppedAndCounted() throws Exception {
        activate(MODERN);
        tx.add(List.of(new byte[VirtioNet.HEADER + 10]), List.of());
        net.queueNotify(VirtioNet.TRANSMITQ);
        await(() -> tx.usedIndex() == 1, "the runt's used entry");
        backend.link(false);
        tx.add(List.of(new byte[VirtioNet.HEADER], frame(64, 0)), List.of());
        net.queueNotify(VirtioNet.TRANSMITQ);
        await(() -> tx.usedIndex() == 2, "the second used entry");
        await(() -> net.counters().txDropped() == 2, "two drops");
        assertTrue(backend.sent.isEmpty());
    }

    @Test
    void receiveWritesHeaderAndFrameIntoOneBuffer() throws Exception {
        activate(MODERN);
        int head = rx.add(List.of(), List.of(VirtioNet.HEADER + 1514));
        byte[] f = frame(1514, 7);
        backend.inject(f);
        RingDriver.Used used = rx.pollUsed();
        assertEquals(new RingDriver.Used(head, VirtioNet.HEADER + 1514), used);
        byte[] got = Arrays.copyOf(rx.writableContents(head), used.written());
        assertEquals(1, numBuffers(got), "num_buffers is 1 without mergeable buffers");
        assertArrayEquals(new byte[10], Arrays.copyOf(got, 10), "no checksum or GSO flags");
        assertArrayEquals(f, Arrays.copyOfRange(got, VirtioNet.HEADER, got.length));
        assertEquals(1, transport.interrupts(VirtioNet.RECEIVEQ));
    }

    @Test
    void mergeableBuffersSpreadALargeFrameAndAppearTogether() throws Exception {
        activate(MODERN | VirtioNet.F_MRG_RXBUF);
        int a = rx.add(List.of(), List.of(1000));
        int b = rx.add(List.of(), List.of(1000));
        int c = rx.add(List.of(), List.of(1000));
        int d = rx.add(List.of(), List.of(1000));
        byte[] f = frame(2500, 3);
        backend.inject(f);
        assertEquals(3, rx.usedIndex(), "three buffers, published at once");
        RingDriver.Used ua = rx.pollUsed();
        RingDriver.Used ub = rx.pollUsed();
        RingDriver.Used uc = rx.pollUsed();
        assertEquals(new RingDriver.Used(a, 1000), ua);
        assertEquals(new RingDriver.Used(b, 1000), ub);
        assertEquals(new RingDriver.Used(c, 512), uc);
        byte[] first = Arrays.copyOf(rx.writableContents(a), 1000);
        assertEquals(3, numBuffers(first));
        byte[] joined = new byte[2500];
        System.arraycopy(first, VirtioNet.HEADER, joined, 0, 988);
        System.arraycopy(Arrays.copyOf(rx.writableContents(b), 1000), 0, joined, 988, 1000);
        System.arraycopy(Arrays.copyOf(rx.writableContents(c), 512), 0, joined, 1988, 512);
        assertArrayEquals(f, joined);
        backend.inject(frame(60, 4));
        RingDriver.Used ud = rx.pollUsed();
        assertEquals(new RingDriver.Used(d, VirtioNet.HEADER + 60), ud);
        assertEquals(1, numBuffers(Arrays.copyOf(rx.writableContents(d), 12)));
    }

    @Test
    void withoutReceiveBuffersTheBackendWaitsForTheDriver() throws Exception {
        activate(MODERN | VirtioNet.F_MRG_RXBUF);
        byte[] f = frame(200, 9);
        Thread reader = Thread.ofPlatform().start(() -> backend.inject(f));
        reader.join(200);
        assertTrue(reader.isAlive(), "the backend's thread waits while there is no buffer");
        int head = rx.add(List.of(), List.of(100));
        net.queueNotify(VirtioNet.RECEIVEQ);
        reader.join(200);
        assertTrue(reader.isAlive(), "100 bytes are not enough for the frame either");
        int more = rx.add(List.of(), List.of(4096));
        net.queueNotify(VirtioNet.RECEIVEQ);
        reader.join(5000);
        assertFalse(reader.isAlive(), "delivered once the driver posted enough");
        assertEquals(new RingDriver.Used(head, 100), rx.pollUsed());
        assertEquals(new RingDriver.Used(more, VirtioNet.HEADER + 200 - 100), rx.pollUsed());
        assertEquals(new VirtioNet.Counters(0, 0, 1, 0), net.counters());
    }

    @Test
    void aFrameLargerThanTheBufferIsDroppedAndTheBufferKept() throws Exception {
        activate(MODERN);
        int head = rx.add(List.of(), List.of(200));
        backend.inject(frame(1000, 1));
        assertNull(rx.pollUsed());
        assertEquals(1, net.counters().rxDropped());
        backend.inject(frame(100, 2));
        assertEquals(new RingDriver.Used(head, VirtioNet.HEADER + 100), rx.pollUsed());
    }

    @Test
    void aFrameLargerThanTheWholeRingIsDroppedNotWaitedFor() throws Exception {
        memory.close();
        memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(0, 4 << 20, false, "ram")));
        rx = new RingDriver(memory, 4, 0, RingDriver.ringBytes(4), 1 << 20);
        activate(MODERN | VirtioNet.F_MRG_RXBUF);
        for (int i = 0; i < 4; i++) {
            rx.add(List.of(), List.of(100));
        }
        backend.inject(frame(1000, 1));
        assertEquals(1, net.counters().rxDropped());
        assertNull(rx.pollUsed());
    }

    @Test
    void aReceiveBufferSmallerThanTheHeaderBreaksTheQueue() throws Exception {
        activate(MODERN | VirtioNet.F_MRG_RXBUF);
        rx.add(List.of(), List.of(8));
        backend.inject(frame(60, 1));
        assertEquals(1, transport.failures().size());
        assertTrue(transport.failures().getFirst().contains("cannot hold the 12-byte virtio-net header"));
        backend.inject(frame(60, 1));
        assertEquals(1, transport.failures().size(), "a failed device serves nothing more until reset");
    }

    @Test
    void aLegacyDriverWithoutMergeableBuffersGetsTheTenByteHeader() throws Exception {
        activate(VirtioNet.F_MAC);
        int head = rx.add(List.of(), List.of(1600));
        byte[] f = frame(100, 5);
        backend.inject(f);
        assertEquals(new RingDriver.Used(head, VirtioNet.LEGACY_HEADER + 100), rx.pollUsed());
        assertArrayEquals(f, Arrays.copyOfRange(Arrays.copyOf(rx.writableContents(head), 110), 10, 110));
        tx.add(List.of(new byte[VirtioNet.LEGACY_HEADER], f), List.of());
        net.queueNotify(VirtioNet.TRANSMITQ);
        assertArrayEquals(f, backend.sent.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void queuesTheDriverLeftDisabledAreNeitherServedNorWaitedFor() throws Exception {
        transport = new RecordingQueues(MODERN, memory, null, null);
        net.activate(transport);
        net.queueNotify(VirtioNet.TRANSMITQ);
        assertFalse(net.transmitOne());
        backend.inject(frame(60, 1));
        assertEquals(new VirtioNet.Counters(0, 0, 0, 1), net.counters());
        assertTrue(transport.failures().isEmpty());
    }

    @Test
    void framesBeforeTheDriverIsReadyAreDropped() {
        backend.inject(frame(60, 1));
        assertEquals(new VirtioNet.Counters(0, 0, 0, 1), net.counters());
    }

    @Test
    void aResetReleasesAWaitingReceiver() throws Exception {
        activate(MODERN);
        Thread reader = Thread.ofPlatform().start(() -> backend.inject(frame(60, 1)));
        reader.join(100);
        assertTrue(reader.isAlive());
        net.reset();
        reader.join(5000);
        assertFalse(reader.isAlive());
        assertEquals(1, net.counters().rxDropped());
    }

    @Test
    void linkChangesReachTheConfigurationAndRaiseAnInterrupt() throws Exception {
        activate(MODERN);
        backend.link(false);
        assertEquals(0, net.readConfig(6, 2));
        assertEquals(1, transport.configChanges());
        backend.link(false);
        assertEquals(1, transport.configChanges(), "no interrupt without a change");
        backend.link(true);
        assertEquals(VirtioNet.S_LINK_UP, net.readConfig(6, 2));
        assertEquals(2, transport.configChanges());
    }

    @Test
    void withoutTheStatusFeatureTheDriverIsNotInterruptedForTheLink() throws Exception {
        activate(VirtioNet.F_VERSION_1 | VirtioNet.F_MAC);
        backend.link(false);
        assertEquals(0, transport.configChanges());
    }

    @Test
    void closeStopsTheBackend() {
        net.close();
        assertTrue(backend.closed);
        assertNotNull(net.mac());
    }
}
