package io.jqvm.mediator;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import io.jqvm.config.ConfigException;
import io.jqvm.virtio.blk.BlockDisk;
import io.jqvm.virtio.blk.BlockImageException;
import io.jqvm.vmm.system.RuntimeDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A running mediator: its runtime directory ({@code <runtime>/<system>/}, claimed as a VM claims its own, so a
 * second mediator of the same system refuses to start), the disks it owns, one {@link ClientPort} per client
 * with its socket published in that directory, and the I/O threads that take requests from the
 * {@link PriorityScheduler} in its order and serve them.
 */
public final class Mediator implements AutoCloseable {
    private final RuntimeDirectory directory;
    private final Map<String, BlockDisk> disks = new HashMap<>();
    private final List<ClientPort> ports = new ArrayList<>();
    private final PriorityScheduler<ClientConnection.Pending> scheduler = new PriorityScheduler<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean stopping;

    /**
     * Claims {@code <runtimeRoot>/<system>/}, opens the disks and listens on every client's socket: in that directory
     * as {@code <client>.sock}, or at its explicit path with a symbolic link of that name in the directory. A disk
     * image that cannot be used is a configuration error at its line (65); a system another live process runs, or a
     * socket that cannot be listened on, is fatal before start (64).
     */
    public Mediator(MediatorConfig config, Path runtimeRoot) {
        directory = RuntimeDirectory.claim(runtimeRoot, config.system());
        try {
            for (MediatorConfig.Disk d : config.disks()) {
                try {
                    disks.put(d.name(), BlockDisk.open(d.file(), d.readOnly(), d.serial()));
                } catch (BlockImageException e) {
                    throw new ConfigException(d.origin(), e.getMessage());
                }
            }
            for (MediatorConfig.Client c : config.clients()) {
                try {
                    ports.add(new ClientPort(c, publish(c), disks.get(c.disk()), scheduler));
                } catch (IllegalStateException e) {
                    throw new VmmException(ExitStatus.FATAL_BEFORE_START, "client " + c.name() + ": " + e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        for (int i = 0; i < config.threads(); i++) {
            workers.add(Thread.ofPlatform().daemon().name("mediator-io" + (i + 1)).unstarted(this::work));
        }
    }

    /** The socket {@code c} listens on, published in the runtime directory (the socket, or a link to it). */
    private Path publish(MediatorConfig.Client c) {
        Path published = directory.endpoint(c.name() + ".sock");
        if (c.socket().isEmpty()) {
            return published;
        }
        try {
            Files.createSymbolicLink(published, c.socket().get());
        } catch (IOException e) {
            throw new IllegalStateException("cannot publish " + published + ": " + e.getMessage());
        }
        return c.socket().get();
    }

    /** The runtime directory this mediator holds. */
    public Path directory() {
        return directory.path();
    }

    /** Starts accepting clients and serving their requests. */
    public void start() {
        workers.forEach(Thread::start);
        ports.forEach(ClientPort::start);
    }

    private void work() {
        try {
            while (true) {
                PriorityScheduler.Taken<ClientConnection.Pending> t = scheduler.take(() -> stopping);
                if (t == null) {
                    return;
                }
                try {
                    t.request().connection().serve(t.request());
                } catch (RuntimeException e) {
                    Log.internal("mediator: serving a request failed: " + e); // a bug of ours; the thread serves on
                } catch (InternalError e) {
                    // A fault in a front end's shrunken memory that the JDK raised after serve() returned (in
                    // compiled code it is delivered at the thread's next safepoint check): that client goes.
                    t.request().connection().fault(e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Per client: requests served and refused so far (for the log at exit and for tests). */
    public String statistics() {
        StringBuilder s = new StringBuilder();
        for (ClientPort p : ports) {
            PriorityScheduler.Client<?> c = p.slot();
            s.append(s.isEmpty() ? "" : "; ").append(c.name()).append(": ").append(c.served()).append(" served, ")
                    .append(c.refused()).append(" refused");
        }
        return s.toString();
    }

    /** Stops accepting and serving, removes the sockets and closes the disks. */
    @Override
    public void close() {
        stopping = true;
        scheduler.wake();
        ports.forEach(ClientPort::close);
        for (Thread w : workers) {
            try {
                w.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (BlockDisk d : disks.values()) {
            try {
                d.close();
            } catch (IOException e) {
                Log.warn("mediator: closing " + d.path() + ": " + e.getMessage());
            }
        }
        directory.close();
    }
}
