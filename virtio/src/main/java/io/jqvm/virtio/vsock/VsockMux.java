package io.jqvm.virtio.vsock;

import static io.jqvm.virtio.vsock.VsockHeader.OP_CREDIT_REQUEST;
import static io.jqvm.virtio.vsock.VsockHeader.OP_CREDIT_UPDATE;
import static io.jqvm.virtio.vsock.VsockHeader.OP_REQUEST;
import static io.jqvm.virtio.vsock.VsockHeader.OP_RESPONSE;
import static io.jqvm.virtio.vsock.VsockHeader.OP_RST;
import static io.jqvm.virtio.vsock.VsockHeader.OP_RW;
import static io.jqvm.virtio.vsock.VsockHeader.OP_SHUTDOWN;

import io.jqvm.common.Log;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.vsock.VsockConnection.State;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packet protocol of virtio-vsock (virtio 1.2 §5.10.6) between the guest's queues and host Unix sockets:
 * connection set-up both ways, data under credit flow control, shutdown and reset. Runs on the device thread
 * only, under {@link VirtioVsock}'s lock.
 *
 * <p>Guest mistakes are answered as the spec asks: a packet for no connection, of an unknown type or
 * operation, or breaking its connection's credit gets RST; a packet shorter than its header, or a receive
 * buffer too small for one, breaks the queue protocol itself and fails the device.
 */
final class VsockMux {
    static final int MAX_CONNECTIONS = 128;
    /** Largest payload per packet, Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE. */
    static final int MAX_PAYLOAD = 64 * 1024;
    /** Replies waiting for receive buffers; beyond this the transmit queue waits (back-pressure on the guest). */
    static final int MAX_BACKLOG = 256;
    /**
     * How long the guest has to answer our REQUEST before we reset the connection. Firecracker allows 2 s; a
     * guest on the software CPU under load can be slower, and waiting costs only a slot.
     */
    static final long ANSWER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private final long answerTimeoutNanos;
    static final int EVENT_TRANSPORT_RESET = 0;

    /** A header-only packet to the guest, built when a receive buffer is free. */
    private record Reply(long srcCid, int hostPort, int guestPort, int op, int flags) {
    }

    private final long guestCid;
    private final Path uds;
    private final Selector selector;
    private final HostListener listener;
    private final HostListener.Requests requests = new HostListener.Requests() {
        @Override
        public boolean full() {
            return connections.size() + listener.handshakes() >= MAX_CONNECTIONS;
        }

        @Override
        public void connect(SelectionKey key, SocketChannel channel, int port) {
            hostConnect(key, channel, port);
        }
    };
    private final Map<Long, VsockConnection> connections = new HashMap<>();
    private final ArrayDeque<Reply> replies = new ArrayDeque<>();
    /** Connections whose host socket reported input not yet read. */
    private final LinkedHashSet<VsockConnection> hostReadable = new LinkedHashSet<>();
    private final byte[] header = new byte[VsockHeader.SIZE];
    private final ByteBuffer payload = ByteBuffer.allocate(MAX_PAYLOAD);
    private final MemorySegment payloadSegment = MemorySegment.ofBuffer(payload);
    private DeviceQueues queues;
    private boolean failed;
    private boolean transportResetPending;
    private int nextHostPort = 1 << 30;
    private final boolean[] used = new boolean[3];

    VsockMux(long guestCid, Path uds, Selector selector, HostListener listener, long answerTimeoutNanos) {
        this.answerTimeoutNanos = answerTimeoutNanos;
        this.guestCid = guestCid;
        this.uds = uds;
        this.selector = selector;
        this.listener = listener;
    }

    void activate(DeviceQueues q) {
        queues = q;
        failed = false;
    }

    /** The driver reset the device: its sockets are gone, so are ours (the host sees EOF). */
    void reset() {
        closeAll();
        queues = null;
        failed = false;
        transportResetPending = false;
    }

