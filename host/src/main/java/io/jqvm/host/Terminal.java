package io.jqvm.host;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A terminal's settings (the kernel's {@code struct termios}, read and written with the TCGETS and TCSETS
 * ioctls rather than the C library's tcgetattr, so no further downcalls are needed). Used to put the VM's
 * console in raw mode the way QEMU's stdio backend does, to put back exactly what was there before, and to
 * make a {@code hostdev pty} line a raw serial line. The one home of jqvm's termios handling.
 */
public final class Terminal {
    private static final long TCGETS = 0x5401;
    private static final long TCSETSW = 0x5403;
    private static final int ENOTTY = 25;
    /** The kernel's struct termios: four tcflag_t, c_line, c_cc[19]. */
    private static final int SIZE = 36;
    private static final int IFLAG = 0;
    private static final int OFLAG = 4;
    private static final int CFLAG = 8;
    private static final int LFLAG = 12;
    private static final int CC = 17;
    private static final int VTIME = 5;
    private static final int VMIN = 6;

    private static final int IGNBRK = 0x1;
    private static final int BRKINT = 0x2;
    private static final int PARMRK = 0x8;
    private static final int ISTRIP = 0x20;
    private static final int INLCR = 0x40;
    private static final int IGNCR = 0x80;
    private static final int ICRNL = 0x100;
    private static final int IXON = 0x400;
    private static final int OPOST = 0x1;
    private static final int ISIG = 0x1;
    private static final int ICANON = 0x2;
    private static final int ECHO = 0x8;
    private static final int ECHONL = 0x40;
    private static final int IEXTEN = 0x8000;
    private static final int CSIZE = 0x30;
    private static final int CS8 = 0x30;
    private static final int PARENB = 0x100;

    private static final ValueLayout.OfInt JAVA_INT_UNALIGNED = JAVA_INT.withByteAlignment(1);

    private final int fd;
    private final byte[] settings;

    private Terminal(int fd, byte[] settings) {
        this.fd = fd;
        this.settings = settings;
    }

    /** The settings of {@code fd} now, or empty when it is not a terminal. */
    public static Optional<Terminal> of(int fd) {
        return read(fd, ENOTTY);
    }

    /** The settings of {@code fd}, which must be a terminal (a pseudo-terminal master, say). */
    public static Terminal ofTerminal(int fd) {
        return read(fd).orElseThrow();
    }

    private static Optional<Terminal> read(int fd, int... tolerated) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(SIZE);
            if (Libc.ioctl(fd, TCGETS, t, "ioctl(TCGETS)", tolerated) < 0) {
                return Optional.empty();
            }
            return Optional.of(new Terminal(fd, t.toArray(JAVA_BYTE)));
        }
    }

    /**
     * These settings made raw, as QEMU's {@code -serial stdio}: no line editing, no echo, no signal keys
     * (Ctrl-C and Ctrl-Z are bytes for the guest), 8-bit input unchanged, one byte at a time; output
     * processing stays on, so a log line's newline still returns the carriage.
     */
    public Terminal raw() {
        return raw(true);
    }

    /**
     * These settings made raw as a serial line, as the C library's cfmakeraw: {@link #raw()} with output
     * processing off too, so the bytes the guest writes reach the other end unchanged.
     */
    public Terminal serialLine() {
        return raw(false);
    }

    private Terminal raw(boolean outputProcessing) {
        byte[] raw = settings.clone();
        MemorySegment t = MemorySegment.ofArray(raw);
        and(t, IFLAG, ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON));
        if (outputProcessing) {
            or(t, OFLAG, OPOST);
        } else {
            and(t, OFLAG, ~OPOST);
        }
        and(t, LFLAG, ~(ECHO | ECHONL | ICANON | IEXTEN | ISIG));
        and(t, CFLAG, ~(CSIZE | PARENB));
        or(t, CFLAG, CS8);
        raw[CC + VMIN] = 1;
        raw[CC + VTIME] = 0;
        return new Terminal(fd, raw);
    }

    /** Applies these settings once the output queued so far is written (TCSETSW). */
    public void apply() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(SIZE);
            t.copyFrom(MemorySegment.ofArray(settings));
            Libc.ioctl(fd, TCSETSW, t, "ioctl(TCSETSW)");
        }
    }

    /** True when both hold the same settings (the test of "restored as it was"). */
    public boolean sameAs(Terminal other) {
        return Arrays.equals(settings, other.settings);
    }

    private static void and(MemorySegment t, int offset, int mask) {
        t.set(JAVA_INT_UNALIGNED, offset, t.get(JAVA_INT_UNALIGNED, offset) & mask);
    }

    private static void or(MemorySegment t, int offset, int bits) {
        t.set(JAVA_INT_UNALIGNED, offset, t.get(JAVA_INT_UNALIGNED, offset) | bits);
    }
}
