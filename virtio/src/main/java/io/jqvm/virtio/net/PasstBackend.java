package io.jqvm.virtio.net;

import io.jqvm.common.Log;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * User-mode networking through passt (https://passt.top), without root: passt turns the guest's Ethernet frames
 * into ordinary host sockets, answers DHCP, ARP and NDP, and forwards DNS. {@code passt PATH} connects to a passt
 * already listening on the Unix socket PATH (and connects again if passt is restarted); bare {@code passt} starts
 * a private one ({@code --one-off}, in a temporary directory) that ends with the VM. Frames are length-prefixed
 * as in {@link FramedStream}. The link is up while connected.
 */
public final class PasstBackend implements NetBackend {
    /** How long a passt we started may take to create its socket. */
    static final Duration STARTUP = Duration.ofSeconds(10);
    private static final long RETRY_MILLIS = 500;

    private final Path socket;
    private final Process process;
    private final Path privateDir;
    private volatile FramedStream link;
    private Thread reader;
    private volatile boolean closed;

    private PasstBackend(Path socket, FramedStream first, Process process, Path privateDir) {
        this.socket = socket;
        this.link = first;
        this.process = process;
        this.privateDir = privateDir;
    }

    /** Connects to the passt listening on {@code socket}; throws when none does. */
    public static PasstBackend connect(Path socket) throws IOException {
        SocketChannel channel = UnixSockets.tryConnect(socket);
        if (channel == null) {
            throw new IOException(Files.exists(socket) ? "nothing accepts connections on passt socket " + socket
                    : "passt socket " + socket + " does not exist (start passt first, or write 'passt' alone to have jqvm start one)");
        }
        return new PasstBackend(socket, new FramedStream(channel, "passt at " + socket), null, null);
    }

    /**
     * Starts {@code passt} (found on PATH) for this device alone and connects to it. Throws when passt is not
     * installed or does not come up, with what it printed.
     */
    public static PasstBackend launch() throws IOException {
        Path dir = Files.createTempDirectory("jqvm-passt-");
        Path socket = dir.resolve("passt.sock");
        Path log = dir.resolve("passt.log");
        if ("root".equals(System.getProperty("user.name"))) {
            // passt refuses to keep root and becomes "nobody" before it binds its socket: give it the directory.
            UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(dir, nobody);
        }
        Process process;
        try {
            process = new ProcessBuilder("passt", "--foreground", "--one-off", "--quiet", "--socket", socket.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .start();
        } catch (IOException e) {
            deleteTree(dir);
            throw new IOException("cannot start passt (is the passt package installed?): " + e.getMessage());
        }
        try {
            long deadline = System.nanoTime() + STARTUP.toNanos();
            while (true) {
                SocketChannel channel = Files.exists(socket) ? UnixSockets.tryConnect(socket) : null;
                if (channel != null) {
                    return new PasstBackend(socket, new FramedStream(channel, "passt"), process, dir);
                }
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    String why = process.isAlive() ? "did not create its socket within " + STARTUP.toSeconds() + " s"
                            : "exited with status " + process.exitValue();
                    throw new IOException("passt " + why + ": " + output(log));
                }
                Thread.sleep(20);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            process.destroyForcibly();
            deleteTree(dir);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting passt");
            }
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File("/dev/null");
    }

    /** What passt printed, without the complaints about a missing system logger. */
    private static String output(Path log) {
        try (Stream<String> lines = Files.lines(log)) {
            List<String> useful = lines.filter(l -> !l.isBlank() && !l.startsWith("Failed to send")).toList();
            return useful.isEmpty() ? "(no output)" : String.join(" / ", useful.subList(Math.max(0, useful.size() - 5), useful.size()));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    @Override
    public void start(Sink sink) {
        reader = Thread.ofPlatform().daemon().name("passt-rx " + socket).start(() -> readLoop(sink));
    }

    private void readLoop(Sink sink) {
        ByteBuffer frame = ByteBuffer.allocateDirect(VirtioNet.MAX_FRAME);
        FramedStream current = link;
        while (!closed) {
            if (current == null) {
                if (process != null) {
                    return; // our passt ended with its one connection; the link stays down
                }
                SocketChannel channel = UnixSockets.tryConnect(socket);
                if (channel == null) {
                    sleepBeforeRetry();
                    continue;
                }
                current = new FramedStream(channel, "passt at " + socket);
                link = current;
                sink.linkChanged(true);
            }
            try {
                while (current.read(frame)) {
                    sink.receive(frame);
                }
                if (!closed) {
                    Log.warn("virtio-net: passt at " + socket + " closed the connection");
                }
            } catch (IOException e) {
                if (!closed) {
                    Log.warn("virtio-net: " + e.getMessage());
                }
            }
            link = null;
            current.close();
            current = null;
            sink.linkChanged(false);
        }
    }

    private void sleepBeforeRetry() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            // close() interrupts the wait; the loop condition sees it
        }
    }

    @Override
    public boolean linkUp() {
        return link != null;
    }

    @Override
    public boolean send(ByteBuffer frame) {
        FramedStream current = link;
        return current != null && current.send(frame);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        FramedStream current = link;
        if (current != null) {
            current.close();
        }
        if (reader != null) {
            reader.interrupt();
            try {
                reader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            deleteTree(privateDir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            Log.warn("virtio-net: cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
