package io.jqvm.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A VM process driven through its console, as a person at the serial terminal would: wait for text,
 * type a line. Everything the guest printed is kept for assertion messages.
 */
public final class Console implements AutoCloseable {
    private final Process process;
    private final OutputStream keyboard;
    private final StringBuffer screen = new StringBuffer();
    private final StringBuffer log = new StringBuffer();
    private int consumed;

    private Console(Process process) {
        this.process = process;
        this.keyboard = process.getOutputStream();
        drain(process.getInputStream(), screen, "console");
        drain(process.getErrorStream(), log, "log");
    }

    /** Starts {@code command} in {@code directory} with its stdin, stdout and stderr connected to this console. */
    public static Console start(List<String> command, Path directory) throws IOException {
        return new Console(new ProcessBuilder(command).directory(directory.toFile()).start());
    }

    private static void drain(InputStream in, StringBuffer into, String name) {
        Thread.ofPlatform().daemon().name("it-" + name).start(() -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    into.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (IOException closed) {
                // The process ended; what it printed is kept.
            }
        });
    }

    /**
     * Waits until {@code text} appears after what earlier waits consumed; returns the output between.
     * Throws {@link AssertionError} with the screen and the log when it does not appear in time.
     */
    public String waitFor(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            int at = screen.indexOf(text, consumed);
            if (at >= 0) {
                String between = screen.substring(consumed, at);
                consumed = at + text.length();
                return between;
            }
            if (!process.isAlive() && screen.indexOf(text, consumed) < 0) {
                break;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("\"" + text + "\" did not appear within " + timeout + describe());
    }

    /** Everything printed since the last wait or take, consumed. */
    public String take() {
        String s = screen.substring(consumed);
        consumed += s.length();
        return s;
    }

    /** Types {@code line} and Enter. */
    public void type(String line) throws IOException {
        keyboard.write((line + "\n").getBytes(StandardCharsets.ISO_8859_1));
        keyboard.flush();
    }

    /** Waits for the process to end; its exit status, or -1 after killing it when it did not end in time. */
    public int waitForExit(Duration timeout) throws InterruptedException {
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        process.destroyForcibly().waitFor();
        return -1;
    }

    /** What the process wrote to stderr (jqvm's log) so far. */
    public String log() {
        return log.toString();
    }

    public String describe() {
        String s = screen.toString();
        String l = log.toString();
        return "\n--- console (tail)\n" + s.substring(Math.max(0, s.length() - 3000))
                + "\n--- log (tail)\n" + l.substring(Math.max(0, l.length() - 3000));
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
