package io.jqvm.host;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A Linux TAP interface attached through {@code /dev/net/tun}: one {@link #receive} or {@link #send} moves one
 * whole Ethernet frame, without the packet-information prefix (IFF_NO_PI). The descriptor is non-blocking and
 * waits happen in poll(2) together with an eventfd, so {@link #interrupt} can release a thread waiting in
 * either direction; after that, the owner stops using the device and {@link #close}s it.
 *
 * <p>One thread may receive and another send at the same time; each direction has its own poll set.
 */
public final class TapDevice implements AutoCloseable {
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    /** The virtio-net header (with num_buffers, which a TAP ignores) that precedes each frame with IFF_VNET_HDR. */
    public static final int VNET_HEADER = 12;
    /** TUNSETOFFLOAD flags: the reader accepts partial checksums, TCP segmentation for IPv4, IPv6, with ECN. */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;
    /** IFNAMSIZ, including the terminating NUL. */
    public static final int NAME_LIMIT = 16;
    private static final long IFREQ_BYTES = 40;
    private static final long FLAGS_OFFSET = 16;
    private static final long POLLFD_BYTES = 8;

    private final String name;
    private final int fd;
    private final int wakeFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment receivePoll;
    private final MemorySegment sendPoll;
    private final MemorySegment wakeValue;
    private volatile boolean interrupted;

    private TapDevice(String name, int fd, int wakeFd) {
        this.name = name;
        this.fd = fd;
        this.wakeFd = wakeFd;
        this.receivePoll = pollSet(Libc.POLLIN);
        this.sendPoll = pollSet(Libc.POLLOUT);
        this.wakeValue = arena.allocate(ValueLayout.JAVA_LONG);
        wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    private MemorySegment pollSet(short events) {
        MemorySegment set = arena.allocate(2 * POLLFD_BYTES, 8);
        set.set(ValueLayout.JAVA_INT, 0, fd);
        set.set(ValueLayout.JAVA_SHORT, 4, events);
        set.set(ValueLayout.JAVA_INT, POLLFD_BYTES, wakeFd);
        set.set(ValueLayout.JAVA_SHORT, POLLFD_BYTES + 4, Libc.POLLIN);
        return set;
    }

    /**
     * Attaches to the TAP interface {@code name}; with {@code vnetHeader} every frame read or written is preceded by
     * a {@link #VNET_HEADER}-byte virtio-net header (checksum and segmentation offloads, see {@link #setOffload}).
     * Throws {@link HostException} naming the failing call: EPERM without CAP_NET_ADMIN on an interface the user
     * does not own, EBUSY when another process holds it, EINVAL when the flags do not match a persistent interface's.
     */
    public static TapDevice open(String name, boolean vnetHeader) {
        if (name.isEmpty() || name.length() >= NAME_LIMIT) {
            throw new IllegalArgumentException("interface name '" + name + "' must have 1 to " + (NAME_LIMIT - 1) + " characters");
        }
        int fd = Libc.open("/dev/net/tun", Libc.O_RDWR | Libc.O_NONBLOCK);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ifreq = a.allocate(IFREQ_BYTES, 8);
            byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            MemorySegment.copy(bytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, bytes.length);
            ifreq.set(ValueLayout.JAVA_SHORT, FLAGS_OFFSET, (short) (IFF_TAP | IFF_NO_PI | (vnetHeader ? IFF_VNET_HDR : 0)));
            Libc.ioctl(fd, TUNSETIFF, ifreq, "TUNSETIFF(" + name + ")");
            if (vnetHeader) {
                Libc.ioctl(fd, TUNSETVNETHDRSZ, a.allocateFrom(ValueLayout.JAVA_INT, VNET_HEADER), "TUNSETVNETHDRSZ(" + name + ")");
            }
            return new TapDevice(name, fd, Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK));
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /** Tells the kernel which offloads the reader accepts ({@code TUN_F_*} flags; 0: complete frames only). */
    public void setOffload(int flags) {
        Libc.ioctl(fd, TUNSETOFFLOAD, (long) flags, "TUNSETOFFLOAD(" + name + ")");
    }

    /**
     * Waits for the next frame and copies it into {@code buffer}; returns its length, or -1 once interrupted.
     * A frame longer than the buffer is truncated by the kernel (the buffer should hold the largest frame).
     */
    public int receive(MemorySegment buffer) {
        while (!interrupted) {
            long n = Libc.read(fd, buffer, buffer.byteSize());
            if (n >= 0) {
                return (int) n;
            }
            if (n == -Libc.EAGAIN) {
                Libc.poll(receivePoll, 2, -1);
            }
        }
        return -1;
    }

    /**
     * Sends one frame; waits while the interface's queue is full. Returns false once interrupted; throws
     * {@link HostException} when the kernel refuses the frame (EINVAL for a malformed virtio-net header, EIO).
     */
    public boolean send(MemorySegment frame) {
        while (!interrupted) {
            long n = Libc.write(fd, frame, frame.byteSize());
            if (n >= 0) {
                return true; // a TAP write takes the whole frame or fails
            }
            if (n == -Libc.EAGAIN) {
                Libc.poll(sendPoll, 2, -1);
            }
        }
        return false;
    }

    /** Releases every thread waiting in {@link #receive} or {@link #send}, now and later. */
    public void interrupt() {
        interrupted = true;
        Libc.write(wakeFd, wakeValue, 8);
    }

    /** Closes the interface's descriptor; call after the threads using it have returned. */
    @Override
    public void close() {
        interrupted = true;
        Libc.close(fd);
        Libc.close(wakeFd);
        arena.close();
    }
}