    void resetTransport() {
        closeAll();
        transportResetPending = true;
    }

    void closeAll() {
        connections.values().forEach(VsockConnection::close);
        connections.clear();
        listener.dropHandshakes();
        hostReadable.clear();
        replies.clear();
    }

    // ---- host sockets ----

    /** A selected key: a client on the main socket, a request line, a connect finishing, input or room. */
    void ready(SelectionKey key) {
        if (listener.owns(key)) {
            listener.ready(key, requests);
        } else if (key.attachment() instanceof VsockConnection c) {
            if (key.isConnectable()) {
                finishConnect(c);
            }
            if (key.isValid() && key.isReadable()) {
                hostReadable.add(c);
            }
            if (key.isValid() && key.isWritable()) {
                flush(c);
            }
        }
    }

    /** A host client asked for guest port {@code port}: ask the guest, from a fresh host port. */
    private void hostConnect(SelectionKey key, SocketChannel channel, int port) {
        VsockConnection c = new VsockConnection(freeHostPort(port), port, channel, State.HOST_REQUESTED);
        c.key = key;
        key.attach(c);
        c.deadline = System.nanoTime() + answerTimeoutNanos;
        connections.put(c.key(), c);
        reply(c, OP_REQUEST, 0);
    }

    private int freeHostPort(int guestPort) {
        while (connections.containsKey(VsockConnection.key(nextHostPort, guestPort))) {
            nextHostPort++;
        }
        return nextHostPort++;
    }

    private void finishConnect(VsockConnection c) {
        try {
            if (c.channel.finishConnect()) {
                established(c);
            }
        } catch (IOException e) {
            Log.debug(() -> "virtio-vsock: " + c + ": connecting the host socket failed: " + e.getMessage());
            reset(c);
        }
    }

    private void established(VsockConnection c) {
        c.state = State.ESTABLISHED;
        c.deadline = 0;
        reply(c, OP_RESPONSE, 0);
    }

    /**
     * Writes what waits for the host. Once the guest has said it sends no more and all it sent is out, the
     * host's input ends (EOF); and when the host's output has ended too, or the guest will not receive either,
     * the connection is over: RST answers the guest's SHUTDOWN, as virtio 1.2 §5.10.6.5's clean disconnect asks.
     */
    private void flush(VsockConnection c) {
        if (!c.flushToHost()) {
            Log.debug(() -> "virtio-vsock: " + c + ": the host socket closed while the guest was sending");
            reset(c);
            return;
        }
        if (c.wantsCreditUpdate() && !c.creditUpdateQueued) {
            c.creditUpdateQueued = true;
            reply(c, OP_CREDIT_UPDATE, 0);
        }
        if (c.guestSendDone && !c.hasDataForHost()) {
            if (c.guestReceiveDone || c.hostEof) {
                reset(c);
                return;
            }
            if (!c.hostInputEnded) {
                c.hostInputEnded = true;
                try {
                    c.channel.shutdownOutput();
                } catch (IOException e) {
                    reset(c);
                }
            }
        }
    }

    // ---- queues ----

