package io.jqvm.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jqvm.virtio.DriverHarness;
import io.jqvm.virtio.DriverHarness.Chain;
import io.jqvm.virtio.testing.RingDriver.Used;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The guest's side of a vsock device under test, as Linux 6.1's driver lays it out: receive buffers of a
 * 44-byte header descriptor plus a 4 KiB payload descriptor, packets sent as header then payload.
 */
final class GuestVsock implements AutoCloseable {
    static final long CID = 3;
    static final int RX_PAYLOAD = 4096;
    static final int RX_BUFFERS = 32;

    /** A packet the device delivered. */
    record Packet(VsockHeader header, byte[] data) {
        int op() {
            return header.op();
        }
    }

    final DriverHarness driver = new DriverHarness(VirtioVsock.F_STREAM, 128, 128, 16);
    final VirtioVsock device;
    private final Map<Integer, Chain> rxChains = new HashMap<>();
    private final ArrayDeque<Packet> received = new ArrayDeque<>();
    private int sent;
    private int transmitted;

    GuestVsock(VirtioVsock device) {
        this.device = device;
        for (int i = 0; i < RX_BUFFERS; i++) {
            postRxBuffer(VsockHeader.SIZE, RX_PAYLOAD);
        }
        device.activate(driver);
    }

    void postRxBuffer(int... sizes) {
        Chain c = driver.send(VirtioVsock.RX, List.of(), sizes);
        rxChains.put(c.head(), c);
        device.queueNotify(VirtioVsock.RX);
    }

    /** A header this guest would send on connection (guestPort -> hostPort), with its credit. */
    static VsockHeader header(int guestPort, int hostPort, int op, int flags, int len, int bufAlloc, int fwdCnt) {
        return new VsockHeader(CID, VirtioVsock.HOST_CID, guestPort, hostPort, len, VsockHeader.TYPE_STREAM, op, flags,
                bufAlloc, fwdCnt);
    }

    static byte[] bytes(VsockHeader h) {
        byte[] b = new byte[VsockHeader.SIZE];
        h.encode(b);
        return b;
    }

    /** Sends a packet as the given readable buffers, and kicks. */
    void sendRaw(List<byte[]> buffers) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!driver.fits(VirtioVsock.TX, buffers.size())) { // wait for descriptors, as a driver does
            transmitted += driver.takeUsed(VirtioVsock.TX).size();
            if (System.nanoTime() > deadline) {
                fail("the device holds every transmit descriptor");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
        }
        driver.send(VirtioVsock.TX, buffers);
        sent++;
        device.queueNotify(VirtioVsock.TX);
    }

    void send(VsockHeader h, byte[] payload) {
        sendRaw(payload.length == 0 ? List.of(bytes(h)) : List.of(bytes(h), payload));
    }

    void send(VsockHeader h) {
        send(h, new byte[0]);
    }

    /** The next packet the device delivers, within five seconds; the buffer is given back afterwards. */
    Packet next() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (received.isEmpty()) {
            for (Used u : driver.takeUsed(VirtioVsock.RX)) {
                Chain c = rxChains.remove(u.head());
                assertTrue(u.written() >= VsockHeader.SIZE, "used length " + u.written());
                byte[] all = driver.writtenInto(VirtioVsock.RX, c, u.written());
                VsockHeader h = VsockHeader.decode(all);
                assertEquals(u.written() - VsockHeader.SIZE, h.len(), "used length and header length agree");
                received.add(new Packet(h, java.util.Arrays.copyOfRange(all, VsockHeader.SIZE, u.written())));
                postRxBuffer(VsockHeader.SIZE, RX_PAYLOAD);
            }
            if (received.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    fail("no packet from the device within 5 s" + (driver.failure() != null ? "; failed: " + driver.failure() : ""));
                }
                sleep(1);
            }
        }
        return received.poll();
    }

    /** Asserts that the device delivers nothing for a while. */
    void expectNothing() {
        sleep(100);
        assertEquals(List.of(), driver.takeUsed(VirtioVsock.RX));
        assertTrue(received.isEmpty(), "unexpected " + received);
    }

    /** Waits until the device returned every transmitted chain. */
    void awaitTransmitted() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (transmitted < sent) {
            transmitted += driver.takeUsed(VirtioVsock.TX).size();
            if (System.nanoTime() > deadline) {
                fail("the device returned " + transmitted + " of " + sent + " transmitted packets");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        device.close();
        driver.close();
    }
}
