package io.jqvm.devices.chardev;

import io.jqvm.common.Log;
import io.jqvm.common.TerminalLine;
import io.jqvm.host.Libc;
import io.jqvm.host.Terminal;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The VM's standard input and output as a console. When stdin is a terminal it is put in raw mode while a
 * device reads it (every key, Ctrl-C and Ctrl-D included, reaches the guest; {@link ConsoleKeys} are jqvm's)
 * and its settings are put back when the device closes, or by a shutdown hook on any other way out of the
 * JVM (an uncaught error, {@code System.exit} elsewhere, a signal the JVM handles). Input is read through
 * poll, so that closing the device ends the reader rather than leaving it to swallow the next VM's keys.
 */
final class StdioConsole {
    private static final int STDIN = 0;
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    private static final int POLL_MILLIS = 100;

    /** The stdin terminal's settings before raw mode; null while stdin is not in raw mode. */
    private static Terminal saved;
    private static boolean hookInstalled;

    private StdioConsole() {
    }

    /** The VM's stdout; when it is the terminal the log also writes to, it reports its line to {@link TerminalLine}. */
    static Endpoint.Sink output() {
        Endpoint.Sink out = ChannelEndpoint.sink(new FileOutputStream(FileDescriptor.out), false);
        boolean shared = Terminal.of(STDOUT).isPresent() && Terminal.of(STDERR).isPresent();
        TerminalLine.shared(shared);
        if (!shared) {
            return out;
        }
        return new Endpoint.Sink() {
            @Override
            public void write(byte[] buffer, int length) throws IOException {
                out.write(buffer, length);
                TerminalLine.wrote(buffer, length);
            }

            @Override
            public void close() throws IOException {
                TerminalLine.shared(false);
                out.close();
            }
        };
    }

    /** The VM's stdin; on a terminal, raw and with the escape keys, {@code quit} being what Ctrl-A x does. */
    static Endpoint.Source input(Runnable quit) {
        Optional<Terminal> terminal = Terminal.of(STDIN);
        ConsoleKeys keys = null;
        if (terminal.isPresent()) {
            enterRaw(terminal.get());
            keys = new ConsoleKeys(quit, System.err);
        }
        return new Input(keys);
    }

    private static synchronized void enterRaw(Terminal before) {
        if (saved != null) {
            return;
        }
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(StdioConsole::restore, "jqvm-terminal-restore"));
            hookInstalled = true;
        }
        before.raw().apply();
        saved = before;
    }

    /** Puts the terminal back as it was before raw mode; does nothing when it is not raw. */
    static synchronized void restore() {
        if (saved == null) {
            return;
        }
        try {
            saved.apply();
        } catch (RuntimeException e) {
            Log.warn("cannot restore the terminal settings: " + e.getMessage());
        }
        saved = null;
    }

    /** Reads fd 0 a chunk at a time, waiting in poll so that {@link #close} is noticed. */
    private static final class Input implements Endpoint.Source {
        private final ConsoleKeys keys;
        private final Arena arena = Arena.ofAuto();
        private final MemorySegment pollFd = arena.allocate(8);
        private final MemorySegment chunk = arena.allocate(512);
        private volatile boolean closed;

        Input(ConsoleKeys keys) {
            this.keys = keys;
        }

        @Override
        public int read(byte[] buffer) throws IOException {
            if (closed) {
                return -1;
            }
            pollFd.set(JAVA_INT, 0, STDIN);
            pollFd.set(JAVA_SHORT, 4, Libc.POLLIN);
            pollFd.set(JAVA_SHORT, 6, (short) 0);
            try {
                if (Libc.poll(pollFd, 1, POLL_MILLIS) <= 0) {
                    return 0;
                }
                long n = Libc.read(STDIN, chunk, Math.min(buffer.length, chunk.byteSize()));
                if (n < 0) {
                    return 0;
                }
                if (n == 0) {
                    return -1;
                }
                MemorySegment.copy(chunk, JAVA_BYTE, 0, buffer, 0, (int) n);
                return keys == null ? (int) n : keys.filter(buffer, (int) n);
            } catch (io.jqvm.host.HostException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            closed = true;
            if (keys != null) {
                restore();
            }
        }
    }
}
