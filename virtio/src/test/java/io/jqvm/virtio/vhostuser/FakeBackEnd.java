package io.jqvm.virtio.vhostuser;

import io.jqvm.host.Libc;
import io.jqvm.host.UnixSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A vhost-user back end in the test's own process, on the far end of a socketpair: it reads each request and
 * answers what {@link Answers} says, well-behaved by default. It keeps the requests and the descriptors that
 * came with them (closed by {@link #close}).
 */
final class FakeBackEnd implements AutoCloseable {
    static final long DEVICE_BITS = (1L << 1) | (1L << 2) | (1L << 6) | (1L << 9) | (1L << 11) | (1L << 22);
    static final long FEATURES = VhostUserDevice.REQUIRED | VhostUserProtocol.F_PROTOCOL_FEATURES | DEVICE_BITS;
    static final long PROTOCOL = VhostUserProtocol.PROTOCOL_F_REPLY_ACK | VhostUserProtocol.PROTOCOL_F_CONFIG
            | (1L << 0);
    /** The capacity (in 512-byte sectors) the well-behaved back end reports in its virtio-blk configuration. */
    static final long CAPACITY = 0x12345;

    /** One request as received. */
    record Request(int code, int flags, byte[] payload, List<Integer> fds) {
        ByteBuffer body() {
            return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** The bytes to send back for a request (null: nothing); {@link #proper} answers as the protocol says. */
    @FunctionalInterface
    interface Answers {
        byte[] answer(Request r);
    }

    final UnixSocket front;
    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Descriptors sent along with every reply (a back end that passes what it should not). */
    volatile int[] attachToReplies = new int[0];
    private final UnixSocket back;
    private final Thread thread;

    FakeBackEnd(Answers answers) {
        UnixSocket[] pair = UnixSocket.pair();
        front = pair[0];
        back = pair[1];
        thread = Thread.ofPlatform().daemon().name("fake-vhost-user").start(() -> serve(answers));
    }

    FakeBackEnd() {
        this(FakeBackEnd::proper);
    }

    private void serve(Answers answers) {
        try {
            while (true) {
                List<Integer> fds = new ArrayList<>();
                byte[] header = read(12, fds);
                if (header == null) {
                    return;
                }
                ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
                int code = h.getInt();
                int flags = h.getInt();
                int size = h.getInt();
                byte[] payload = read(size, fds);
                if (payload == null) {
                    return;
                }
                Request r = new Request(code, flags, payload, fds);
                requests.add(r);
                byte[] reply = answers.answer(r);
                if (reply != null) {
                    back.send(reply, attachToReplies);
                }
            }
        } catch (RuntimeException e) {
            // the front end went away: the test looks at what was received
        }
    }

    private byte[] read(int length, List<Integer> fds) {
        byte[] b = new byte[length];
        int have = 0;
        while (have < length) {
            int n = back.receive(b, have, length - have, fds, -1);
            if (n <= 0) {
                return null;
            }
            have += n;
        }
        return b;
    }

    /** The well-behaved answers: features, protocol features, a blk configuration, vring bases and acks. */
    static byte[] proper(Request r) {
        return switch (r.code()) {
            case VhostUserProtocol.GET_FEATURES -> reply(r.code(), le(8).putLong(FEATURES).array());
            case VhostUserProtocol.GET_PROTOCOL_FEATURES -> reply(r.code(), le(8).putLong(PROTOCOL).array());
            case VhostUserProtocol.GET_CONFIG -> {
                int size = r.body().getInt(4);
                ByteBuffer b = le(12 + size).putInt(0).putInt(size).putInt(0).putLong(CAPACITY);
                yield reply(r.code(), b.array());
            }
            case VhostUserProtocol.GET_VRING_BASE -> reply(r.code(), le(8).putInt(r.body().getInt(0)).putInt(0).array());
            default -> (r.flags() & VhostUserProtocol.FLAG_NEED_REPLY) != 0 ? reply(r.code(), le(8).putLong(0).array()) : null;
        };
    }

    static byte[] reply(int code, byte[] payload) {
        return le(12 + payload.length).putInt(code).putInt(VhostUserProtocol.FLAG_VERSION | VhostUserProtocol.FLAG_REPLY)
                .putInt(payload.length).put(payload).array();
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The first request with {@code code}, or an assertion error. */
    Request first(int code) {
        return requests.stream().filter(r -> r.code() == code).findFirst()
                .orElseThrow(() -> new AssertionError("no " + VhostUserConnection.name(code) + " among " + requests.stream()
                        .map(r -> VhostUserConnection.name(r.code())).toList()));
    }

    /** Ends the connection from the back end's side, as a crashing back end does. */
    void hangUp() {
        back.shutdown();
    }

    @Override
    public void close() throws InterruptedException {
        back.shutdown();
        thread.join(10_000);
        back.close();
        front.close();
        requests.forEach(r -> r.fds().forEach(Libc::close));
    }
}
