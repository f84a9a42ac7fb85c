package io.jqvm.devices.chardev;

import io.jqvm.common.Log;
import io.jqvm.device.CharBackend;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the host side of a character vdev from its {@code hostdev} options, the qvm way:
 * <pre>
 *   >-            the VM's standard output
 *   >path         output to a file, created or truncated
 *   >|command     output piped into a shell command (qvm 8.0's >"|command")
 *   &lt;path         input from a file
 *   - or &lt;-       input from the VM's standard input (a terminal is made raw; see {@link ConsoleKeys})
 *   path          input from and output to one existing file (a tty or FIFO; a regular file is appended to)
 *   unix:path     a Unix-domain socket jqvm listens on; one client at a time gets input and output
 *   pty           a new pseudo-terminal; its /dev/pts path is logged
 * </pre>
 * Several options combine: at most one provides input, every output gets every byte. Output never blocks
 * a vCPU (a bounded buffer drained by a writer thread drops bytes when the host stalls); input is read by
 * a thread that wakes the device.
 */
public final class HostDevs {
    private static final long PROCESS_EXIT_WAIT_SECONDS = 2;

    private HostDevs() {
    }

    /** One {@code hostdev} option, with no VM for {@code Ctrl-A x} to quit (tests, tools). */
    public static CharBackend open(String spec) {
        return open(List.of(spec), () -> Log.warn("Ctrl-A x: no VM to quit"));
    }

    /** All the {@code hostdev} options of one vdev, with no VM for {@code Ctrl-A x} to quit (tests, tools). */
    public static CharBackend open(List<String> specs) {
        return open(specs, () -> Log.warn("Ctrl-A x: no VM to quit"));
    }

    /**
     * All the {@code hostdev} options of one vdev; {@code quit} is what the console key {@code Ctrl-A x}
     * does when the input is the terminal on stdin.
     */
    public static CharBackend open(List<String> specs, Runnable quit) {
        return open(specs, quit, Stdio.process());
    }

    /** As {@link #open(List, Runnable)}, with {@code -}, {@code <-} and {@code >-} meaning {@code stdio}. */
    public static CharBackend open(List<String> specs, Runnable quit, Stdio stdio) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no hostdev given");
        }
        InputPump input = null;
        String inputSpec = null;
        List<OutputPump> outputs = new ArrayList<>();
        List<AutoCloseable> extra = new ArrayList<>();
        List<Runnable> undo = new ArrayList<>();
        try {
            for (String spec : specs) {
                Opened o = openOne(spec, quit, stdio);
                undo.add(o::release);
                if (o.source != null) {
                    if (input != null) {
                        throw new HostDevException(spec, "a second input; " + inputSpec + " already provides input");
                    }
                    input = new InputPump(spec, o.source);
                    inputSpec = spec;
                }
                if (o.sink != null) {
                    outputs.add(new OutputPump(spec, o.sink));
                }
                if (o.process != null) {
                    extra.add(() -> endProcess(o.process));
                }
            }
        } catch (RuntimeException e) {
            undo.forEach(Runnable::run);
            throw e;
        }
        return new HostCharBackend(input, outputs, extra);
    }

    /**
     * The {@code hostdev} options of a vdev with qvm's {@code delayed secs|forever}: opened in the background,
     * retried for {@code seconds} (-1: for ever; 0: one try), so that a host device that appears later, a pipe
     * or a terminal, say, does not stop the VM from starting.
     */
    public static CharBackend openDelayed(List<String> specs, long seconds, Runnable quit, Stdio stdio) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no hostdev given");
        }
        return new DelayedCharBackend(String.join(" ", specs), () -> open(specs, quit, stdio), seconds);
    }

    /** What one option opened: a source, a sink, or both, and a process to end on close. */
    private record Opened(Endpoint.Source source, Endpoint.Sink sink, Process process) {
        void release() {
            try {
                if (source != null) {
                    source.close();
                }
                if (sink != null && sink != source) {
                    sink.close();
                }
            } catch (IOException e) {
                Log.warn("hostdev: releasing after a failed open: " + e.getMessage());
            }
            if (process != null) {
                process.destroy();
            }
        }
    }

    private static Opened openOne(String spec, Runnable quit, Stdio stdio) {
        try {
            if (spec.equals(">-")) {
                return new Opened(null, stdio.output(), null);
            }
            if (spec.equals("-") || spec.equals("<-")) {
                return new Opened(stdio.input(quit), null, null);
            }
            if (spec.equals("pty")) {
                Pty pty = new Pty();
                Log.info("hostdev pty: the guest's serial line is " + pty.slavePath());
                return new Opened(pty, pty, null);
            }
            if (spec.startsWith("unix:")) {
                UnixSocketServer server = new UnixSocketServer(Path.of(path(spec, spec.substring(5))));
                return new Opened(server, server, null);
            }
            if (spec.startsWith(">|")) {
                String command = spec.substring(2).strip();
                if (command.isEmpty()) {
                    throw new HostDevException(spec, "no command after >|");
                }
                Process p = new ProcessBuilder("/bin/sh", "-c", command)
                        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                return new Opened(null, ChannelEndpoint.sink(p.getOutputStream(), true), p);
            }
            if (spec.startsWith(">")) {
                Path p = Path.of(path(spec, spec.substring(1)));
                return new Opened(null, ChannelEndpoint.sink(Files.newOutputStream(p), true), null);
            }
            if (spec.startsWith("<")) {
                Path p = Path.of(path(spec, spec.substring(1)));
                return new Opened(ChannelEndpoint.source(Files.newInputStream(p), true), null, null);
            }
            // Two channels: one FileChannel serialises reads and writes, and a blocked read would stall
            // output. The reading one is opened read-write so that opening a FIFO never waits for a peer;
            // the writing one appends, so a regular file keeps what input reads.
            Path p = Path.of(path(spec, spec));
            FileChannel reading = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                FileChannel writing = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                return new Opened(ChannelEndpoint.source(reading), ChannelEndpoint.sink(writing), null);
            } catch (IOException e) {
                reading.close();
                throw e;
            }
        } catch (IOException e) {
            throw new HostDevException(spec, describe(e));
        } catch (io.jqvm.host.HostException e) {
            throw new HostDevException(spec, e.getMessage());
        } catch (java.nio.file.InvalidPathException e) {
            throw new HostDevException(spec, "not a valid path: " + e.getReason());
        }
    }

    /** Gives a piped command time to finish with the output it was sent, then ends it. */
    private static void endProcess(Process p) throws InterruptedException {
        if (!p.waitFor(PROCESS_EXIT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroy();
        }
    }

    private static String path(String spec, String path) {
        if (path.isEmpty()) {
            throw new HostDevException(spec, "no path given");
        }
        return path;
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException f) {
            return "cannot open " + f.getFile() + ": no such file or directory";
        }
        if (e instanceof AccessDeniedException f) {
            return "cannot open " + f.getFile() + ": permission denied";
        }
        if (e instanceof FileSystemException f) {
            return "cannot open " + f.getFile() + ": " + (f.getReason() != null ? f.getReason() : e.getClass().getSimpleName());
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
