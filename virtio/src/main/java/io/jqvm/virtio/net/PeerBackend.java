package io.jqvm.virtio.net;

import io.jqvm.common.Log;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * qvm's {@code peer} link: Ethernet between two jqvm processes over Unix stream sockets, without host networking.
 * Each end listens on its own {@code name} and connects to the other's, and each connection carries frames one
 * way only (from the end that connected), length-prefixed as in {@link FramedStream}. So neither end has a role,
 * either may start first, and a restarted end simply connects again; the link is up while both connections
 * are. See the package README for the protocol.
 */
public final class PeerBackend implements NetBackend {
    /** How often an end whose peer is absent tries to connect again. */
    static final long RETRY_MILLIS = 100;

    private final Path name;
    private final Path peer;
    private final ServerSocketChannel listener;
    private final Object linkLock = new Object();
    private volatile FramedStream outgoing;
    private volatile FramedStream incoming;
    private boolean reportedUp;
    private Sink sink;
    private Thread acceptor;
    private Thread connector;
    private volatile boolean closed;

    private PeerBackend(Path name, Path peer, ServerSocketChannel listener) {
        this.name = name;
        this.peer = peer;
        this.listener = listener;
    }

    /**
     * Listens on {@code name} (replacing a socket file a dead process left there) for the peer at {@code peer}.
     * Throws when the two are the same, when {@code name} exists but is not a socket, or when a live process
     * already listens on it.
     */
    public static PeerBackend open(Path name, Path peer) throws IOException {
        Path self = name.toAbsolutePath().normalize();
        Path other = peer.toAbsolutePath().normalize();
        if (self.equals(other)) {
            throw new IOException("name and peer are the same socket " + self + "; each end needs its own");
        }
        return new PeerBackend(self, other, UnixSockets.listenReplacingStale(self));
    }

    @Override
    public void start(Sink sink) {
        this.sink = sink;
        acceptor = Thread.ofPlatform().daemon().name("net-peer-in " + name).start(this::acceptLoop);
        connector = Thread.ofPlatform().daemon().name("net-peer-out " + name).start(this::connectLoop);
    }

    private void acceptLoop() {
        ByteBuffer frame = ByteBuffer.allocateDirect(VirtioNet.MAX_FRAME);
        while (!closed) {
            FramedStream in;
            try {
                in = new FramedStream(listener.accept(), "peer " + peer);
            } catch (ClosedChannelException e) {
                return; // close()
            } catch (IOException e) {
                Log.warn("virtio-net peer " + name + ": accept failed: " + e.getMessage());
                return;
            }
            incoming = in;
            updateLink();
            try {
                while (in.read(frame)) {
                    sink.receive(frame);
                }
            } catch (IOException e) {
                if (!closed) {
                    Log.warn("virtio-net peer " + name + ": " + e.getMessage());
                }
            } finally {
                incoming = null;
                in.close();
                updateLink();
            }
        }
    }

    private void connectLoop() {
        while (!closed) {
            SocketChannel channel = UnixSockets.tryConnect(peer);
            if (channel == null) {
                sleepBeforeRetry();
                continue;
            }
            FramedStream out = new FramedStream(channel, "peer " + peer);
            outgoing = out;
            updateLink();
            try {
                out.awaitEnd();
            } catch (IOException e) {
                if (!closed) {
                    Log.warn("virtio-net peer " + name + ": " + e.getMessage());
                }
            } finally {
                outgoing = null;
                out.close();
                updateLink();
            }
        }
    }

    private void sleepBeforeRetry() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            // close() interrupts the wait; the loop condition sees it
        }
    }

    private void updateLink() {
        synchronized (linkLock) {
            boolean up = !closed && outgoing != null && incoming != null;
            if (up != reportedUp) {
                reportedUp = up;
                sink.linkChanged(up);
            }
        }
    }

    @Override
    public boolean linkUp() {
        return outgoing != null && incoming != null;
    }

    @Override
    public boolean send(ByteBuffer frame) {
        FramedStream out = outgoing;
        return out != null && incoming != null && out.send(frame);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        UnixSockets.closeQuietly(listener);
        FramedStream out = outgoing;
        FramedStream in = incoming;
        if (out != null) {
            out.close();
        }
        if (in != null) {
            in.close();
        }
        for (Thread t : new Thread[] {acceptor, connector}) {
            if (t != null) {
                t.interrupt();
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        try {
            Files.deleteIfExists(name);
        } catch (IOException e) {
            Log.warn("virtio-net peer: cannot remove socket " + name + ": " + e.getMessage());
        }
    }
}
