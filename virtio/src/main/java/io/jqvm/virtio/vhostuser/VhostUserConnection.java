package io.jqvm.virtio.vhostuser;

import static io.jqvm.virtio.vhostuser.VhostUserProtocol.FLAG_NEED_REPLY;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.FLAG_REPLY;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.FLAG_VERSION;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.HEADER_SIZE;

import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.host.UnixSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The front end's side of one vhost-user connection (QEMU's docs/interop/vhost-user.rst): 12-byte headers
 * (request, flags, payload size) and little-endian payloads, file descriptors as SCM_RIGHTS. Everything the
 * back end sends is checked: a reply must answer the request just made, carry the reply flag and version 1,
 * and have the payload size the request expects; anything else, silence longer than the reply timeout, or the
 * connection closing, is a {@link VhostUserException}. Descriptors a reply should not carry are closed.
 *
 * <p>Not thread-safe: the device makes its requests from one thread at a time (under its transport's lock).
 */
final class VhostUserConnection implements AutoCloseable {
    /** No request of ours has a reply longer than a configuration space (GET_CONFIG's 12 bytes + 256). */
    static final int MAX_REPLY = VhostUserProtocol.CONFIG_HEADER_SIZE + VhostUserProtocol.MAX_CONFIG_SIZE;

    private final UnixSocket socket;
    private final String peer;
    private final int timeoutMs;
    private boolean replyAck;

    VhostUserConnection(UnixSocket socket, String peer, int timeoutMs) {
        this.socket = socket;
        this.peer = peer;
        this.timeoutMs = timeoutMs;
    }

    UnixSocket socket() {
        return socket;
    }

    /** From now on requests without a reply of their own ask for an acknowledgement (REPLY_ACK negotiated). */
    void useReplyAck() {
        replyAck = true;
    }

    /** A request whose reply is a u64 (GET_FEATURES, GET_PROTOCOL_FEATURES). */
    long getU64(int request) throws VhostUserException {
        send(request, 0, new byte[0]);
        return ByteBuffer.wrap(reply(request, 8, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** A request without a reply of its own; acknowledged when REPLY_ACK was negotiated. */
    void set(int request, byte[] payload, int... fds) throws VhostUserException {
        send(request, replyAck ? FLAG_NEED_REPLY : 0, payload, fds);
        if (replyAck) {
            long status = ByteBuffer.wrap(reply(request, 8, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (status != 0) {
                throw new VhostUserException(peer + " refused " + name(request) + " (status " + status + ")");
            }
        }
    }

    /** A request with a reply payload of between {@code min} and {@code max} bytes (GET_VRING_BASE, GET_CONFIG). */
    byte[] call(int request, byte[] payload, int min, int max) throws VhostUserException {
        send(request, 0, payload);
        return reply(request, min, max);
    }

    /** A request whose reply carries exactly one descriptor (GET_INFLIGHT_FD); the descriptor is the caller's. */
    Reply callForDescriptor(int request, byte[] payload, int size) throws VhostUserException {
        send(request, 0, payload);
        List<Integer> kept = new ArrayList<>();
        byte[] body = reply(request, size, size, kept);
        if (kept.size() != 1) {
            kept.forEach(Libc::close);
            throw new VhostUserException(peer + ": reply to " + name(request) + " came with " + kept.size()
                    + " descriptors (one expected)");
        }
        return new Reply(body, kept.getFirst());
    }

    /** A reply's payload and the descriptor that came with it. */
    record Reply(byte[] payload, int fd) {
    }

    private void send(int request, int flags, byte[] payload, int... fds) throws VhostUserException {
        try {
            socket.send(VhostUserProtocol.message(request, flags, payload), fds);
        } catch (HostException e) {
            throw new VhostUserException(peer + ": cannot send " + name(request) + ": " + e.getMessage());
        }
    }

    private byte[] reply(int request, int min, int max) throws VhostUserException {
        return reply(request, min, max, null);
    }

    /** A checked reply; descriptors that come with it go to {@code keep} (closed when null or on failure). */
    private byte[] reply(int request, int min, int max, List<Integer> keep) throws VhostUserException {
        try {
            return checkedReply(request, min, max, keep);
        } catch (VhostUserException e) {
            if (keep != null) {
                keep.forEach(Libc::close);
                keep.clear();
            }
            throw e;
        }
    }

    private byte[] checkedReply(int request, int min, int max, List<Integer> keep) throws VhostUserException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        ByteBuffer header = ByteBuffer.wrap(receive(request, HEADER_SIZE, deadline, keep)).order(ByteOrder.LITTLE_ENDIAN);
        int answered = header.getInt();
        int flags = header.getInt();
        int size = header.getInt();
        if (answered != request) {
            throw new VhostUserException(peer + " answered " + name(answered) + " to " + name(request));
        }
        if ((flags & 0x3) != FLAG_VERSION || (flags & FLAG_REPLY) == 0) {
            throw new VhostUserException(peer + ": reply to " + name(request) + " with flags 0x" + Integer.toHexString(flags)
                    + " (version 1 and the reply flag expected)");
        }
        if (size < min || size > max || size > MAX_REPLY) {
            throw new VhostUserException(peer + ": reply to " + name(request) + " of " + Integer.toUnsignedString(size)
                    + " bytes (expected " + (min == max ? min : min + " to " + max) + ")");
        }
        return receive(request, size, deadline, keep);
    }

    /** Exactly {@code length} bytes before the deadline; descriptors that come along go to {@code keep}, or are closed. */
    private byte[] receive(int request, int length, long deadline, List<Integer> keep) throws VhostUserException {
        byte[] into = new byte[length];
        int have = 0;
        while (have < length) {
            int wait = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
            List<Integer> fds = new ArrayList<>();
            int n;
            try {
                n = socket.receive(into, have, length - have, fds, wait);
            } catch (HostException e) {
                throw new VhostUserException(peer + ": reply to " + name(request) + ": " + e.getMessage());
            } finally {
                if (keep != null) {
                    keep.addAll(fds);
                } else {
                    fds.forEach(Libc::close);
                }
            }
            if (n == 0) {
                throw new VhostUserException(peer + " closed the connection instead of answering " + name(request));
            }
            if (n < 0) {
                throw new VhostUserException(peer + " did not answer " + name(request) + " within " + timeoutMs + " ms");
            }
            have += n;
        }
        return into;
    }

    static String name(int request) {
        return VhostUserProtocol.name(request);
    }

    @Override
    public void close() {
        socket.close();
    }
}