    /** Serves the queues and timeouts; returns how long the selector may sleep (0: until woken). */
    long serve() {
        long next = expireDeadlines(); // first, so the resets it queues go out in this round
        if (queues != null && !failed) {
            try {
                boolean backlogged;
                do { // replies sent make room for the packets the backlog held back
                    backlogged = transmit();
                    sendEvents();
                    receive();
                } while (backlogged && replies.size() < MAX_BACKLOG);
            } catch (VirtqueueException e) {
                fail(e.getMessage());
            }
            for (int q = 0; q < used.length; q++) {
                if (used[q]) {
                    used[q] = false;
                    queues.notifyUsed(q);
                }
            }
        }
        updateInterest();
        return next == 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()) + 1);
    }

    /** A host-side bug surfaced: the device stops, as for a guest's protocol error, until the driver resets it. */
    void internalError(String what) {
        closeAll();
        if (queues != null && !failed) {
            fail("internal error: " + what);
        }
    }

    private void fail(String why) {
        failed = true;
        queues.fail("virtio-vsock: " + why);
    }

    /**
     * Packets from the guest, as long as the replies they cause have room to wait; returns true when it
     * stopped for want of that room.
     */
    private boolean transmit() throws VirtqueueException {
        Virtqueue tx = queues.queue(VirtioVsock.TX);
        if (tx == null) {
            return false; // queues the driver did not enable carry nothing
        }
        while (true) {
            if (replies.size() >= MAX_BACKLOG) {
                return true;
            }
            DescriptorChain chain = tx.pop();
            if (chain == null) {
                return false;
            }
            if (chain.read(0, header, 0, VsockHeader.SIZE) < VsockHeader.SIZE) {
                throw new VirtqueueException("transmitted packet of " + chain.readableLength()
                        + " readable bytes is shorter than the " + VsockHeader.SIZE + "-byte header");
            }
            fromGuest(VsockHeader.decode(header), chain);
            tx.addUsed(chain, 0);
            used[VirtioVsock.TX] = true;
        }
    }

    private void fromGuest(VsockHeader h, DescriptorChain chain) {
        if (h.srcCid() != guestCid) {
            Log.debug(() -> "virtio-vsock: dropped a packet claiming to come from CID " + h.srcCid());
            return;
        }
        if (h.op() == OP_RST && !connections.containsKey(VsockConnection.key(h.dstPort(), h.srcPort()))) {
            return; // never answer a reset with a reset
        }
        if (h.dstCid() != VirtioVsock.HOST_CID || h.type() != VsockHeader.TYPE_STREAM) {
            replies.add(new Reply(h.dstCid(), h.dstPort(), h.srcPort(), OP_RST, 0));
            return;
        }
        VsockConnection c = connections.get(VsockConnection.key(h.dstPort(), h.srcPort()));
        if (h.op() == OP_REQUEST) {
            if (c != null) {
                reset(c); // a second REQUEST on a live connection: both ends start over
            } else {
                guestConnect(h);
            }
            return;
        }
        if (c == null) {
            replies.add(new Reply(VirtioVsock.HOST_CID, h.dstPort(), h.srcPort(), OP_RST, 0));
            return;
        }
        c.peerCredit(h);
        switch (h.op()) {
            case OP_RST -> {
                Log.debug(() -> "virtio-vsock: " + c + ": the guest reset it (" + c.state + ")");
                remove(c);
            }
            case OP_RESPONSE -> {
                if (c.state != State.HOST_REQUESTED) {
                    Log.debug(() -> "virtio-vsock: " + c + ": RESPONSE in state " + c.state + ", resetting");
                    reset(c);
                    return;
                }
                c.state = State.ESTABLISHED;
                c.deadline = 0;
                c.queueLine("OK " + Integer.toUnsignedString(c.hostPort) + "\n");
                flush(c);
            }
            case OP_RW -> data(c, h, chain);
            case OP_CREDIT_UPDATE -> { } // the credit itself was all it carried
            case OP_CREDIT_REQUEST -> reply(c, OP_CREDIT_UPDATE, 0);
            case OP_SHUTDOWN -> shutdown(c, h.flags());
            default -> reset(c);
        }
    }

    private void data(VsockConnection c, VsockHeader h, DescriptorChain chain) {
        long len = Integer.toUnsignedLong(h.len());
        if (c.state != State.ESTABLISHED || c.guestSendDone || len > c.room()
                || len > chain.readableLength() - VsockHeader.SIZE) {
            Log.debug(() -> "virtio-vsock: " + c + ": RW of " + len + " bytes breaks the protocol, resetting");
            reset(c);
            return;
        }
        ByteBuffer to = c.toHost();
        chain.read(VsockHeader.SIZE, to.array(), to.position(), (int) len);
        to.position(to.position() + (int) len);
        c.received((int) len);
        flush(c);
    }

    private void shutdown(VsockConnection c, int flags) {
        c.guestReceiveDone |= (flags & VsockHeader.SHUTDOWN_RCV) != 0;
        c.guestSendDone |= (flags & VsockHeader.SHUTDOWN_SEND) != 0;
        if (c.guestReceiveDone) {
            hostReadable.remove(c);
        }
        flush(c);
    }

    private void guestConnect(VsockHeader h) {
        Path path = HostListener.portPath(uds, h.dstPort());
        if (requests.full()) {
            Log.warn("virtio-vsock " + uds + ": " + MAX_CONNECTIONS + " connections open, refusing the guest's to " + path);
            replies.add(new Reply(VirtioVsock.HOST_CID, h.dstPort(), h.srcPort(), OP_RST, 0));
            return;
        }
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.configureBlocking(false);
            boolean done = channel.connect(UnixDomainSocketAddress.of(path));
            VsockConnection c = new VsockConnection(h.dstPort(), h.srcPort(), channel, State.GUEST_REQUESTED);
            c.peerCredit(h);
            c.key = channel.register(selector, done ? 0 : SelectionKey.OP_CONNECT, c);
            connections.put(c.key(), c);
            if (done) {
                established(c);
            }
        } catch (IOException | RuntimeException e) {
            // Nobody listens at PATH_port (or the path is unusable): the guest's connect() is refused.
            Log.debug(() -> "virtio-vsock: guest connection to " + path + " refused: " + e.getMessage());
            if (channel != null) {
                closeQuietly(channel);
            }
            replies.add(new Reply(VirtioVsock.HOST_CID, h.dstPort(), h.srcPort(), OP_RST, 0));
        }
    }

    private void sendEvents() throws VirtqueueException {
        if (!transportResetPending) {
            return;
        }
        Virtqueue events = queues.queue(VirtioVsock.EVENT);
        DescriptorChain chain = events == null ? null : events.pop();
        if (chain == null) {
            return;
        }
        if (chain.writableLength() < 4) {
            throw new VirtqueueException("event buffer of " + chain.writableLength() + " writable bytes, want 4");
        }
        chain.write(0, new byte[] {EVENT_TRANSPORT_RESET, 0, 0, 0}, 0, 4);
        events.addUsed(chain, 4);
        used[VirtioVsock.EVENT] = true;
        transportResetPending = false;
    }

    /** Replies first, then host data, while the guest has receive buffers. */
    private void receive() throws VirtqueueException {
        Virtqueue rx = queues.queue(VirtioVsock.RX);
        while (rx != null && (!replies.isEmpty() || !hostReadable.isEmpty())) {
            VsockConnection source = replies.isEmpty() ? nextReadable() : null;
            if (replies.isEmpty() && source == null) {
                return;
            }
            DescriptorChain chain = rx.pop();
            if (chain == null) {
                return;
            }
            if (chain.writableLength() < VsockHeader.SIZE) {
                throw new VirtqueueException("receive buffer of " + chain.writableLength()
                        + " writable bytes cannot hold the " + VsockHeader.SIZE + "-byte header");
            }
            int written = source == null ? sendReply(chain) : sendData(source, chain);
            if (written == 0) {
                rx.undoPop();
                continue;
            }
            rx.addUsed(chain, written);
            used[VirtioVsock.RX] = true;
        }
    }

    /** The first connection with host input the guest can take, or null. */
    private VsockConnection nextReadable() {
        for (VsockConnection c : hostReadable) {
            if (c.wantsHostInput()) {
                return c;
            }
        }
        return null;
    }

    private int sendReply(DescriptorChain chain) {
        Reply r = replies.poll();
        VsockConnection c = connections.get(VsockConnection.key(r.hostPort(), r.guestPort()));
        VsockHeader h;
        if (c != null && r.op() != OP_RST) {
            h = c.withCredit(guestCid, r.op(), r.flags(), 0);
        } else if (r.op() == OP_CREDIT_UPDATE) {
            return 0; // the connection ended while the update waited
        } else {
            h = new VsockHeader(r.srcCid(), guestCid, r.hostPort(), r.guestPort(), 0, VsockHeader.TYPE_STREAM,
                    r.op(), r.flags(), 0, 0);
        }
        h.encode(header);
        chain.write(0, header, 0, VsockHeader.SIZE);
        return VsockHeader.SIZE;
    }

    /** One RW packet of host input, or 0 when the host socket had none after all. */
    private int sendData(VsockConnection c, DescriptorChain chain) {
        long room = Math.min(chain.writableLength() - VsockHeader.SIZE, Math.min(c.credit(), MAX_PAYLOAD));
        if (room == 0) {
            hostReadable.remove(c); // a header-sized buffer carries no data; replies will use it
            return 0;
        }
        payload.clear().limit((int) room);
        int n;
        try {
            n = c.channel.read(payload);
        } catch (IOException e) {
            n = -1;
        }
        if (n <= 0) {
            hostReadable.remove(c);
            if (n < 0) {
                hostClosed(c);
            }
            return 0;
        }
        hostReadable.remove(c);
        hostReadable.add(c); // to the back: connections take turns
        c.withCredit(guestCid, OP_RW, 0, n).encode(header);
        chain.write(0, header, 0, VsockHeader.SIZE);
        chain.write(VsockHeader.SIZE, payloadSegment, 0, n);
        c.sentToGuest(n);
        return VsockHeader.SIZE + n;
    }

    /**
     * The host's output ended: the guest hears SHUTDOWN with SEND (no more data from us). A Unix socket does
     * not tell a close from a half-close, so the guest may still send: a host that only shut its writing
     * side gets the answer, and one that closed makes the next write fail, which resets the connection.
     */
    private void hostClosed(VsockConnection c) {
        c.hostEof = true;
        reply(c, OP_SHUTDOWN, VsockHeader.SHUTDOWN_SEND);
        flush(c); // the guest may have finished sending already: then the connection is over
    }

    // ---- connection bookkeeping ----

    private void reply(VsockConnection c, int op, int flags) {
        replies.add(new Reply(VirtioVsock.HOST_CID, c.hostPort, c.guestPort, op, flags));
    }

    /** Ends a connection on both sides: RST to the guest, EOF to the host. */
    private void reset(VsockConnection c) {
        reply(c, OP_RST, 0);
        remove(c);
    }

    private void remove(VsockConnection c) {
        connections.remove(c.key());
        hostReadable.remove(c);
        c.close();
    }

    /** Resets connections whose guest did not answer in time; returns the next deadline, or 0 for none. */
    private long expireDeadlines() {
        long now = System.nanoTime();
        long next = 0;
        for (VsockConnection c : List.copyOf(connections.values())) {
            if (c.deadline == 0) {
                continue;
            }
            if (now - c.deadline >= 0) {
                Log.debug(() -> "virtio-vsock: " + c + ": the guest did not answer in time, resetting");
                reset(c);
            } else if (next == 0 || c.deadline - next < 0) {
                next = c.deadline;
            }
        }
        return next;
    }

    private void updateInterest() {
        for (VsockConnection c : connections.values()) {
            if (c.state == State.GUEST_REQUESTED || !c.key.isValid()) {
                continue;
            }
            int ops = 0;
            if (c.wantsHostInput() && !hostReadable.contains(c)) {
                ops |= SelectionKey.OP_READ;
            }
            if (c.hasDataForHost()) {
                ops |= SelectionKey.OP_WRITE;
            }
            if (c.key.interestOps() != ops) { // each change costs an epoll_ctl at the next select
                c.key.interestOps(ops);
            }
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // a socket we are abandoning: nothing to recover
        }
    }
}
