package io.jqvm.virtio.net;

import io.jqvm.common.Log;
import io.jqvm.host.HostException;
import io.jqvm.host.TapDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The {@code tapdev IFNAME} backend: frames go to and come from an existing host TAP interface (made by the user
 * with {@code ip tuntap add IFNAME mode tap}, and configured like any interface). The link is up until the
 * interface fails (is deleted while attached). Frames
 * carry the virtio-net header (IFF_VNET_HDR), so the guest's checksum and segmentation offloads reach the host
 * kernel, which saves a software CPU most of its per-packet work.
 */
public final class TapBackend implements NetBackend {
    private final TapDevice tap;
    /** Uses of the descriptor hold it shared; closing it holds it exclusively, so no call sees a closed fd. */
    private final ReadWriteLock fdLock = new ReentrantReadWriteLock();
    private Thread reader;
    private volatile boolean closed;
    private volatile boolean up = true;
    private volatile boolean refusalLogged;

    private TapBackend(TapDevice tap) {
        this.tap = tap;
    }

    /**
     * Attaches to TAP interface {@code name}. Throws with a message for the configuration line when the interface
     * does not exist, is not a TAP interface, or cannot be attached (permission, another process holds it).
     */
    public static TapBackend open(String name) throws IOException {
        if (name.isEmpty() || name.length() >= TapDevice.NAME_LIMIT || name.contains("/")) {
            throw new IOException("'" + name + "' is not an interface name (1 to " + (TapDevice.NAME_LIMIT - 1)
                    + " characters, no '/')");
        }
        Path sys = Path.of("/sys/class/net", name);
        if (!Files.isDirectory(sys)) {
            throw new IOException("there is no network interface '" + name + "' (create it first: ip tuntap add "
                    + name + " mode tap)");
        }
        if (!Files.exists(sys.resolve("tun_flags"))) {
            throw new IOException("network interface '" + name + "' is not a TAP interface");
        }
        try {
            return new TapBackend(TapDevice.open(name, true));
        } catch (HostException e) {
            throw new IOException("cannot attach to TAP interface '" + name + "': " + e.getMessage());
        }
    }

    @Override
    public void start(Sink sink) {
        reader = Thread.ofPlatform().daemon().name("tap-rx " + tap.name()).start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(TapDevice.VNET_HEADER + VirtioNet.MAX_FRAME);
                int n;
                while ((n = tap.receive(buffer)) >= 0) {
                    sink.receive(buffer.asSlice(0, n).asByteBuffer());
                }
            } catch (HostException e) {
                // The interface went away under us (ip link del): nothing more will come from it.
                Log.error("virtio-net: TAP " + tap.name() + " failed, its link is down: " + e.getMessage());
                up = false;
                sink.linkChanged(false);
            }
        });
    }

    @Override
    public boolean linkUp() {
        return up;
    }

    @Override
    public boolean carriesHeader() {
        return true;
    }

    @Override
    public void acceptOffloads(GuestOffloads offloads) {
        int flags = (offloads.csum() ? TapDevice.TUN_F_CSUM : 0);
        if (offloads.csum()) { // segmentation offloads need checksum offload (virtio 1.2 §5.1.3.1)
            flags |= (offloads.tso4() ? TapDevice.TUN_F_TSO4 : 0) | (offloads.tso6() ? TapDevice.TUN_F_TSO6 : 0);
            flags |= (offloads.ecn() && (offloads.tso4() || offloads.tso6()) ? TapDevice.TUN_F_TSO_ECN : 0);
        }
        fdLock.readLock().lock();
        try {
            if (!closed) {
                tap.setOffload(flags);
            }
        } finally {
            fdLock.readLock().unlock();
        }
    }

    @Override
    public boolean send(ByteBuffer frame) {
        fdLock.readLock().lock();
        try {
            return !closed && up && tap.send(MemorySegment.ofBuffer(frame));
        } catch (HostException e) {
            // The kernel refused this frame (a virtio-net header it finds inconsistent): drop it, as hardware would.
            if (!refusalLogged) {
                refusalLogged = true;
                Log.warn("virtio-net: TAP " + tap.name() + " refused a frame from the guest (logged once): " + e.getMessage());
            }
            return false;
        } finally {
            fdLock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        tap.interrupt();
        if (reader != null) {
            try {
                reader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        fdLock.writeLock().lock(); // a send in progress has returned (interrupt released it) before the descriptor goes
        try {
            tap.close();
        } finally {
            fdLock.writeLock().unlock();
        }
    }
}
