package io.jqvm.virtio.blk;

import io.jqvm.common.Log;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * virtio-blk (virtio 1.2 §5.2, device ID 2) on a raw image file, with one request queue.
 *
 * <p>Requests run off the vCPU threads: a notify pops the available chains and hands each to a pool of
 * {@code threads} I/O threads (qvm's option), which move the data straight between the file and guest memory and
 * then return the chain through the used ring. Up to a queue's worth of requests are in flight at once and
 * complete in whatever order their I/O finishes, as virtio allows.
 *
 * <p>Ordering guarantee: a FLUSH makes durable every write whose completion the driver could have seen (it was
 * in the used ring) before it made the flush available, because that write's I/O returned before the flush was
 * even popped; writes still in flight beside the flush may or may not be covered. This is what Linux's block
 * layer relies on (it waits for a write to complete before it issues the flush that must cover it).
 *
 * <p>Reset waits for the I/O already started (file I/O, so briefly), and requests that finish after a reset
 * are dropped: they never touch the old used ring, whose memory the driver may have reused.
 */
public final class VirtioBlk implements VirtioDevice {
    public static final int DEVICE_ID = 2;
    /** qvm's default for {@code threads}: one I/O thread. */
    public static final int DEFAULT_THREADS = 1;
    /** qvm's upper bound for {@code threads}. */
    public static final int MAX_THREADS = 32;

    static final long F_SIZE_MAX = 1L << 1;
    static final long F_SEG_MAX = 1L << 2;
    static final long F_RO = 1L << 5;
    static final long F_BLK_SIZE = 1L << 6;
    static final long F_FLUSH = 1L << 9;
    static final long F_DISCARD = 1L << 13;
    static final long F_WRITE_ZEROES = 1L << 14;

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final BlockImage image;
    private final byte[] serial;
    private final BlkConfigSpace config;
    private final ExecutorService io;

    private final Object lock = new Object(); // guards everything below, and the queue itself
    private DeviceQueues queues;  // null while reset
    private Virtqueue queue;
    private long features;
    private long generation;      // bumped by reset: requests from an older one are dropped
    private int inFlight;         // popped and not yet through their I/O
    private boolean failed;       // the driver broke the protocol: serve nothing until reset

    VirtioBlk(BlockImage image, String serial, int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("virtio-blk threads " + threads + " is outside 1.." + MAX_THREADS);
        }
        this.image = image;
        this.serial = idBytes(serial);
        this.config = new BlkConfigSpace(image.sectors());
        int instance = INSTANCES.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        this.io = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "virtio-blk" + instance + "-io" + thread.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A disk on the raw image {@code file}, read-only when {@code readOnly} (qvm's {@code hostdev <file}), whose
     * device ID is {@code serial} (at most 20 bytes are visible; null derives one from the file name, as the
     * disk's identity), served by {@code threads} I/O threads (1 to 32). Throws when the image is missing, a
     * directory, inaccessible or not a whole number of 512-byte sectors.
     */
    public static VirtioBlk open(Path file, boolean readOnly, String serial, int threads) throws BlockImageException {
        return open(file, readOnly, serial, threads, DirectIo.DISABLE);
    }

    /** As {@link #open(Path, boolean, String, int)}, with qvm's {@code dio}: which transfers bypass the host's page cache. */
    public static VirtioBlk open(Path file, boolean readOnly, String serial, int threads, DirectIo dio)
            throws BlockImageException {
        BlockImage image = BlockImage.open(file, readOnly, dio);
        try {
            return new VirtioBlk(image, serial != null ? serial : defaultSerial(file), threads);
        } catch (RuntimeException e) {
            closeImage(image);
            throw e;
        }
    }

    /** The image's file name in printable ASCII (what {@code /sys/block/vdX/serial} shows), cut to 20 bytes. */
    static String defaultSerial(Path file) {
        Path name = file.getFileName();
        StringBuilder s = new StringBuilder();
        for (char c : (name == null ? "" : name.toString()).toCharArray()) {
            if (s.length() == BlockRequest.ID_BYTES) {
                break;
            }
            s.append(c >= 0x20 && c < 0x7f ? c : '_');
        }
        return s.toString();
    }

    /** §5.2.6: 20 bytes, NUL-padded when shorter and unterminated when exactly 20. */
    static byte[] idBytes(String serial) {
        byte[] id = new byte[BlockRequest.ID_BYTES];
        byte[] text = serial.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(text, 0, id, 0, Math.min(text.length, id.length));
        return id;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long offeredFeatures() {
        return offeredFeatures(image.readOnly());
    }

    /** The features a disk offers: discard and write-zeroes when writable, RO when not. */
    static long offeredFeatures(boolean readOnly) {
        long f = F_SIZE_MAX | F_SEG_MAX | F_BLK_SIZE | F_FLUSH;
        return readOnly ? f | F_RO : f | F_DISCARD | F_WRITE_ZEROES;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int queueMaxSize(int queue) {
        return BlkConfigSpace.QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return BlkConfigSpace.SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        return config.read(offset, size);
    }

    @Override
    public void activate(DeviceQueues queues) {
        synchronized (lock) {
            this.queues = queues;
            this.queue = queues.queue(0);
            this.features = queues.features();
            this.failed = false;
        }
    }

    @Override
    public void queueNotify(int queueIndex) {
        if (queueIndex == 0) {
            submitAvailable();
        }
    }

    /** Hands every available chain to the I/O threads, up to one queue's worth in flight. */
    private void submitAvailable() {
        DeviceQueues failing = null;
        String why = null;
        synchronized (lock) {
            if (queue == null || failed) {
                return;
            }
            try {
                while (inFlight < queue.size()) {
                    DescriptorChain chain = queue.pop();
                    if (chain == null) {
                        break;
                    }
                    inFlight++;
                    long submittedIn = generation;
                    long negotiated = features;
                    DeviceQueues target = queues;
                    io.execute(() -> serve(chain, target, negotiated, submittedIn));
                }
            } catch (VirtqueueException e) {
                failed = true;
                failing = queues;
                why = e.getMessage();
            }
        }
        if (failing != null) {
            failing.fail(why); // outside our lock: the transport takes its own
        }
    }

    /** On an I/O thread: serves one request, then returns it to the driver unless the device was reset meanwhile. */
    private void serve(DescriptorChain chain, DeviceQueues target, long negotiated, long submittedIn) {
        int written = 0;
        String malformed = null;
        try {
            written = BlockRequest.serve(chain, target.memory(), image, negotiated, serial);
        } catch (VirtqueueException e) {
            malformed = e.getMessage();
        } catch (RuntimeException e) {
            // a host bug, not the guest's doing: say so, and let the driver see a failed device instead of a hang
            Log.internal("virtio-blk " + image.path() + ": request " + chain.head() + " failed: " + e);
            malformed = "internal error: " + e;
        }
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
            if (submittedIn != generation) {
                return; // reset since: the used ring is no longer ours
            }
            if (malformed == null) {
                queue.addUsed(chain, written);
                // under our lock, so the transport's interrupt decision sees every entry added so far; the
                // transport's signals never wait for the device (see VirtioMmioTransport's locking)
                target.notifyUsed(0);
            } else {
                failed = true;
            }
        }
        if (malformed != null) {
            target.fail(malformed);
            return;
        }
        submitAvailable(); // room for chains that waited while a queue's worth was in flight
    }

    @Override
    public void reset() {
        boolean interrupted = false;
        synchronized (lock) {
            generation++;
            queues = null;
            queue = null;
            failed = false;
            while (inFlight > 0) { // their guest-memory I/O must be over before the driver reuses the buffers
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Finishes the requests in flight, then closes the image (never interrupting the I/O threads: see {@link BlockImage}). */
    @Override
    public void close() {
        synchronized (lock) {
            generation++; // nothing more is popped or completed
            queues = null;
            queue = null;
        }
        io.shutdown();
        try {
            if (!io.awaitTermination(30, TimeUnit.SECONDS)) {
                Log.warn("virtio-blk " + image.path() + ": I/O still running after 30 s at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeImage(image);
    }

    private static void closeImage(BlockImage image) {
        try {
            image.close();
        } catch (IOException e) {
            Log.warn("virtio-blk " + image.path() + ": closing the image failed: " + e.getMessage());
        }
    }
}
