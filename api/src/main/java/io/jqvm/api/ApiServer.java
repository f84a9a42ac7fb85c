package io.jqvm.api;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import io.jqvm.vmm.VmListener;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The control API's HTTP/1.1 server on a Unix socket, as Firecracker's and Cloud Hypervisor's: by default
 * {@code <runtime>/<system>/api.sock} in the VM's runtime directory, or the path {@code --api-sock} names. It
 * starts lazily: on a thread of its own {@link #START_DELAY} after the guest's vCPUs start, so neither the
 * guest's start nor a VM that ends at once pays for Jetty's start-up (a few hundred ms of CPU on a cold JVM,
 * README.md). It serves whichever run of the VM is current (a reset starts another) and removes its socket at
 * the end.
 * Its threads are daemons: the API never keeps a process alive.
 */
public final class ApiServer implements VmListener {
    public static final String SOCKET_NAME = "api.sock";
    /** sun_path holds 108 bytes with the terminating NUL. */
    static final int MAX_PATH_BYTES = 107;
    /** How long the guest runs before the server starts: the guest's own start comes first. */
    static final Duration START_DELAY = Duration.ofMillis(500);

    private final Optional<Path> explicitPath;
    private volatile ControlledVm current;
    private Path socket;
    private Thread starter;
    private JettyUnixServer server;
    private boolean closed;
    private final CountDownLatch closing = new CountDownLatch(1);

    /** @param socketPath {@code --api-sock}: where to listen instead of the runtime directory */
    public ApiServer(Optional<Path> socketPath) {
        this.explicitPath = socketPath.map(Path::toAbsolutePath);
        explicitPath.ifPresent(ApiServer::checkUsable);
    }

    /** Where the socket is (known once the runtime directory is claimed). */
    public synchronized Optional<Path> socket() {
        return Optional.ofNullable(socket);
    }

    @Override
    public synchronized void claimed(Path runtimeDirectory) {
        socket = explicitPath.orElse(runtimeDirectory.resolve(SOCKET_NAME));
    }

    /** Starts the server once, on its own thread, the first time a run's vCPUs start. */
    private synchronized void startOnce() {
        if (starter != null || socket == null) {
            return;
        }
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            Log.warn("control API not started: " + socket + " is longer than a Unix socket path may be ("
                    + MAX_PATH_BYTES + " bytes); choose a shorter one with --api-sock");
            socket = null;
            return;
        }
        Path path = socket;
        starter = Thread.ofPlatform().daemon().name("jqvm-api-start").start(() -> {
            try {
                if (closing.await(START_DELAY.toMillis(), TimeUnit.MILLISECONDS)) {
                    return; // the VM ended first
                }
            } catch (InterruptedException e) {
                return;
            }
            start(path);
        });
    }

    private void start(Path path) {
        JettyUnixServer s;
        try {
            // Routes is made here, not before: it loads Gson, which the VM's start need not wait for.
            s = JettyUnixServer.start(path, new Routes(() -> Optional.ofNullable(current)));
        } catch (Exception e) {
            Log.error("control API not started on " + path + ": " + e.getMessage());
            return;
        }
        synchronized (this) {
            if (!closed) {
                server = s;
                Log.info("control API on " + path);
                return;
            }
        }
        s.stop(); // the VM ended while the server started
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            Log.warn("control API socket " + path + " not removed: " + e.getMessage());
        }
    }

    @Override
    public void started(Run run) {
        current = new RunControl(run);
        startOnce();
    }

    @Override
    public void ended(Run run) {
        current = null;
    }

    @Override
    public synchronized void finished() {
        current = null;
        closed = true;
        closing.countDown(); // a server still starting stops itself: the VM's end does not wait for it
        JettyUnixServer s = server;
        server = null;
        if (s != null) {
            s.stop();
        }
        if (socket != null) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                Log.warn("control API socket " + socket + " not removed: " + e.getMessage());
            }
        }
    }

    /**
     * An explicit path must fit a socket address and be free: nothing there, or a socket no one listens on any
     * more (a killed VM's), which is removed. Refused before the VM starts (status 64), as Firecracker does.
     */
    static void checkUsable(Path path) {
        if (path.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "--api-sock " + path + ": longer than a Unix socket path may be ("
                    + MAX_PATH_BYTES + " bytes)");
        }
        if (path.getParent() != null && !Files.isDirectory(path.getParent())) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "--api-sock " + path + ": no directory " + path.getParent());
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "--api-sock " + path + ": exists and is not a socket");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "--api-sock " + path + ": another process listens on it");
        } catch (IOException refused) {
            try {
                Files.delete(path); // a socket left by a VM that was killed
            } catch (IOException e) {
                throw new VmmException(ExitStatus.FATAL_BEFORE_START, "--api-sock " + path + ": a stale socket that cannot be removed: "
                        + e.getMessage());
            }
        }
    }

    private static boolean isSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == 0140000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
