package io.jqvm.virtio.rng;

import io.jqvm.common.Log;
import io.jqvm.device.DeviceClock;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import java.io.IOException;
import java.util.concurrent.Executor;

/**
 * virtio-entropy (virtio 1.2 §5.4, device ID 4): one queue of device-writable buffers, which the device fills
 * from the host's random source. No features, no configuration space.
 *
 * <p>Small requests (what Linux's {@code virtio-rng} sends: one buffer of at most a page) are filled on the
 * notifying vCPU's thread; a larger one goes to {@code worker}, so a guest asking for megabytes never holds a
 * vCPU. A request gets at most {@link #MAX_REQUEST} bytes; the used length tells the driver how many.
 *
 * <p>qvm's {@code delayed secs|forever}: the host device is opened lazily, when the guest first asks, and
 * retried every second until the time passes; requests wait unanswered meanwhile. If it never opens, the device
 * sets DEVICE_NEEDS_RESET. Without {@code delayed} the source is opened when the VM is built ({@link #open}).
 */
public final class VirtioEntropy implements VirtioDevice {
    public static final int DEVICE_ID = 4;
    public static final int QUEUE_SIZE = 256;
    static final int INLINE_MAX = 4096;
    static final int MAX_REQUEST = 64 * 1024;
    static final long RETRY_NANOS = 1_000_000_000L;
    /** {@code delayed forever}. */
    public static final long FOREVER = Long.MAX_VALUE;

    private final String name;
    private final EntropySource.Opener opener;
    private final DeviceClock clock;
    private final Executor worker;
    private final long openDeadline;

    private EntropySource source;   // guarded by this; null until opened
    private DeviceQueues queues;    // guarded by this; null unless active
    private boolean opening;
    private boolean gaveUp;
    private boolean workerBusy;

    private VirtioEntropy(String name, EntropySource source, EntropySource.Opener opener, long openWithinNanos,
                          DeviceClock clock, Executor worker) {
        this.name = name;
        this.source = source;
        this.opener = opener;
        this.clock = clock;
        this.worker = worker;
        long now = clock.nanoTime();
        this.openDeadline = openWithinNanos > FOREVER - now ? FOREVER : now + openWithinNanos;
    }

    /** A device whose source is opened now; the caller reports a failure as a configuration error. */
    public static VirtioEntropy open(String name, EntropySource.Opener opener, DeviceClock clock, Executor worker)
            throws IOException {
        return new VirtioEntropy(name, opener.open(), opener, 0, clock, worker);
    }

    /** qvm's {@code delayed}: opens the source when first needed, retrying for {@code openWithinNanos} (0: once). */
    public static VirtioEntropy delayed(String name, EntropySource.Opener opener, long openWithinNanos, DeviceClock clock,
                                        Executor worker) {
        return new VirtioEntropy(name, null, opener, openWithinNanos, clock, worker);
    }

    @Override public int deviceId() { return DEVICE_ID; }
    @Override public long offeredFeatures() { return 0; }
    @Override public int queueCount() { return 1; }
    @Override public int queueMaxSize(int queue) { return QUEUE_SIZE; }
    @Override public int configSize() { return 0; }
    @Override public long readConfig(int offset, int size) { return 0; }

    @Override
    public synchronized void activate(DeviceQueues activated) {
        queues = activated;
        serve();
    }

    @Override
    public synchronized void queueNotify(int queue) {
        if (queues != null) {
            serve();
        }
    }

    @Override
    public synchronized void reset() {
        queues = null;
        workerBusy = false; // a worker still running sees it was retired and stops without touching the queue
    }

    @Override
    public synchronized void close() {
        if (source != null) {
            try {
                source.close();
            } catch (IOException e) {
                Log.warn(name + ": closing the random source: " + e.getMessage());
            }
        }
    }

    /** Serves what is available: small requests here, the rest on the worker. Holds the lock. */
    private void serve() {
        Virtqueue queue = queues.queue(0);
        if (queue == null || workerBusy) {
            return;
        }
        if (source == null) {
            if (gaveUp) {
                queues.fail("the host random source could not be opened");
            } else if (!opening) {
                opening = true;
                clock.schedule(0, this::tryOpen);
            }
            return;
        }
        boolean served = false;
        try {
            DescriptorChain chain;
            while ((chain = queue.pop()) != null) {
                if (chain.writableLength() > INLINE_MAX) {
                    queue.undoPop();
                    workerBusy = true;
                    DeviceQueues active = queues;
                    worker.execute(() -> drainOnWorker(active));
                    break;
                }
                queue.addUsed(chain, chain.write(0, random(chain), 0, (int) chain.writableLength()));
                served = true;
            }
        } catch (VirtqueueException e) {
            queues.fail(e.getMessage());
        } catch (IOException e) {
            queues.fail("reading the host random source: " + e.getMessage());
        }
        if (served) {
            queues.notifyUsed(0);
        }
    }

    private byte[] random(DescriptorChain chain) throws IOException {
        byte[] bytes = new byte[(int) Math.min(chain.writableLength(), MAX_REQUEST)];
        source.fill(bytes);
        return bytes;
    }

    /** Serves every request until the queue is empty; reads the source without the lock, so vCPUs never wait on it. */
    private void drainOnWorker(DeviceQueues active) {
        while (true) {
            DescriptorChain chain;
            synchronized (this) {
                if (queues != active) {
                    return;
                }
                try {
                    chain = active.queue(0).pop();
                } catch (VirtqueueException e) {
                    active.fail(e.getMessage());
                    workerBusy = false;
                    return;
                }
                if (chain == null) {
                    workerBusy = false;
                    return;
                }
            }
            byte[] bytes;
            try {
                bytes = random(chain);
            } catch (IOException e) {
                synchronized (this) {
                    if (queues == active) {
                        active.fail("reading the host random source: " + e.getMessage());
                        workerBusy = false;
                    }
                }
                return;
            }
            synchronized (this) {
                if (queues != active) {
                    return; // reset meanwhile: the old queue's memory is the driver's again
                }
                active.queue(0).addUsed(chain, chain.write(0, bytes, 0, bytes.length));
                active.notifyUsed(0);
            }
        }
    }

    /** On the clock thread: one attempt to open the source, then serve or retry or give up. */
    private void tryOpen() {
        EntropySource opened = null;
        String failure = null;
        try {
            opened = opener.open();
        } catch (IOException e) {
            failure = e.getMessage();
        }
        synchronized (this) {
            if (opened != null) {
                source = opened;
                opening = false;
                if (queues != null) {
                    serve();
                }
            } else if (clock.nanoTime() - openDeadline >= 0 && openDeadline != FOREVER) {
                opening = false;
                gaveUp = true;
                Log.error(name + ": the host random source did not open in time: " + failure);
                if (queues != null) {
                    queues.fail("the host random source could not be opened");
                }
            } else {
                clock.schedule(RETRY_NANOS, this::tryOpen);
            }
        }
    }
}
