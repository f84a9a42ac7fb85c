package io.jqvm.embed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A VM's console as a program sees it: what the configuration's {@code hostdev -} and {@code >-} would connect to
 * the jqvm command's terminal. The guest's output is kept (the last {@value #KEPT_BYTES} bytes) so that it can be
 * read as a stream from its start, waited for, or followed line by line; input is written to {@link #input()}.
 * Nothing here touches the process's stdin or stdout.
 */
public final class GuestConsole {
    /** How much output is kept; a reader that falls further behind skips to the oldest byte kept. */
    static final int KEPT_BYTES = 8 << 20;
    /** How much typed input waits for the guest before a writer has to wait too (as a terminal's buffer). */
    static final int INPUT_BYTES = 64 << 10;

    private final String vmName;
    private final List<Consumer<String>> lineListeners = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream partialLine = new ByteArrayOutputStream();
    private final InputPipe keyboard = new InputPipe();
    // Guarded by this: the kept output, bytes [base, base + length) of everything the guest wrote.
    private byte[] kept = new byte[4096];
    private int length;
    private long base;
    private long mark;
    private boolean ended;

    GuestConsole(String vmName) {
        this.vmName = vmName;
    }

    /** The guest's output from the oldest byte kept; ends (-1) once the VM is closed and all is read. */
    public InputStream output() {
        return new OutputReader();
    }

    /** Everything the guest wrote that is kept, as UTF-8 text. */
    public synchronized String text() {
        return new String(kept, 0, length, StandardCharsets.UTF_8);
    }

    /**
     * Calls {@code listener} with every line the guest writes from now on (without its line break), on the
     * console's output thread: it must return quickly.
     */
    public void onLine(Consumer<String> listener) {
        lineListeners.add(listener);
    }

    /** The guest's keyboard: what is written here is the guest's console input. */
    public OutputStream input() {
        return keyboard.writer;
    }

    /** Types {@code line} and Enter (a line feed, which a terminal's Enter becomes in the guest's tty). */
    public void type(String line) throws IOException {
        OutputStream in = input();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /**
     * Waits until the guest writes {@code text} after what the previous {@code waitFor} matched, and returns the
     * output from there up to and including it.
     *
     * @throws TimeoutException when it does not come within {@code timeout}, or the VM ends without it; the
     *                          message holds the end of the output
     */
    public synchronized String waitFor(String text, Duration timeout) throws TimeoutException, InterruptedException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long from = Math.max(mark, base);
            int at = indexOf(needle, (int) (from - base));
            if (at >= 0) {
                int end = at + needle.length;
                mark = base + end;
                return new String(kept, (int) (from - base), end - (int) (from - base), StandardCharsets.UTF_8);
            }
            long left = deadline - System.nanoTime();
            if (ended || left <= 0) {
                throw new TimeoutException(vmName + ": " + quote(text) + " did not come " + (ended
                        ? "before the VM ended" : "within " + timeout.toMillis() + " ms") + "; the output ends with:\n"
                        + tail());
            }
            long millis = Math.max(1, left / 1_000_000);
            wait(millis);
        }
    }

    private int indexOf(byte[] needle, int from) {
        outer:
        for (int i = from; i <= length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (kept[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private String tail() {
        int start = Math.max(0, length - 2000);
        return new String(kept, start, length - start, StandardCharsets.UTF_8);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }

    /** Where the guest's output device writes (its host output thread). */
    OutputStream guestOutput() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int count) {
                append(bytes, offset, count);
                lines(bytes, offset, count);
            }
        };
    }

    /** Where the guest's input device reads: a new reader each time the device opens (after a reset, say). */
    InputStream guestInput() {
        return keyboard.reader();
    }

    private synchronized void append(byte[] bytes, int offset, int count) {
        if (length + count > kept.length) {
            if (length + count > KEPT_BYTES) {
                int drop = Math.min(length, length + count - KEPT_BYTES / 2);
                System.arraycopy(kept, drop, kept, 0, length - drop);
                length -= drop;
                base += drop;
            }
            if (length + count > kept.length) {
                byte[] bigger = new byte[Math.max(length + count, Math.min(KEPT_BYTES, kept.length * 2))];
                System.arraycopy(kept, 0, bigger, 0, length);
                kept = bigger;
            }
        }
        int skip = Math.max(0, count - (kept.length - length)); // more than is kept at once: its end
        System.arraycopy(bytes, offset + skip, kept, length, count - skip);
        base += skip;
        length += count - skip;
        notifyAll();
    }

    /** On the output thread only. */
    private void lines(byte[] bytes, int offset, int count) {
        if (lineListeners.isEmpty()) {
            return;
        }
        for (int i = offset; i < offset + count; i++) {
            if (bytes[i] != '\n') {
                partialLine.write(bytes[i]);
                continue;
            }
            String line = partialLine.toString(StandardCharsets.UTF_8);
            partialLine.reset();
            String withoutReturn = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            for (Consumer<String> l : lineListeners) {
                l.accept(withoutReturn);
            }
        }
    }

    /** The VM is closed: readers and waiters see the end; writers to the keyboard get an error. */
    void end() {
        synchronized (this) {
            ended = true;
            notifyAll();
        }
        keyboard.close();
    }

    /** Reads the kept output at its own position. */
    private final class OutputReader extends InputStream {
        private long position;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int count) throws IOException {
            if (count == 0) {
                return 0;
            }
            synchronized (GuestConsole.this) {
                while (position >= base + length && !ended) {
                    try {
                        GuestConsole.this.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for the guest's output");
                    }
                }
                position = Math.max(position, base);
                int available = (int) (base + length - position);
                if (available == 0) {
                    return -1;
                }
                int n = Math.min(count, available);
                System.arraycopy(kept, (int) (position - base), into, offset, n);
                position += n;
                return n;
            }
        }

        @Override
        public synchronized int available() {
            synchronized (GuestConsole.this) {
                return (int) Math.max(0, base + length - Math.max(position, base));
            }
        }
    }

    /**
     * The keyboard: a bounded buffer between the program's writes and the guest's input device. A writer waits
     * while it is full (the guest does not read); closing it ends both sides.
     */
    private static final class InputPipe {
        private final byte[] ring = new byte[INPUT_BYTES];
        private int head;
        private int count;
        private boolean closed;

        final OutputStream writer = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int n) throws IOException {
                put(bytes, offset, n);
            }
        };

        /** A reader for one opening of the guest's input device; closing it ends its reads, not the pipe. */
        InputStream reader() {
            return new InputStream() {
                private boolean readerClosed;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] into, int offset, int n) throws IOException {
                    synchronized (InputPipe.this) {
                        while (count == 0 && !closed && !readerClosed) {
                            try {
                                InputPipe.this.wait();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new InterruptedIOException("interrupted while waiting for console input");
                            }
                        }
                        return readerClosed || count == 0 ? -1 : take(into, offset, n);
                    }
                }

                @Override
                public void close() {
                    synchronized (InputPipe.this) {
                        readerClosed = true;
                        InputPipe.this.notifyAll();
                    }
                }
            };
        }

        private synchronized void put(byte[] bytes, int offset, int n) throws IOException {
            for (int i = 0; i < n; i++) {
                while (count == ring.length && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while the guest's input was full");
                    }
                }
                if (closed) {
                    throw new IOException("the VM is closed: its console takes no more input");
                }
                ring[(head + count) % ring.length] = bytes[offset + i];
                count++;
                notifyAll();
            }
        }

        private synchronized int take(byte[] into, int offset, int n) {
            int taken = Math.min(n, count);
            for (int i = 0; i < taken; i++) {
                into[offset + i] = ring[(head + i) % ring.length];
            }
            head = (head + taken) % ring.length;
            count -= taken;
            notifyAll();
            return taken;
        }

        private synchronized void close() {
            closed = true;
            notifyAll();
        }
    }
}
