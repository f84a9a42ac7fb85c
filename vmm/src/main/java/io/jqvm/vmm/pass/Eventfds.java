package io.jqvm.vmm.pass;

import io.jqvm.host.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The eventfd and poll plumbing pass-through interrupts share: signal, drain, wait for one of several. */
public final class Eventfds {
    private Eventfds() {
    }

    /** A new non-blocking eventfd. */
    public static int create() {
        return Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
    }

    /** Adds one to the counter (wakes its reader). */
    public static void signal(int fd) {
        writeLong(fd, 1);
    }

    /** Reads and resets the counter of a readable eventfd; 0 when it was not signalled (EAGAIN). */
    public static long drain(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(8);
            long n = Libc.read(fd, value, 8);
            return n == 8 ? value.get(ValueLayout.JAVA_LONG, 0) : 0;
        }
    }

    public static void writeLong(int fd, long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buffer = a.allocate(8);
            buffer.set(ValueLayout.JAVA_LONG, 0, value);
            Libc.write(fd, buffer, 8);
        }
    }

    /**
     * Waits until one of {@code fds} is readable (or reports an error or hang-up) and returns a bit mask of those
     * that are, bit i for {@code fds[i]}.
     */
    public static int await(int... fds) {
        boolean[] ready = await(fds, new boolean[fds.length]);
        int mask = 0;
        for (int i = 0; i < fds.length; i++) {
            mask |= ready[i] ? 1 << i : 0;
        }
        return mask;
    }

    /** As {@link #await(int...)} for any number of descriptors: {@code ready[i]} says whether {@code fds[i]} is. */
    public static boolean[] await(int[] fds, boolean[] ready) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pollfds = a.allocate(8L * fds.length, 4);
            for (int i = 0; i < fds.length; i++) {
                pollfds.set(ValueLayout.JAVA_INT, 8L * i, fds[i]);
                pollfds.set(ValueLayout.JAVA_SHORT, 8L * i + 4, Libc.POLLIN);
            }
            while (Libc.poll(pollfds, fds.length, -1) < 0) {
                // EINTR: wait again
            }
            for (int i = 0; i < fds.length; i++) {
                ready[i] = pollfds.get(ValueLayout.JAVA_SHORT, 8L * i + 6) != 0;
            }
            return ready;
        }
    }
}
