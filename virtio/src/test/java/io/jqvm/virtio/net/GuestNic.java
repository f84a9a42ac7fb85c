package io.jqvm.virtio.net;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.testing.RecordingQueues;
import io.jqvm.virtio.testing.RingDriver;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A virtio-net device with a driver played by the test, for the backend tests: it keeps receive buffers posted,
 * sends frames and hands back the frames received (without the header).
 */
final class GuestNic implements AutoCloseable {
    static final int BUFFERS = 64;
    final VirtioNet net;
    final RecordingQueues transport;
    private final GuestMemory memory;
    private final RingDriver rx;
    private final RingDriver tx;

    GuestNic(String name, MacAddress mac, NetBackend backend) throws VirtqueueException {
        this(name, mac, backend, 0);
    }

    /** A device whose driver negotiates {@code extraFeatures} (offloads, say) besides the usual ones. */
    GuestNic(String name, MacAddress mac, NetBackend backend, long extraFeatures) throws VirtqueueException {
        memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(0, 16 << 20, false, "ram")));
        rx = new RingDriver(memory, 256, 0, RingDriver.ringBytes(256), 8 << 20);
        tx = new RingDriver(memory, 256, 10 << 20, (10 << 20) + RingDriver.ringBytes(256), 4 << 20);
        net = new VirtioNet(name, mac, backend);
        transport = new RecordingQueues(VirtioNet.F_VERSION_1 | VirtioNet.F_MAC | VirtioNet.F_STATUS | VirtioNet.F_MRG_RXBUF | extraFeatures,
                memory, rx.queue(true), tx.queue(true));
        net.activate(transport);
        for (int i = 0; i < BUFFERS; i++) {
            rx.add(List.of(), List.of(2048));
        }
        net.queueNotify(VirtioNet.RECEIVEQ);
    }

    /** Queues {@code frame} for transmission and kicks the device. The test ring has room for a few dozen. */
    void send(byte[] frame) {
        send(new byte[VirtioNet.HEADER], frame);
    }

    /**
     * Queues {@code frame} behind the virtio-net header {@code header} (offload requests, say), first waiting while
     * the transmit ring is nearly full, as a driver stops its queue.
     */
    void send(byte[] header, byte[] frame) {
        for (reclaimSent(); tx.freeDescriptors() < 2; reclaimSent()) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
        tx.add(List.of(header, frame), List.of());
        net.queueNotify(VirtioNet.TRANSMITQ);
    }

    /** Frees the descriptors of frames the device has sent, as Linux's start_xmit does before queueing more. */
    private void reclaimSent() {
        while (tx.pollUsed() != null) {
            // nothing to read back from a sent frame
        }
    }

    /** The next frame received within {@code seconds}, or null. Frames here fit one 2 KiB buffer. */
    byte[] receive(double seconds) throws InterruptedException {
        byte[] withHeader = receiveWithHeader(seconds);
        return withHeader == null ? null : Arrays.copyOfRange(withHeader, VirtioNet.HEADER, withHeader.length);
    }

    /** Like {@link #receive} but with the virtio-net header the device wrote in front. */
    byte[] receiveWithHeader(double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            RingDriver.Used used = rx.pollUsed();
            if (used != null) {
                byte[] got = Arrays.copyOf(rx.writableContents(used.head()), used.written());
                rx.add(List.of(), List.of(2048));
                net.queueNotify(VirtioNet.RECEIVEQ);
                return got;
            }
            Thread.sleep(1);
        }
        return null;
    }

    boolean linkUp() {
        return (net.readConfig(6, 2) & VirtioNet.S_LINK_UP) != 0;
    }

    static void awaitLink(GuestNic nic, boolean up) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (nic.linkUp() != up) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("link did not go " + (up ? "up" : "down"));
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        net.close();
        memory.close();
    }
}
