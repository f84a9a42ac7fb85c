package io.jqvm.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jqvm.virtio.mmio.VirtioMmioTransport;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.MmioDriver;
import io.jqvm.virtio.testing.RecordingIrq;
import io.jqvm.virtio.testing.RingDriver;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket device behind the virtio-mmio transport, probed and used as Linux's vmw_vsock_virtio_transport does. */
class VirtioVsockMmioTest {
    private static final long RAM = 0x4000_0000L;

    @TempDir
    Path dir;

    @Test
    void linuxStyleProbeReadsTheCidAndAConnectionIsAnswered() throws IOException {
        Path uds = dir.resolve("v.sock");
        RecordingIrq irq = new RecordingIrq();
        try (GuardedMemory ram = new GuardedMemory(RAM, 1 << 20);
             VirtioVsock vsock = VirtioVsock.open(42, uds);
             ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(uds + "_" + 1024));
            MmioDriver d = new MmioDriver(new VirtioMmioTransport("virtio-vsock", vsock, ram.memory(), irq, false),
                    ram.memory(), RAM);
            assertEquals(19, d.read(0x008), "device ID: socket");
            assertTrue(d.negotiate(MmioDriver.F_VERSION_1 | MmioDriver.F_EVENT_IDX | MmioDriver.F_INDIRECT_DESC));
            assertEquals(42, d.readConfig(0, 4) | d.readConfig(4, 4) << 32, "guest_cid");
            RingDriver rx = d.setupQueue(VirtioVsock.RX, 128, 0x20000);
            RingDriver tx = d.setupQueue(VirtioVsock.TX, 128, 0x8000);
            RingDriver events = d.setupQueue(VirtioVsock.EVENT, 8, 0x100);
            for (int i = 0; i < 8; i++) {
                events.add(List.of(), List.of(4));
            }
            int[] buffers = new int[8];
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = rx.add(List.of(), List.of(VsockHeader.SIZE, 4096)); // Linux 6.1's layout
            }
            d.driverOk();
            d.notify(VirtioVsock.RX);
            d.notify(VirtioVsock.EVENT);

            VsockHeader request = new VsockHeader(42, VirtioVsock.HOST_CID, 50000, 1024, 0, VsockHeader.TYPE_STREAM,
                    VsockHeader.OP_REQUEST, 0, 262144, 0);
            tx.add(List.of(GuestVsock.bytes(request)), List.of());
            d.notify(VirtioVsock.TX);
            try (SocketChannel host = listener.accept()) {
                RingDriver.Used used = awaitUsed(rx);
                assertEquals(buffers[0], used.head());
                assertEquals(VsockHeader.SIZE, used.written());
                VsockHeader response = VsockHeader.decode(rx.writableContents(used.head()));
                assertEquals(VsockHeader.OP_RESPONSE, response.op());
                assertEquals(42, response.dstCid());
                assertEquals(50000, response.dstPort());
                assertTrue(irq.level(), "the response raised the interrupt");
            }
            assertTrue(ram.guardsIntact());
        }
    }

    private static RingDriver.Used awaitUsed(RingDriver ring) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        RingDriver.Used u;
        while ((u = ring.pollUsed()) == null) {
            if (System.nanoTime() > deadline) {
                fail("nothing in the used ring within 5 s");
            }
            GuestVsock.sleep(1);
        }
        return u;
    }
}
