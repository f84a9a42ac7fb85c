package io.jqvm.devices.chardev;

import io.jqvm.common.Log;
import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.host.Terminal;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code hostdev pty}: a new pseudo-terminal pair. jqvm keeps the master; the slave's path
 * ({@code /dev/pts/N}) is logged for a terminal program to open. The line is put in raw mode, as a serial
 * line is: no echo, no line editing, no CR/LF translation.
 *
 * <p>Allocated the way posix_openpt/grantpt/unlockpt/ptsname do on Linux, through the host module's
 * open and ioctl: open {@code /dev/ptmx}, TIOCSPTLCK to unlock, TIOCGPTN for the number.
 */
final class Pty implements Endpoint.Source, Endpoint.Sink {
    private static final int O_NOCTTY = 0x100;
    private static final long TIOCGPTN = 0x80045430L;
    private static final long TIOCSPTLCK = 0x40045431L;
    private static final int EIO = 5;
    /** How long to wait before reading again while no terminal has the slave open. */
    private static final long NO_PEER_RETRY_MILLIS = 200;

    private final int master;
    private final String slavePath;
    private volatile boolean closed;

    Pty() {
        master = Libc.open("/dev/ptmx", Libc.O_RDWR | O_NOCTTY);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment number = arena.allocate(ValueLayout.JAVA_INT);
            number.set(ValueLayout.JAVA_INT, 0, 0);
            Libc.ioctl(master, TIOCSPTLCK, number, "ioctl(TIOCSPTLCK)");
            Libc.ioctl(master, TIOCGPTN, number, "ioctl(TIOCGPTN)");
            slavePath = "/dev/pts/" + number.get(ValueLayout.JAVA_INT, 0);
            Terminal.ofTerminal(master).serialLine().apply(); // the pair shares one termios
        } catch (HostException e) {
            Libc.close(master);
            throw e;
        }
    }

    String slavePath() {
        return slavePath;
    }

    @Override
    public int read(byte[] buffer) throws IOException {
        if (closed) {
            return -1; // the descriptor number may already belong to another file
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(buffer.length);
            long n = Libc.read(master, b, buffer.length);
            if (n < 0) {
                return 0; // EINTR or EAGAIN: try again
            }
            MemorySegment.copy(b, ValueLayout.JAVA_BYTE, 0, buffer, 0, (int) n);
            return n == 0 ? -1 : (int) n;
        } catch (HostException e) {
            if (e.errno() == EIO && !closed) {
                // No terminal has the slave open (yet, or any more): wait for one.
                pause();
                return 0;
            }
            throw new IOException(e.getMessage(), e);
        }
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(NO_PEER_RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    @Override
    public void write(byte[] buffer, int length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(length);
            MemorySegment.copy(buffer, 0, b, ValueLayout.JAVA_BYTE, 0, length);
            long done = 0;
            while (done < length) {
                long n = Libc.write(master, b.asSlice(done), length - done);
                if (n > 0) {
                    done += n;
                }
            }
        } catch (HostException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                Libc.close(master);
            } catch (HostException e) {
                Log.warn("closing pty " + slavePath + ": " + e.getMessage());
            }
        }
    }
}
