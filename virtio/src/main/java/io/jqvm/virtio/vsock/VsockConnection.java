package io.jqvm.virtio.vsock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One stream between a guest vsock port and a host Unix socket, with the credit accounting of virtio 1.2
 * §5.10.6.3 in both directions. Owned by the device thread; nothing here blocks.
 *
 * <p>Guest to host: the guest may send at most {@link #BUF_ALLOC} bytes that the host has not yet taken
 * ({@code rxCnt - fwdCnt}); they wait in {@link #toHost}, so every connection's buffering is bounded.
 * Host to guest: the device reads from the host socket only as much as the guest's advertised credit
 * ({@code peerBufAlloc - (txCnt - peerFwdCnt)}) allows, so host data waits in the host's socket buffer.
 */
final class VsockConnection {
    /** What this end tells the guest it can hold for the host socket. */
    static final int BUF_ALLOC = 128 * 1024;

    enum State {
        /** A host client connected to the main socket; we sent REQUEST and wait for the guest's RESPONSE. */
        HOST_REQUESTED,
        /** The guest sent REQUEST; we are connecting to the host's {@code PATH_port}. */
        GUEST_REQUESTED,
        ESTABLISHED
    }

    final int hostPort;
    final int guestPort;
    final SocketChannel channel;
    SelectionKey key;
    State state;
    /** When our pending REQUEST gives up waiting for the guest's answer (System.nanoTime), or 0. */
    long deadline;

    // guest -> host
    private final ByteBuffer toHost;
    private int rxCnt;
    private int fwdCnt;
    private int lastToldFwdCnt;
    private int lineBytesPending; // bytes of the "OK port\n" line at the front of toHost, outside the credit
    boolean guestSendDone;        // the guest said SHUTDOWN SEND: once toHost drains, end the host's input
    boolean guestReceiveDone;     // the guest said SHUTDOWN RCV: read no more from the host
    boolean hostInputEnded;       // we shut the host socket's output after the guest's SHUTDOWN SEND
    boolean creditUpdateQueued;

    // host -> guest
    private int txCnt;
    private int peerBufAlloc;
    private int peerFwdCnt;
    boolean hostEof;

    VsockConnection(int hostPort, int guestPort, SocketChannel channel, State state) {
        this.hostPort = hostPort;
        this.guestPort = guestPort;
        this.channel = channel;
        this.state = state;
        this.toHost = ByteBuffer.allocate(BUF_ALLOC + 16);
    }

    static long key(int hostPort, int guestPort) {
        return (Integer.toUnsignedLong(hostPort) << 32) | Integer.toUnsignedLong(guestPort);
    }

    long key() {
        return key(hostPort, guestPort);
    }

    /** Takes the guest's credit from any packet it sent on this connection. */
    void peerCredit(VsockHeader h) {
        peerBufAlloc = h.bufAlloc();
        peerFwdCnt = h.fwdCnt();
    }

    /** Bytes the guest can still take from us. */
    long credit() {
        long inFlight = Integer.toUnsignedLong(txCnt - peerFwdCnt);
        return Math.max(0, Integer.toUnsignedLong(peerBufAlloc) - inFlight);
    }

    void sentToGuest(int n) {
        txCnt += n;
    }

    /** Fills this end's credit into a header about to go to the guest, and remembers what the guest now knows. */
    VsockHeader withCredit(long guestCid, int op, int flags, int len) {
        lastToldFwdCnt = fwdCnt;
        creditUpdateQueued = false;
        return new VsockHeader(VirtioVsock.HOST_CID, guestCid, hostPort, guestPort, len, VsockHeader.TYPE_STREAM, op,
                flags, BUF_ALLOC, fwdCnt);
    }

    /** Bytes the guest may still send before the host takes some. */
    int room() {
        return BUF_ALLOC - (rxCnt - fwdCnt);
    }

    /** Queues the {@code OK port} answer of the main socket's protocol for the host client. */
    void queueLine(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        toHost.put(bytes);
        lineBytesPending += bytes.length;
    }

    /** The buffer the guest's payload is copied into; the caller accounts it with {@link #received}. */
    ByteBuffer toHost() {
        return toHost;
    }

    void received(int n) {
        rxCnt += n;
    }

    boolean hasDataForHost() {
        return toHost.position() > 0;
    }

    /** Writes what waits for the host without blocking; returns false when the host socket failed. */
    boolean flushToHost() {
        if (toHost.position() == 0) {
            return true;
        }
        toHost.flip();
        int written;
        try {
            written = channel.write(toHost);
        } catch (IOException e) {
            return false;
        } finally {
            toHost.compact();
        }
        int line = Math.min(written, lineBytesPending);
        lineBytesPending -= line;
        fwdCnt += written - line;
        return true;
    }

    /**
     * Whether to tell the guest of freed room now: when the room it knows of fell below half the buffer and
     * the host has taken more since, so a guest that ran out of credit always hears of new room.
     */
    boolean wantsCreditUpdate() {
        int knownRoom = BUF_ALLOC - (rxCnt - lastToldFwdCnt);
        return fwdCnt != lastToldFwdCnt && knownRoom < BUF_ALLOC / 2;
    }

    /** Whether the host socket should be read: the stream is open that way and the guest has credit. */
    boolean wantsHostInput() {
        return state == State.ESTABLISHED && !hostEof && !guestReceiveDone && credit() > 0;
    }

    void close() {
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            // closing a socket we are done with: nothing left to recover
        }
    }

    @Override
    public String toString() {
        return "vsock host port " + Integer.toUnsignedString(hostPort) + " <-> guest port "
                + Integer.toUnsignedString(guestPort);
    }
}
