package io.jqvm.mediator;

import io.jqvm.common.Log;
import io.jqvm.host.HostException;
import io.jqvm.host.UnixSocket;
import io.jqvm.virtio.blk.BlockDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * One client's listening socket: the socket a VM's {@code vdev vhost-user-blk socket PATH} connects to, which is
 * how the mediator knows who is asking (and so which policy applies). One connection at a time, served on this
 * port's thread; when it ends (the VM stopped, crashed or broke the protocol) the next one is accepted.
 */
final class ClientPort implements AutoCloseable {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    /** How often the accepting thread looks whether the port is closing. */
    private static final int ACCEPT_POLL_MS = 200;

    private final MediatorConfig.Client config;
    private final Path socket;
    private final BlockDisk disk;
    private final PriorityScheduler<ClientConnection.Pending> scheduler;
    private final PriorityScheduler.Client<ClientConnection.Pending> slot;
    private final UnixSocket listener;
    private final Thread thread;
    private volatile boolean closing;
    private volatile ClientConnection current;

    ClientPort(MediatorConfig.Client config, Path socket, BlockDisk disk, PriorityScheduler<ClientConnection.Pending> scheduler) {
        this.config = config;
        this.socket = socket;
        this.disk = disk;
        this.scheduler = scheduler;
        this.slot = scheduler.register(config.name(), config.policy(), System.nanoTime());
        this.listener = listen(socket);
        this.thread = Thread.ofPlatform().daemon().name("mediator-" + config.name()).unstarted(this::acceptLoop);
    }

    void start() {
        thread.start();
    }

    PriorityScheduler.Client<ClientConnection.Pending> slot() {
        return slot;
    }

    /**
     * Listens at {@code path}. A socket file left there by a mediator that was killed is replaced; a live listener
     * or a file that is not a socket is refused (the caller exits with status 64).
     */
    static UnixSocket listen(Path path) {
        try {
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                int mode = (int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                if ((mode & S_IFMT) != S_IFSOCK) {
                    throw new IllegalStateException(path + " exists and is not a socket; refusing to replace it");
                }
                try (UnixSocket live = UnixSocket.connect(path)) {
                    throw new IllegalStateException("another process is listening on " + path);
                } catch (HostException stale) {
                    Files.delete(path);
                }
            }
            return UnixSocket.listen(path);
        } catch (IOException | HostException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot listen on " + path + ": " + e.getMessage());
        }
    }

    private void acceptLoop() {
        Log.info("mediator: client " + config.name() + " listens on " + socket + " (priority "
                + config.policy().priority() + (config.policy().sharePerSecond() > 0
                ? ", share " + config.policy().sharePerSecond() + "/s" : "") + ")");
        while (!closing) {
            UnixSocket connection;
            try {
                connection = listener.readable(ACCEPT_POLL_MS) && !closing ? listener.accept(0) : null;
            } catch (HostException e) {
                if (!closing) {
                    Log.error("mediator: client " + config.name() + ": accept failed: " + e.getMessage());
                }
                return;
            }
            if (connection == null) {
                continue;
            }
            if (closing) {
                connection.close();
                return;
            }
            Log.info("mediator: client " + config.name() + " connected");
            current = new ClientConnection(config, disk, scheduler, slot, connection);
            if (closing) {
                current.end();
            }
            current.run();
            current = null;
        }
    }

    /**
     * Ends the connection, stops accepting and removes the socket. The listening descriptor is closed only once
     * this port's thread is done with it: a number closed under a thread still in accept() could be reused by
     * another listener, whose connections that thread would then take.
     */
    @Override
    public void close() {
        closing = true;
        listener.shutdown();
        ClientConnection c = current;
        if (c != null) {
            c.end();
        }
        if (thread.isAlive()) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!thread.isAlive()) {
            listener.close();
        } else {
            Log.warn("mediator: client " + config.name() + "'s connection did not end within 5 s; its socket stays open");
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            Log.warn("mediator: cannot remove " + socket + ": " + e.getMessage());
        }
    }
}
