package io.jqvm.virtio.vsock;

import io.jqvm.common.Log;
import io.jqvm.virtio.ConfigSpace;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.VirtioDevice;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * virtio-vsock (virtio 1.2 §5.10, device ID 19): stream sockets between the guest and host programs on
 * Unix sockets, addressed the way Firecracker documented (see {@link HostListener}).
 *
 * <p>Threads: one device thread per device runs a {@link Selector} over the main socket and every
 * connection's host socket, and serves all three virtqueues. One thread rather than one per connection
 * because a guest decides how many connections there are: the thread count stays fixed, and connection
 * state needs no locks since only that thread touches it. A vCPU's kick only wakes the selector; activate
 * and reset take the lock the device thread holds while it works, which never blocks (all host I/O is
 * non-blocking and each round is bounded by the queue sizes).
 */
public final class VirtioVsock implements VirtioDevice, AutoCloseable {
    static final int DEVICE_ID = 19;
    static final long HOST_CID = 2;
    static final int RX = 0;
    static final int TX = 1;
    static final int EVENT = 2;
    /** VIRTIO_VSOCK_F_STREAM: stream sockets, which a driver without feature bits assumes anyway. */
    static final long F_STREAM = 1;
    static final int CONFIG_SIZE = 8;
    private static final int QUEUE_SIZE = 256;

    private final long guestCid;
    private final Path uds;
    private final HostListener listener;
    private final Selector selector;
    private final ReentrantLock lock = new ReentrantLock();
    private final VsockMux mux; // guarded by lock
    private final Thread thread;
    private volatile boolean closed;

    private VirtioVsock(long guestCid, Path uds, HostListener listener, Selector selector, long answerTimeoutNanos) {
        this.guestCid = guestCid;
        this.uds = uds;
        this.listener = listener;
        this.selector = selector;
        this.mux = new VsockMux(guestCid, uds, selector, listener, answerTimeoutNanos);
        this.thread = Thread.ofPlatform().daemon().name("virtio-vsock " + uds).unstarted(this::run);
    }

    /**
     * A device for guest CID {@code guestCid} whose main host socket is {@code uds}; listens at once. Throws
     * an {@link IOException} whose message names the path when the socket cannot be made.
     */
    public static VirtioVsock open(long guestCid, Path uds) throws IOException {
        return open(guestCid, uds, VsockMux.ANSWER_TIMEOUT_NANOS);
    }

    /** As {@link #open(long, Path)}, giving the guest {@code answerTimeoutNanos} to answer a host's connection. */
    static VirtioVsock open(long guestCid, Path uds, long answerTimeoutNanos) throws IOException {
        if (guestCid < 3 || guestCid > 0xffffffffL - 1) {
            throw new IllegalArgumentException("guest CID " + guestCid + " is outside 3..4294967294");
        }
        Selector selector = Selector.open();
        HostListener listener;
        try {
            listener = HostListener.open(uds, selector);
        } catch (IOException e) {
            selector.close();
            throw e;
        }
        VirtioVsock device = new VirtioVsock(guestCid, uds, listener, selector, answerTimeoutNanos);
        device.thread.start();
        return device;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long offeredFeatures() {
        return F_STREAM;
    }

    @Override
    public int queueCount() {
        return 3;
    }

    @Override
    public int queueMaxSize(int queue) {
        return QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        // guest_cid, a little-endian u64; a driver reads it as two 32-bit halves.
        byte[] config = new byte[CONFIG_SIZE];
        java.nio.ByteBuffer.wrap(config).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, guestCid);
        return ConfigSpace.read(config, offset, size);
    }

    @Override
    public void activate(DeviceQueues queues) {
        withLock(() -> mux.activate(queues));
    }

    @Override
    public void queueNotify(int queue) {
        selector.wakeup();
    }

    @Override
    public void reset() {
        withLock(mux::reset);
    }

    /**
     * Drops every connection (their host sockets see EOF) and tells the driver with the event queue's
     * VIRTIO_VSOCK_EVENT_TRANSPORT_RESET, so the guest resets its sockets too: for host-side events that
     * invalidate all connections while the driver stays (restoring a snapshot, say).
     */
    public void resetTransport() {
        withLock(mux::resetTransport);
    }

    private void withLock(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
        selector.wakeup();
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            mux.closeAll();
            listener.close();
            selector.close();
        } catch (IOException e) {
            Log.warn("virtio-vsock " + uds + ": closing: " + e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        long waitMillis = 0;
        while (!closed) {
            try {
                selector.select(waitMillis);
            } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                if (!closed) {
                    Log.error("virtio-vsock " + uds + ": selector failed, the device stops: " + e.getMessage());
                }
                return;
            }
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid()) {
                        mux.ready(key);
                    }
                }
                selector.selectedKeys().clear();
                waitMillis = mux.serve();
            } catch (RuntimeException e) {
                // A bug of ours, not the guest's: say so once and stop serving rather than spin on it.
                Log.internal("virtio-vsock " + uds + ": " + e);
                mux.internalError(e.toString());
                waitMillis = 0;
            } finally {
                lock.unlock();
            }
        }
    }
}
