package io.jqvm.host;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A connected Unix stream socket that carries file descriptors with its bytes (SCM_RIGHTS), which Java's own
 * {@code SocketChannel} cannot: vhost-user passes guest RAM and eventfds this way. Sending never blocks (a
 * peer that stops reading makes {@link #send} fail instead of hanging the caller); receiving waits at most the
 * time given. Descriptors received are close-on-exec and become the caller's to close.
 */
public final class UnixSocket implements AutoCloseable {
    /** At most this many descriptors travel with one message (vhost-user's limit for a memory table). */
    public static final int MAX_FDS = 32;
    private static final long SOCKADDR_UN_SIZE = 110; // sa_family_t + 108 bytes of path
    private static final long MSGHDR_SIZE = 56;
    private static final long CMSG_HEADER = 16;

    private final int fd;
    private volatile boolean closed;

    private UnixSocket(int fd) {
        this.fd = fd;
    }

    /** Connects to the listening socket at {@code path}; throws {@link HostException} (ENOENT, ECONNREFUSED…). */
    public static UnixSocket connect(Path path) {
        checkPath(path);
        int fd = Libc.unixStreamSocket();
        try (Arena a = Arena.ofConfined()) {
            Libc.connect(fd, address(a, path), path.toString());
            return new UnixSocket(fd);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * A socket listening at {@code path} (which must not exist), whose connections {@link #accept} returns: a
     * vhost-user back end's. Throws {@link HostException} (EADDRINUSE, EACCES…).
     */
    public static UnixSocket listen(Path path) {
        int fd = Libc.unixStreamSocket();
        try (Arena a = Arena.ofConfined()) {
            Libc.bindAndListen(fd, address(a, path), path.toString(), 4);
            return new UnixSocket(fd);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * On a listening socket: the next connection, waiting at most {@code timeoutMs} (negative: for ever); null
     * when none came in time or the socket was shut down.
     */
    public UnixSocket accept(int timeoutMs) {
        if (!readable(timeoutMs)) {
            return null;
        }
        int c = Libc.accept(fd);
        return c < 0 ? null : new UnixSocket(c);
    }

    /** Two connected sockets (socketpair): a back end in the same process, as tests use. */
    public static UnixSocket[] pair() {
        int[] fds = Libc.unixStreamSocketPair();
        return new UnixSocket[] {new UnixSocket(fds[0]), new UnixSocket(fds[1])};
    }

    /** Adopts an already connected socket descriptor (one a listener accepted, say). */
    public static UnixSocket adopt(int fd) {
        return new UnixSocket(fd);
    }

    /**
     * Sends all of {@code data}, with {@code fds} attached to its first byte. Throws {@link HostException} when
     * the peer is gone (EPIPE, ECONNRESET) or its receive buffer is full (EAGAIN: it stopped reading).
     */
    public void send(byte[] data, int... fds) {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException(fds.length + " descriptors in one message; at most " + MAX_FDS);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buffer = a.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, data.length);
            long sent = 0;
            int[] attach = fds;
            while (sent < data.length) {
                MemorySegment msg = message(a, buffer.asSlice(sent), attach.length);
                if (attach.length > 0) {
                    MemorySegment control = msg.get(ValueLayout.ADDRESS, 32).reinterpret(cmsgSpace(attach.length));
                    control.set(ValueLayout.JAVA_LONG, 0, CMSG_HEADER + 4L * attach.length);
                    control.set(ValueLayout.JAVA_INT, 8, Libc.SOL_SOCKET);
                    control.set(ValueLayout.JAVA_INT, 12, Libc.SCM_RIGHTS);
                    for (int i = 0; i < attach.length; i++) {
                        control.set(ValueLayout.JAVA_INT, CMSG_HEADER + 4L * i, attach[i]);
                    }
                }
                long n = Libc.sendmsg(fd, msg, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
                if (n == -Libc.EAGAIN) {
                    throw new HostException("sendmsg (the peer stopped reading)", Libc.EAGAIN);
                }
                if (n > 0) {
                    sent += n;
                    attach = new int[0]; // the descriptors went with the first bytes
                }
            }
        }
    }

    /**
     * Receives up to {@code length} bytes into {@code into} at {@code offset}, waiting at most {@code timeoutMs}.
     * Descriptors that came with them are added to {@code fds}. Returns the byte count, 0 at end of stream, or
     * -1 when nothing arrived in time. A message that carried more descriptors than {@link #MAX_FDS} throws
     * (the kernel closed the extra ones: the peer does not speak the protocol).
     */
    public int receive(byte[] into, int offset, int length, List<Integer> fds, int timeoutMs) {
        if (!readable(timeoutMs)) {
            return -1;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buffer = a.allocate(Math.max(1, length));
            MemorySegment msg = message(a, buffer.asSlice(0, length), MAX_FDS);
            long n;
            do {
                n = Libc.recvmsg(fd, msg, Libc.MSG_CMSG_CLOEXEC | Libc.MSG_DONTWAIT);
            } while (n == -Libc.EINTR);
            if (n == -Libc.EAGAIN) {
                return -1;
            }
            List<Integer> received = descriptors(msg);
            if ((msg.get(ValueLayout.JAVA_INT, 48) & Libc.MSG_CTRUNC) != 0) {
                received.forEach(Libc::close);
                throw new HostException("recvmsg (more than " + MAX_FDS + " descriptors in one message)", Libc.EPERM);
            }
            fds.addAll(received);
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, offset, (int) n);
            return (int) n;
        }
    }

    /** True when a receive would not block (data, end of stream or an error), waiting at most {@code timeoutMs}. */
    public boolean readable(int timeoutMs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pollfd = a.allocate(8);
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, Libc.POLLIN);
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            while (true) {
                int wait = timeoutMs < 0 ? -1 : (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
                int n = Libc.poll(pollfd, 1, wait);
                if (n != -Libc.EINTR) {
                    return n > 0;
                }
            }
        }
    }

    public int fd() {
        return fd;
    }

    /** Ends the connection for both directions: a thread polling or receiving on it wakes up to end of stream. */
    public synchronized void shutdown() {
        if (!closed) { // once closed, the number may already belong to another descriptor
            Libc.shutdown(fd);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }

    private static void checkPath(Path path) {
        if (path.toString().getBytes(StandardCharsets.UTF_8).length >= SOCKADDR_UN_SIZE - 2) {
            throw new IllegalArgumentException("socket path longer than 107 bytes: " + path);
        }
    }

    /** A {@code struct sockaddr_un} for {@code path}. */
    private static MemorySegment address(Arena a, Path path) {
        checkPath(path);
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        MemorySegment address = a.allocate(SOCKADDR_UN_SIZE);
        address.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_UNIX);
        MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 2, name.length);
        return address;
    }

    private static long cmsgSpace(int fds) {
        return CMSG_HEADER + ((4L * fds + 7) & ~7L);
    }

    /** A {@code struct msghdr} over one buffer, with room for {@code fds} descriptors of control data. */
    private static MemorySegment message(Arena a, MemorySegment buffer, int fds) {
        MemorySegment iov = a.allocate(16, 8);
        iov.set(ValueLayout.ADDRESS, 0, buffer);
        iov.set(ValueLayout.JAVA_LONG, 8, buffer.byteSize());
        MemorySegment msg = a.allocate(MSGHDR_SIZE, 8);
        msg.set(ValueLayout.ADDRESS, 16, iov);
        msg.set(ValueLayout.JAVA_LONG, 24, 1);
        if (fds > 0) {
            MemorySegment control = a.allocate(cmsgSpace(fds), 8);
            msg.set(ValueLayout.ADDRESS, 32, control);
            msg.set(ValueLayout.JAVA_LONG, 40, control.byteSize());
        }
        return msg;
    }

    /** The SCM_RIGHTS descriptors in a received message's control data. */
    private static List<Integer> descriptors(MemorySegment msg) {
        List<Integer> fds = new ArrayList<>();
        long controlLength = msg.get(ValueLayout.JAVA_LONG, 40);
        if (controlLength == 0) {
            return fds;
        }
        MemorySegment control = msg.get(ValueLayout.ADDRESS, 32).reinterpret(controlLength);
        long at = 0;
        while (at + CMSG_HEADER <= controlLength) {
            long length = control.get(ValueLayout.JAVA_LONG, at);
            if (length < CMSG_HEADER || at + length > controlLength) {
                break;
            }
            if (control.get(ValueLayout.JAVA_INT, at + 8) == Libc.SOL_SOCKET
                    && control.get(ValueLayout.JAVA_INT, at + 12) == Libc.SCM_RIGHTS) {
                for (long p = CMSG_HEADER; p + 4 <= length; p += 4) {
                    fds.add(control.get(ValueLayout.JAVA_INT, at + p));
                }
            }
            at += (length + 7) & ~7L;
        }
        return fds;
    }
}
