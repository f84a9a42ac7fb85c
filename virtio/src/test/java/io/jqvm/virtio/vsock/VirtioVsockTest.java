package io.jqvm.virtio.vsock;

import static io.jqvm.virtio.vsock.GuestVsock.header;
import static io.jqvm.virtio.vsock.VsockHeader.OP_CREDIT_REQUEST;
import static io.jqvm.virtio.vsock.VsockHeader.OP_CREDIT_UPDATE;
import static io.jqvm.virtio.vsock.VsockHeader.OP_REQUEST;
import static io.jqvm.virtio.vsock.VsockHeader.OP_RESPONSE;
import static io.jqvm.virtio.vsock.VsockHeader.OP_RST;
import static io.jqvm.virtio.vsock.VsockHeader.OP_RW;
import static io.jqvm.virtio.vsock.VsockHeader.OP_SHUTDOWN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.virtio.vsock.GuestVsock.Packet;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device against real Unix sockets in a temporary directory, with the test playing Linux's driver. */
class VirtioVsockTest {
    private static final int GUEST_BUF = 64 * 1024;

    @TempDir
    Path dir;
    private Path uds;
    private GuestVsock guest;

    @BeforeEach
    void open() throws IOException {
        uds = dir.resolve("v.sock");
        guest = new GuestVsock(VirtioVsock.open(GuestVsock.CID, uds));
    }

