package io.jqvm.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.testing.RecordingQueues;
import io.jqvm.virtio.testing.RingDriver;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Offloads through a backend that carries the virtio-net header (as a TAP does). */
class VirtioNetOffloadTest {
    static final long BASE = VirtioNet.F_VERSION_1 | VirtioNet.F_MAC | VirtioNet.F_MRG_RXBUF;
    /** A header asking for a checksum from byte 34 stored at +6, and TCPv4 segmentation at 1448 bytes. */
    static final byte[] OFFLOADED = {1, 1, 54, 0, (byte) 0xa8, 5, 34, 0, 16, 0, 0, 0};

    GuestMemory memory;
    RingDriver rx;
    RingDriver tx;
    ScriptedBackend backend;
    VirtioNet net;

    @BeforeEach
    void setUp() {
        memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(0, 4 << 20, false, "ram")));
        rx = new RingDriver(memory, 256, 0, RingDriver.ringBytes(256), 1 << 20);
        tx = new RingDriver(memory, 256, 2 << 20, (2 << 20) + RingDriver.ringBytes(256), 1 << 20);
        backend = new ScriptedBackend(true);
        net = new VirtioNet("offload", VirtioNetTest.MAC, backend);
    }

    @AfterEach
    void tearDown() {
        net.close();
        memory.close();
    }

    void activate(long features) throws VirtqueueException {
        net.activate(new RecordingQueues(features, memory, rx.queue(true), tx.queue(true)));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void offersTheOffloadsOnlyWhenTheBackendCarriesTheHeader() {
        assertEquals(VirtioNet.OFFLOADS, net.offeredFeatures() & VirtioNet.OFFLOADS);
        VirtioNet plain = new VirtioNet("plain", VirtioNetTest.MAC, new ScriptedBackend());
        assertEquals(0, plain.offeredFeatures() & VirtioNet.OFFLOADS);
        plain.close();
    }

    @Test
    void theBackendLearnsWhatTheGuestAcceptsAndForgetsItOnReset() throws Exception {
        activate(BASE | VirtioNet.F_GUEST_CSUM | VirtioNet.F_GUEST_TSO4 | VirtioNet.F_GUEST_ECN);
        assertEquals(new NetBackend.GuestOffloads(true, true, false, true), backend.offloads.poll());
        net.reset();
        assertEquals(NetBackend.GuestOffloads.NONE, backend.offloads.poll());
    }

    @Test
    void transmitPassesTheDriversHeaderWhenItNegotiatedChecksumOffload() throws Exception {
        activate(BASE | VirtioNet.F_CSUM | VirtioNet.F_HOST_TSO4);
        byte[] frame = VirtioNetTest.frame(3000, 1);
        tx.add(List.of(OFFLOADED, frame), List.of());
        net.queueNotify(VirtioNet.TRANSMITQ);
        byte[] sent = backend.sent.poll(5, TimeUnit.SECONDS);
        byte[] expectedHeader = Arrays.copyOf(OFFLOADED, 12);
        expectedHeader[10] = 0; // num_buffers means nothing on transmit
        assertArrayEquals(concat(expectedHeader, frame), sent);
    }

    @Test
    void withoutChecksumOffloadTheBackendGetsACompleteFrameHeader() throws Exception {
        activate(BASE);
        byte[] frame = VirtioNetTest.frame(100, 2);
        tx.add(List.of(OFFLOADED, frame), List.of());
        net.queueNotify(VirtioNet.TRANSMITQ);
        assertArrayEquals(concat(new byte[12], frame), backend.sent.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void receivePassesTheBackendsHeaderWhenTheGuestAcceptsPartialChecksums() throws Exception {
        activate(BASE | VirtioNet.F_GUEST_CSUM | VirtioNet.F_GUEST_TSO4);
        int head = rx.add(List.of(), List.of(4096));
        byte[] frame = VirtioNetTest.frame(1000, 3);
        backend.inject(concat(OFFLOADED, frame));
        RingDriver.Used used = rx.pollUsed();
        assertEquals(new RingDriver.Used(head, 12 + 1000), used);
        byte[] got = Arrays.copyOf(rx.writableContents(head), used.written());
        byte[] expectedHeader = Arrays.copyOf(OFFLOADED, 12);
        expectedHeader[10] = 1; // the device's num_buffers, not the backend's
        assertArrayEquals(concat(expectedHeader, frame), got);
    }

    @Test
    void aGuestWithoutChecksumOffloadGetsZeroFlags() throws Exception {
        activate(BASE);
        int head = rx.add(List.of(), List.of(4096));
        byte[] frame = VirtioNetTest.frame(100, 4);
        backend.inject(concat(new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, frame)); // DATA_VALID
        byte[] got = Arrays.copyOf(rx.writableContents(head), 112);
        byte[] expectedHeader = new byte[12];
        expectedHeader[10] = 1;
        assertArrayEquals(concat(expectedHeader, frame), got);
    }

    @Test
    void aBackendFrameShorterThanItsHeaderIsDropped() throws Exception {
        activate(BASE);
        rx.add(List.of(), List.of(4096));
        backend.inject(new byte[5]);
        assertEquals(1, net.counters().rxDropped());
    }
}
