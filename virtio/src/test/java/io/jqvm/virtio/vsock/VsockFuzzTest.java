package io.jqvm.virtio.vsock;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jqvm.virtio.DriverHarness;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of the vsock packet protocol: the input is a script of guest actions (packets with
 * arbitrary headers and payloads, split anywhere; receive and event buffers of any shape; raw descriptors),
 * served synchronously by {@link VsockMux} against a real host listener. Anything the device throws is a
 * finding; so is a failed device for a queue that was well formed. Its corpus runs with the normal tests.
 */
class VsockFuzzTest {
    private static final long CID = GuestVsock.CID;
    private static final int LISTENED_PORT = 1234;
    private static final Path DIR;
    private static final Path UDS;
    private static final ServerSocketChannel LISTENER;
    private static final Selector SELECTOR;
    private static final HostListener MAIN;

    static {
        try {
            DIR = Files.createTempDirectory("vsock-fuzz");
            UDS = DIR.resolve("v.sock");
            LISTENER = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            LISTENER.bind(UnixDomainSocketAddress.of(UDS + "_" + LISTENED_PORT), 1024);
            LISTENER.configureBlocking(false);
            SELECTOR = Selector.open();
            MAIN = HostListener.open(UDS, SELECTOR);
            UDS.toFile().deleteOnExit();
            DIR.toFile().deleteOnExit();
            Path.of(UDS + "_" + LISTENED_PORT).toFile().deleteOnExit();
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void guestScripts(FuzzedDataProvider data) throws IOException {
        VsockMux mux = new VsockMux(CID, UDS, SELECTOR, MAIN, VsockMux.ANSWER_TIMEOUT_NANOS);
        List<SocketChannel> hostEnds = new ArrayList<>();
        try (DriverHarness driver = new DriverHarness(VirtioVsock.F_STREAM, 64, 64, 8)) {
            mux.activate(driver);
            boolean malformed = false;
            int steps = 0;
            while (data.remainingBytes() > 0 && steps++ < 64 && driver.failure() == null) {
                switch (data.consumeInt(0, 5)) {
                    case 0, 1 -> sendPacket(driver, data);
                    case 2 -> postBuffer(driver, data, VirtioVsock.RX);
                    case 3 -> postBuffer(driver, data, VirtioVsock.EVENT);
                    case 4 -> {
                        // A raw descriptor: may be out of RAM, loop, or point anywhere; the queue may fail.
                        int q = data.consumeInt(0, 2);
                        driver.rawChain(q, data.consumeInt(0, q == VirtioVsock.EVENT ? 7 : 63),
                                data.consumeLong(), data.consumeInt(), data.consumeInt(0, 7), data.consumeInt(0, 0xffff));
                        malformed = true;
                    }
                    default -> {
                        if (data.consumeBoolean()) {
                            mux.resetTransport();
                        } else {
                            mux.reset();
                            mux.activate(driver);
                        }
                    }
                }
                SELECTOR.selectNow();
                for (var key : SELECTOR.selectedKeys()) {
                    if (key.isValid()) {
                        mux.ready(key);
                    }
                }
                SELECTOR.selectedKeys().clear();
                mux.serve();
                SocketChannel accepted;
                while ((accepted = LISTENER.accept()) != null) {
                    hostEnds.add(accepted);
                }
            }
            if (!driver.guardsIntact()) {
                throw new AssertionError("the device wrote outside guest memory");
            }
            if (driver.failure() != null && !malformed && !driver.failure().contains("shorter than")
                    && !driver.failure().contains("cannot hold") && !driver.failure().contains("event buffer")) {
                throw new AssertionError("a well-formed queue failed the device: " + driver.failure());
            }
        } finally {
            mux.closeAll();
            for (SocketChannel c : hostEnds) {
                c.close();
            }
        }
    }

    private static void sendPacket(DriverHarness driver, FuzzedDataProvider data) {
        long srcCid = data.consumeBoolean() ? CID : data.consumeLong();
        long dstCid = data.consumeBoolean() ? VirtioVsock.HOST_CID : data.consumeLong();
        int srcPort = data.consumeBoolean() ? 5000 + data.consumeInt(0, 3) : data.consumeInt();
        int dstPort = data.consumeBoolean() ? LISTENED_PORT : data.consumeInt();
        int op = data.consumeInt(0, 9);
        int type = data.consumeBoolean() ? VsockHeader.TYPE_STREAM : data.consumeInt(0, 0xffff);
        byte[] payload = data.consumeBytes(data.consumeInt(0, 512));
        int len = data.consumeBoolean() ? payload.length : data.consumeInt();
        VsockHeader h = new VsockHeader(srcCid, dstCid, srcPort, dstPort, len, type, op, data.consumeInt(0, 3),
                data.consumeInt(), data.consumeInt());
        byte[] header = GuestVsock.bytes(h);
        int split = data.consumeInt(0, VsockHeader.SIZE);
        List<byte[]> buffers = new ArrayList<>();
        if (split > 0) {
            buffers.add(java.util.Arrays.copyOf(header, split));
        }
        if (split < VsockHeader.SIZE) {
            buffers.add(java.util.Arrays.copyOfRange(header, split, VsockHeader.SIZE));
        }
        if (payload.length > 0) {
            buffers.add(payload);
        }
        if (driver.fits(VirtioVsock.TX, buffers.size())) {
            driver.send(VirtioVsock.TX, buffers);
        }
    }

    private static void postBuffer(DriverHarness driver, FuzzedDataProvider data, int queue) {
        int parts = data.consumeInt(1, 3);
        int[] sizes = new int[parts];
        for (int i = 0; i < parts; i++) {
            sizes[i] = data.consumeInt(1, 5000);
        }
        if (driver.fits(queue, parts)) {
            driver.send(queue, List.of(), sizes);
        }
    }
}