    @AfterEach
    void close() {
        guest.close();
        assertTrue(Files.notExists(uds), "closing removes the main socket");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private ServerSocketChannel hostListener(int port) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(uds + "_" + port));
        return s;
    }

    private static String readLine(SocketChannel c) throws IOException {
        StringBuilder sb = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                return sb.length() == 0 ? null : sb.toString();
            }
            char ch = (char) one.get(0);
            if (ch == '\n') {
                return sb.toString();
            }
            sb.append(ch);
        }
    }

    /** EOF, or a reset when the device closed with our bytes unread: either way, closed. */
    private static boolean closedByDevice(SocketChannel c) throws IOException {
        try {
            return readLine(c) == null;
        } catch (java.net.SocketException e) {
            return e.getMessage().contains("reset");
        }
    }

    private static byte[] readExactly(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                break;
            }
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** A guest connection to host port {@code port}, accepted by {@code listener}: returns the host's socket. */
    private SocketChannel guestConnects(ServerSocketChannel listener, int guestPort, int port) throws IOException {
        guest.send(header(guestPort, port, OP_REQUEST, 0, 0, GUEST_BUF, 0));
        SocketChannel host = listener.accept();
        Packet response = guest.next();
        assertEquals(OP_RESPONSE, response.op());
        assertEquals(port, response.header().srcPort());
        assertEquals(guestPort, response.header().dstPort());
        assertEquals(VirtioVsock.HOST_CID, response.header().srcCid());
        assertEquals(GuestVsock.CID, response.header().dstCid());
        assertEquals(VsockConnection.BUF_ALLOC, response.header().bufAlloc());
        return host;
    }

    @Test
    void describesASocketDeviceWithItsGuestCid() throws IOException {
        assertEquals(19, guest.device.deviceId());
        assertEquals(3, guest.device.queueCount());
        assertEquals(VirtioVsock.F_STREAM, guest.device.offeredFeatures());
        assertEquals(8, guest.device.configSize());
        try (VirtioVsock big = VirtioVsock.open(0xdead_beefL, dir.resolve("big.sock"))) {
            assertEquals(0xdead_beefL, big.readConfig(0, 4), "guest_cid, low half");
            assertEquals(0, big.readConfig(4, 4), "guest_cid, high half");
            assertEquals(0xbe, big.readConfig(1, 1));
        }
        assertThrows(IllegalArgumentException.class, () -> VirtioVsock.open(2, dir.resolve("host.sock")),
                "CID 2 is the host's");
    }

    @Test
    void guestConnectsToTheHostListenerAtPathUnderscorePortAndDataFlowsBothWays() throws IOException {
        try (ServerSocketChannel listener = hostListener(1234);
             SocketChannel host = guestConnects(listener, 5000, 1234)) {
            guest.send(header(5000, 1234, OP_RW, 0, 5, GUEST_BUF, 0), ascii("hello"));
            assertArrayEquals(ascii("hello"), readExactly(host, 5));

            host.write(ByteBuffer.wrap(ascii("world")));
            Packet p = guest.next();
            assertEquals(OP_RW, p.op());
            assertArrayEquals(ascii("world"), p.data());
            assertEquals(5, p.header().fwdCnt(), "the device passed on the guest's five bytes");
        }
    }

    @Test
    void hostConnectsThroughTheMainSocketWithConnectAndGetsOk() throws IOException {
        try (SocketChannel host = SocketChannel.open(UnixDomainSocketAddress.of(uds))) {
            host.write(ByteBuffer.wrap(ascii("CONNECT 52\n")));
            Packet request = guest.next();
            assertEquals(OP_REQUEST, request.op());
            assertEquals(52, request.header().dstPort());
            int hostPort = request.header().srcPort();
            assertTrue(Integer.toUnsignedLong(hostPort) >= 1 << 30, "an ephemeral host port");

            guest.send(header(52, hostPort, OP_RESPONSE, 0, 0, GUEST_BUF, 0));
            assertEquals("OK " + hostPort, readLine(host));

            host.write(ByteBuffer.wrap(ascii("ping")));
            Packet data = guest.next();
            assertEquals(OP_RW, data.op());
            assertArrayEquals(ascii("ping"), data.data());
            guest.send(header(52, hostPort, OP_RW, 0, 4, GUEST_BUF, 4), ascii("pong"));
            assertArrayEquals(ascii("pong"), readExactly(host, 4));
        }
    }

    @Test
    void aGuestRefusingTheHostsConnectionClosesTheHostClient() throws IOException {
        try (SocketChannel host = SocketChannel.open(UnixDomainSocketAddress.of(uds))) {
            host.write(ByteBuffer.wrap(ascii("CONNECT 7\n")));
            Packet request = guest.next();
            guest.send(header(7, request.header().srcPort(), OP_RST, 0, 0, 0, 0));
            assertNull(readLine(host), "EOF without an OK");
        }
    }

    @Test
    void aGuestThatNeverAnswersTheHostsRequestIsResetAndTheHostClientClosed() throws IOException {
        try (GuestVsock quick = new GuestVsock(VirtioVsock.open(GuestVsock.CID, dir.resolve("q.sock"), 200_000_000L));
             SocketChannel host = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("q.sock")))) {
            host.write(ByteBuffer.wrap(ascii("CONNECT 8\n")));
            Packet request = quick.next();
            assertEquals(OP_REQUEST, request.op());
            Packet reset = quick.next(); // no RESPONSE from the guest: after 200 ms the device gives up
            assertEquals(OP_RST, reset.op());
            assertEquals(request.header().srcPort(), reset.header().srcPort());
            assertNull(readLine(host), "EOF, and no OK");
        }
    }

    @Test
    void aMalformedRequestLineClosesTheHostClientAndTheGuestHearsNothing() throws IOException {
        for (String line : List.of("HELLO 5\n", "CONNECT\n", "CONNECT -1\n", "CONNECT 99999999999\n",
                "CONNECT 5 extra\n", "CONNECT " + "1".repeat(40) + "\n")) {
            try (SocketChannel host = SocketChannel.open(UnixDomainSocketAddress.of(uds))) {
                host.write(ByteBuffer.wrap(ascii(line)));
                assertTrue(closedByDevice(host), line);
            }
        }
        guest.expectNothing();
    }

    @Test
    void aGuestConnectionToAPortNobodyListensOnIsReset() {
        guest.send(header(4000, 9, OP_REQUEST, 0, 0, GUEST_BUF, 0));
        Packet p = guest.next();
        assertEquals(OP_RST, p.op());
        assertEquals(9, p.header().srcPort());
        assertEquals(4000, p.header().dstPort());
    }

    @Test
    void packetsForNoConnectionAreResetButResetsAreNotAnswered() {
        guest.send(header(4000, 9, OP_RW, 0, 3, GUEST_BUF, 0), ascii("abc"));
        assertEquals(OP_RST, guest.next().op());
        guest.send(header(4000, 9, OP_CREDIT_UPDATE, 0, 0, GUEST_BUF, 0));
        assertEquals(OP_RST, guest.next().op());
        guest.send(header(4000, 9, OP_RST, 0, 0, 0, 0));
        guest.expectNothing();
        assertNull(guest.driver.failure());
    }

    @Test
    void theHostClosingItsSocketEndsTheGuestsInputAndTheGuestsCloseIsAnsweredWithReset() throws IOException {
        try (ServerSocketChannel listener = hostListener(80)) {
            SocketChannel host = guestConnects(listener, 6000, 80);
            host.close();
            Packet p = guest.next();
            assertEquals(OP_SHUTDOWN, p.op());
            assertEquals(VsockHeader.SHUTDOWN_SEND, p.header().flags(), "no more data from the host");
            guest.send(header(6000, 80, OP_SHUTDOWN, VsockHeader.SHUTDOWN_BOTH, 0, GUEST_BUF, 0));
            assertEquals(OP_RST, guest.next().op(), "the clean disconnect ends with our RST");
            guest.send(header(6000, 80, OP_RW, 0, 1, GUEST_BUF, 0), ascii("x"));
            assertEquals(OP_RST, guest.next().op(), "the connection is gone");
        }
    }

    @Test
    void aHostThatOnlyShutsItsWritingSideStillGetsTheGuestsAnswer() throws IOException {
        try (ServerSocketChannel listener = hostListener(79);
             SocketChannel host = guestConnects(listener, 5999, 79)) {
            host.write(ByteBuffer.wrap(ascii("question")));
            host.shutdownOutput();
            assertArrayEquals(ascii("question"), guest.next().data());
            Packet eof = guest.next();
            assertEquals(OP_SHUTDOWN, eof.op());
            assertEquals(VsockHeader.SHUTDOWN_SEND, eof.header().flags());
            guest.send(header(5999, 79, OP_RW, 0, 6, GUEST_BUF, 8), ascii("answer"));
            assertArrayEquals(ascii("answer"), readExactly(host, 6));
            guest.send(header(5999, 79, OP_SHUTDOWN, VsockHeader.SHUTDOWN_BOTH, 0, GUEST_BUF, 8));
            assertEquals(OP_RST, guest.next().op());
            assertEquals(-1, host.read(ByteBuffer.allocate(1)), "then the host reads EOF");
        }
    }

    @Test
    void aGuestWritingToAHostThatClosedIsReset() throws IOException {
        try (ServerSocketChannel listener = hostListener(78)) {
            SocketChannel host = guestConnects(listener, 5998, 78);
            host.close();
            assertEquals(OP_SHUTDOWN, guest.next().op());
            guest.send(header(5998, 78, OP_RW, 0, 5, GUEST_BUF, 0), ascii("hello"));
            assertEquals(OP_RST, guest.next().op(), "writing to a closed Unix socket fails: the connection resets");
        }
    }

    @Test
    void theGuestClosingGivesTheHostEofAfterItsDataAndTheGuestItsReset() throws IOException {
        try (ServerSocketChannel listener = hostListener(81);
             SocketChannel host = guestConnects(listener, 6001, 81)) {
            guest.send(header(6001, 81, OP_RW, 0, 3, GUEST_BUF, 0), ascii("bye"));
            guest.send(header(6001, 81, OP_SHUTDOWN, VsockHeader.SHUTDOWN_BOTH, 0, GUEST_BUF, 0));
            assertArrayEquals(ascii("bye"), readExactly(host, 3));
            assertEquals(-1, host.read(ByteBuffer.allocate(1)), "EOF");
            assertEquals(OP_RST, guest.next().op());
        }
    }

    @Test
    void aGuestShuttingOnlyItsSendingSideStillReceives() throws IOException {
        try (ServerSocketChannel listener = hostListener(82);
             SocketChannel host = guestConnects(listener, 6002, 82)) {
            guest.send(header(6002, 82, OP_SHUTDOWN, VsockHeader.SHUTDOWN_SEND, 0, GUEST_BUF, 0));
            assertEquals(-1, host.read(ByteBuffer.allocate(1)), "the host reads EOF");
            host.write(ByteBuffer.wrap(ascii("still here")));
            Packet p = guest.next();
            assertEquals(OP_RW, p.op());
            assertArrayEquals(ascii("still here"), p.data());
        }
    }

    @Test
    void guestDataFarBeyondTheDevicesCreditArrivesWholeAsTheHostReads() throws Exception {
        byte[] blob = new byte[1 << 20];
        new java.util.Random(1).nextBytes(blob);
        try (ServerSocketChannel listener = hostListener(90);
             SocketChannel host = guestConnects(listener, 6010, 90)) {
            java.util.concurrent.CompletableFuture<byte[]> hostRead = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
                    ByteBuffer b = ByteBuffer.allocate(3000);
                    while (got.size() < blob.length) {
                        b.clear();
                        int n = host.read(b);
                        if (n < 0) {
                            break;
                        }
                        got.write(b.array(), 0, n);
                        Thread.sleep(0, 200_000); // a slow reader: the device must hold the guest back
                    }
                    return got.toByteArray();
                } catch (IOException | InterruptedException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            long devBufAlloc = VsockConnection.BUF_ALLOC;
            int devFwdCnt = 0;
            int sent = 0;
            int updates = 0;
            while (sent < blob.length) {
                long credit = devBufAlloc - (sent - devFwdCnt);
                if (credit == 0) {
                    Packet p = guest.next();
                    assertEquals(OP_CREDIT_UPDATE, p.op(), "only credit updates while the guest waits");
                    devFwdCnt = p.header().fwdCnt();
                    updates++;
                    continue;
                }
                int n = (int) Math.min(Math.min(credit, 4096), blob.length - sent);
                guest.send(header(6010, 90, OP_RW, 0, n, GUEST_BUF, 0), java.util.Arrays.copyOfRange(blob, sent, sent + n));
                guest.awaitTransmitted();
                sent += n;
            }
            assertArrayEquals(blob, hostRead.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(updates > 0, "the window was exhausted and reopened " + updates + " times");
        }
    }

    @Test
    void hostDataFarBeyondTheGuestsCreditIsSentOnlyAsTheGuestGrantsIt() throws Exception {
        byte[] blob = new byte[1 << 20];
        new java.util.Random(2).nextBytes(blob);
        int guestBuf = 16 * 1024;
        try (ServerSocketChannel listener = hostListener(91)) {
            guest.send(header(6011, 91, OP_REQUEST, 0, 0, guestBuf, 0));
            try (SocketChannel host = listener.accept()) {
                assertEquals(OP_RESPONSE, guest.next().op());
                java.util.concurrent.CompletableFuture<Void> hostWrite = java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        host.write(ByteBuffer.wrap(blob));
                    } catch (IOException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
                int fwdCnt = 0;
                int toldFwdCnt = 0;
                while (got.size() < blob.length) {
                    Packet p = guest.next();
                    assertEquals(OP_RW, p.op());
                    got.writeBytes(p.data());
                    assertTrue(got.size() - toldFwdCnt <= guestBuf,
                            "the device sent " + (got.size() - toldFwdCnt) + " bytes on a credit of " + guestBuf);
                    fwdCnt = got.size(); // the guest application reads at once
                    if (fwdCnt - toldFwdCnt >= guestBuf / 2) {
                        guest.send(header(6011, 91, OP_CREDIT_UPDATE, 0, 0, guestBuf, fwdCnt));
                        toldFwdCnt = fwdCnt;
                    }
                }
                hostWrite.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertArrayEquals(blob, got.toByteArray());
            }
        }
    }

    @Test
    void aCreditRequestIsAnsweredWithTheDevicesCredit() throws IOException {
        try (ServerSocketChannel listener = hostListener(83);
             SocketChannel host = guestConnects(listener, 6003, 83)) {
            guest.send(header(6003, 83, OP_CREDIT_REQUEST, 0, 0, GUEST_BUF, 0));
            Packet p = guest.next();
            assertEquals(OP_CREDIT_UPDATE, p.op());
            assertEquals(VsockConnection.BUF_ALLOC, p.header().bufAlloc());
            assertEquals(0, p.header().fwdCnt());
        }
    }

    @Test
    void sendingBeyondTheDevicesCreditResetsTheConnection() throws IOException {
        try (ServerSocketChannel listener = hostListener(84);
             SocketChannel host = guestConnects(listener, 6004, 84)) {
            int tooMuch = VsockConnection.BUF_ALLOC + 1;
            guest.send(header(6004, 84, OP_RW, 0, tooMuch, GUEST_BUF, 0), new byte[tooMuch]);
            assertEquals(OP_RST, guest.next().op());
            assertEquals(-1, host.read(ByteBuffer.allocate(1)), "the host sees the connection end");
        }
    }

    @Test
    void aHeaderSplitOverTwoBuffersIsOneHeader() throws IOException {
        try (ServerSocketChannel listener = hostListener(85)) {
            byte[] h = GuestVsock.bytes(header(6005, 85, OP_REQUEST, 0, 0, GUEST_BUF, 0));
            guest.sendRaw(List.of(java.util.Arrays.copyOf(h, 20), java.util.Arrays.copyOfRange(h, 20, 44)));
            try (SocketChannel host = listener.accept()) {
                assertEquals(OP_RESPONSE, guest.next().op());
            }
        }
    }

    @Test
    void badPacketsAreResetNotThrown() throws IOException {
        try (ServerSocketChannel listener = hostListener(86);
             SocketChannel host = guestConnects(listener, 6006, 86)) {
            // SEQPACKET on a device that offers only streams
            guest.send(new VsockHeader(GuestVsock.CID, 2, 6100, 86, 0, 2, OP_REQUEST, 0, GUEST_BUF, 0));
            assertEquals(OP_RST, guest.next().op());
            // a payload length past the end of the buffers resets the connection it names
            guest.send(header(6006, 86, OP_RW, 0, 100, GUEST_BUF, 0), ascii("short"));
            assertEquals(OP_RST, guest.next().op());
            assertEquals(-1, host.read(ByteBuffer.allocate(1)));
        }
        try (ServerSocketChannel listener = hostListener(87);
             SocketChannel host = guestConnects(listener, 6007, 87)) {
            guest.send(header(6007, 87, 99, 0, 0, GUEST_BUF, 0)); // no such operation
            assertEquals(OP_RST, guest.next().op());
        }
        // a destination that is not the host: reset, from that destination
        guest.send(new VsockHeader(GuestVsock.CID, 7, 6200, 1, 0, 1, OP_REQUEST, 0, GUEST_BUF, 0));
        Packet p = guest.next();
        assertEquals(OP_RST, p.op());
        assertEquals(7, p.header().srcCid());
        // a source CID that is not the guest's: dropped
        guest.send(new VsockHeader(99, 2, 6300, 1, 0, 1, OP_REQUEST, 0, GUEST_BUF, 0));
        guest.expectNothing();
        assertNull(guest.driver.failure());
    }

    @Test
    void aPacketShorterThanItsHeaderFailsTheDevice() {
        guest.sendRaw(List.of(new byte[43]));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (guest.driver.failure() == null && System.nanoTime() < deadline) {
            GuestVsock.sleep(1);
        }
        assertNotNull(guest.driver.failure());
        assertTrue(guest.driver.failure().contains("shorter than the 44-byte header"), guest.driver.failure());
    }

    @Test
    void aDriverResetClosesEveryHostSocket() throws IOException {
        try (ServerSocketChannel listener = hostListener(88);
             SocketChannel host = guestConnects(listener, 6008, 88)) {
            guest.device.reset();
            assertEquals(-1, host.read(ByteBuffer.allocate(1)));
        }
    }

    @Test
    void aTransportResetDropsConnectionsAndTellsTheDriverOnTheEventQueue() throws IOException {
        io.jqvm.virtio.DriverHarness.Chain event = guest.driver.send(VirtioVsock.EVENT, List.of(), 4);
        try (ServerSocketChannel listener = hostListener(89);
             SocketChannel host = guestConnects(listener, 6009, 89)) {
            guest.device.resetTransport();
            assertEquals(-1, host.read(ByteBuffer.allocate(1)));
            long deadline = System.nanoTime() + 5_000_000_000L;
            List<io.jqvm.virtio.testing.RingDriver.Used> used;
            while ((used = guest.driver.takeUsed(VirtioVsock.EVENT)).isEmpty() && System.nanoTime() < deadline) {
                GuestVsock.sleep(1);
            }
            assertEquals(List.of(new io.jqvm.virtio.testing.RingDriver.Used(event.head(), 4)), used);
            assertArrayEquals(new byte[4], guest.driver.writtenInto(VirtioVsock.EVENT, event, 4), "VIRTIO_VSOCK_EVENT_TRANSPORT_RESET is 0");
        }
    }

    @Test
    void theMainSocketRefusesAPathInUseOrNotASocketAndReplacesAStaleOne() throws IOException {
        IOException inUse = assertThrows(IOException.class, () -> VirtioVsock.open(3, uds));
        assertTrue(inUse.getMessage().contains("in use by another process"), inUse.getMessage());

        Path file = Files.writeString(dir.resolve("plain"), "x");
        IOException notSocket = assertThrows(IOException.class, () -> VirtioVsock.open(3, file));
        assertEquals(file + " exists and is not a socket", notSocket.getMessage());

        Path stale = dir.resolve("stale.sock");
        ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        old.bind(UnixDomainSocketAddress.of(stale));
        old.close(); // the file stays, nobody answers
        try (VirtioVsock again = VirtioVsock.open(3, stale)) {
            assertTrue(Files.exists(stale));
        }
    }
}
