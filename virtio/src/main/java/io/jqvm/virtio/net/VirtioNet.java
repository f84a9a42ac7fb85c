package io.jqvm.virtio.net;

import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.ConfigSpace;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A virtio network device (virtio 1.2 §5.1) with one receive and one transmit queue, in front of a
 * {@link NetBackend}. It offers its MAC address (VIRTIO_NET_F_MAC), link state (VIRTIO_NET_F_STATUS, with a
 * configuration interrupt when the backend's link changes) and mergeable receive buffers
 * (VIRTIO_NET_F_MRG_RXBUF). Checksum and TCP segmentation offloads are offered when the backend carries the
 * virtio-net header to the host (a TAP); otherwise every frame is complete and checksummed both ways.
 *
 * <p>Threads: a vCPU's kick only wakes a thread. Transmission runs on this device's own thread, which copies a
 * frame out of the guest, returns the buffer and then hands the frame to the backend (which may wait for room).
 * Reception runs on the backend's thread; while the driver has posted no receive buffer that thread waits for
 * the next kick instead of reading on, so the backend is held back rather than frames lost. Frames that arrive
 * before the driver is ready, or that can never fit the posted buffers, are dropped and counted.
 *
 * <p>Lock order: the transport's lock, then {@code rxLock}/{@code txLock}; nothing is called on
 * {@link DeviceQueues} while one of the device's locks is held, so a transport calling in under its own lock
 * cannot deadlock against a device thread calling out.
 */
public final class VirtioNet implements VirtioDevice {
    public static final int DEVICE_ID = 1;
    static final int RECEIVEQ = 0;
    static final int TRANSMITQ = 1;
    /** QEMU's default ring size for both queues. */
    static final int QUEUE_SIZE = 256;
    static final long F_CSUM = 1L << 0;
    static final long F_GUEST_CSUM = 1L << 1;
    static final long F_MAC = 1L << 5;
    static final long F_GUEST_TSO4 = 1L << 7;
    static final long F_GUEST_TSO6 = 1L << 8;
    static final long F_GUEST_ECN = 1L << 9;
    static final long F_HOST_TSO4 = 1L << 11;
    static final long F_HOST_TSO6 = 1L << 12;
    static final long F_HOST_ECN = 1L << 13;
    /** What a backend that carries the virtio-net header lets the guest use (the same offloads QEMU's TAP offers). */
    static final long OFFLOADS = F_CSUM | F_GUEST_CSUM | F_GUEST_TSO4 | F_GUEST_TSO6 | F_GUEST_ECN
            | F_HOST_TSO4 | F_HOST_TSO6 | F_HOST_ECN;
    static final long F_MRG_RXBUF = 1L << 15;
    static final long F_STATUS = 1L << 16;
    static final long F_VERSION_1 = 1L << 32;
    static final int S_LINK_UP = 1;
    /** struct virtio_net_hdr with num_buffers: always for a modern driver, with MRG_RXBUF for a legacy one. */
    static final int HEADER = 12;
    /** The legacy header without num_buffers. */
    static final int LEGACY_HEADER = 10;
    static final int NUM_BUFFERS_OFFSET = 10;
    /** Shortest frame worth sending: an Ethernet header. */
    static final int MIN_FRAME = 14;
    /** Largest frame either way: 64 KiB of payload (passt's MTU is 65520) plus an Ethernet and a VLAN header. */
    public static final int MAX_FRAME = 65_536 + 18;
    /** mac[6] and status (le16): the fields our features make valid. */
    private static final int CONFIG_SIZE = 8;

    /** What the device has moved and dropped since it was made. */
    public record Counters(long txFrames, long txDropped, long rxFrames, long rxDropped) {
    }

    /** The negotiated state while the driver has the device running. */
    /**
     * The negotiated state while the driver has the device running: the header size the driver uses, and whether
     * the backend's headers pass through (with the offloads negotiated in each direction).
     */
    private record Active(DeviceQueues queues, int header, boolean mergeable, boolean status, boolean passHeader,
                          boolean guestCsum, boolean hostCsum) {
    }

    enum Delivery { DELIVERED, NO_BUFFERS, DROPPED }

    private final String name;
    private final MacAddress mac;
    private final NetBackend backend;
    private final ReentrantLock rxLock = new ReentrantLock();
    private final ReentrantLock txLock = new ReentrantLock();
    private final Thread txThread;
    private final AtomicBoolean txKicked = new AtomicBoolean();
    private final ByteBuffer txFrame = ByteBuffer.allocateDirect(MAX_FRAME);
    private final AtomicLong txFrames = new AtomicLong();
    private final AtomicLong txDropped = new AtomicLong();
    private final AtomicLong rxFrames = new AtomicLong();
    private final AtomicLong rxDropped = new AtomicLong();
    private volatile Active active;
    private volatile boolean linkUp;
    private volatile boolean rxKicked;
    private volatile Thread rxWaiter;
    private volatile boolean closed;

    /** A device named {@code name} (for threads and log lines) with address {@code mac}; starts the backend. */
    public VirtioNet(String name, MacAddress mac, NetBackend backend) {
        this.name = name;
        this.mac = mac;
        this.backend = backend;
        this.linkUp = backend.linkUp();
        this.txThread = Thread.ofPlatform().daemon().name("virtio-net-tx " + name).start(this::transmitLoop);
        backend.start(new NetBackend.Sink() {
            @Override
            public void receive(ByteBuffer frame) {
                VirtioNet.this.receive(frame);
            }

            @Override
            public void linkChanged(boolean up) {
                VirtioNet.this.linkChanged(up);
            }
        });
    }

    public MacAddress mac() {
        return mac;
    }

    public Counters counters() {
        return new Counters(txFrames.get(), txDropped.get(), rxFrames.get(), rxDropped.get());
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long offeredFeatures() {
        return F_MAC | F_STATUS | F_MRG_RXBUF | (backend.carriesHeader() ? OFFLOADS : 0);
    }

    @Override
    public int queueCount() {
        return 2;
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
        byte[] config = new byte[CONFIG_SIZE];
        System.arraycopy(mac.bytes(), 0, config, 0, MacAddress.LENGTH);
        config[6] = (byte) (linkUp ? S_LINK_UP : 0);
        return ConfigSpace.read(config, offset, size);
    }

    @Override
    public void activate(DeviceQueues queues) {
        long features = queues.features();
        boolean mergeable = (features & F_MRG_RXBUF) != 0;
        boolean modern = (features & F_VERSION_1) != 0;
        boolean passHeader = backend.carriesHeader();
        Active a = new Active(queues, modern || mergeable ? HEADER : LEGACY_HEADER, mergeable, (features & F_STATUS) != 0,
                passHeader, (features & F_GUEST_CSUM) != 0, (features & F_CSUM) != 0);
        if (passHeader) {
            backend.acceptOffloads(new NetBackend.GuestOffloads((features & F_GUEST_CSUM) != 0,
                    (features & F_GUEST_TSO4) != 0, (features & F_GUEST_TSO6) != 0, (features & F_GUEST_ECN) != 0));
        }
        rxLock.lock();
        txLock.lock();
        try {
            active = a;
        } finally {
            txLock.unlock();
            rxLock.unlock();
        }
        queueNotify(TRANSMITQ); // frames the driver queued before DRIVER_OK
    }

    @Override
    public void queueNotify(int queue) {
        if (queue == TRANSMITQ) {
            txKicked.set(true);
            LockSupport.unpark(txThread);
        } else if (queue == RECEIVEQ) {
            wakeReceiver();
        }
    }

    @Override
    public void reset() {
        rxLock.lock();
        txLock.lock();
        try {
            active = null;
        } finally {
            txLock.unlock();
            rxLock.unlock();
        }
        wakeReceiver();
        if (backend.carriesHeader()) {
            backend.acceptOffloads(NetBackend.GuestOffloads.NONE);
        }
    }

    @Override
    public void close() {
        closed = true;
        wakeReceiver();
        LockSupport.unpark(txThread);
        backend.close();
        try {
            txThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void wakeReceiver() {
        rxKicked = true;
        Thread waiter = rxWaiter;
        if (waiter != null) {
            LockSupport.unpark(waiter);
        }
    }

    private void linkChanged(boolean up) {
        if (linkUp == up) {
            return;
        }
        linkUp = up;
        Active a = active;
        if (a != null && a.status()) {
            a.queues().configChanged();
        }
    }

    // Transmit: the device's thread.

    private void transmitLoop() {
        while (!closed) {
            if (txKicked.getAndSet(false)) {
                transmitAll();
            } else {
                LockSupport.park(this);
            }
        }
    }

    private void transmitAll() {
        while (!closed && transmitOne()) {
            // one frame per turn, each returned to the driver before the backend takes it
        }
    }

    /**
     * Serves the next transmit request: copies its frame out, returns the buffer, and hands the frame to the
     * backend. False when there was none (or the device is not serving). The fuzz target calls it directly.
     */
    boolean transmitOne() {
        Active a;
        boolean haveFrame = false;
        String failure = null;
        txLock.lock();
        try {
            a = active;
            if (a == null) {
                return false;
            }
            Virtqueue queue = a.queues().queue(TRANSMITQ);
            DescriptorChain chain = queue == null ? null : queue.pop(); // a driver may leave a queue disabled
            if (chain == null) {
                return false;
            }
            haveFrame = takeFrame(a, chain);
            queue.addUsed(chain, 0);
        } catch (VirtqueueException e) {
            a = stopServing();
            failure = "transmit queue: " + e.getMessage();
        } finally {
            txLock.unlock();
        }
        if (failure != null) {
            fail(a, failure);
            return false;
        }
        a.queues().notifyUsed(TRANSMITQ);
        if (!haveFrame) {
            txDropped.incrementAndGet();
        } else if (backend.send(txFrame)) {
            txFrames.incrementAndGet();
        } else {
            txDropped.incrementAndGet();
        }
        return true;
    }

    /**
     * Copies the frame after the header into {@link #txFrame}, behind a {@value #HEADER}-byte header when the
     * backend takes one (the driver's, or zeros unless it negotiated checksum offload); false when the frame is
     * too short or too long to send.
     */
    private boolean takeFrame(Active a, DescriptorChain chain) throws VirtqueueException {
        long total = chain.readableLength();
        if (total < a.header()) {
            throw new VirtqueueException("transmit request of " + total + " bytes is shorter than the " + a.header()
                    + "-byte virtio-net header");
        }
        long length = total - a.header();
        if (length < MIN_FRAME || length > MAX_FRAME) {
            return false;
        }
        MemorySegment out = MemorySegment.ofBuffer(txFrame.clear());
        int at = 0;
        if (a.passHeader()) {
            out.asSlice(0, HEADER).fill((byte) 0);
            if (a.hostCsum()) {
                chain.read(0, out, 0, NUM_BUFFERS_OFFSET); // num_buffers means nothing on transmit
            }
            at = HEADER;
        }
        chain.read(a.header(), out, at, length);
        txFrame.limit(at + (int) length);
        return true;
    }

    // Receive: the backend's thread.

    private void receive(ByteBuffer frame) {
        rxWaiter = Thread.currentThread();
        while (!closed) {
            rxKicked = false; // cleared before looking, so a kick that comes after the look is not lost
            Active a = active;
            if (offer(frame) != Delivery.NO_BUFFERS) {
                return;
            }
            while (!rxKicked && !closed && active == a) {
                LockSupport.park(this);
            }
        }
        rxDropped.incrementAndGet();
    }

    /**
     * One attempt to deliver {@code frame}: delivered (and the driver notified), dropped (and counted), or no
     * receive buffer yet. Never waits. The fuzz target calls it directly.
     */
    Delivery offer(ByteBuffer frame) {
        int headerBytes = backend.carriesHeader() ? HEADER : 0;
        if (frame.remaining() > headerBytes + MAX_FRAME || frame.remaining() < headerBytes) {
            rxDropped.incrementAndGet();
            return Delivery.DROPPED;
        }
        MemorySegment bytes = MemorySegment.ofBuffer(frame);
        Active a;
        Delivery outcome = Delivery.DROPPED;
        String failure = null;
        rxLock.lock();
        try {
            a = active;
            if (a != null) {
                outcome = deliver(a, bytes.asSlice(0, headerBytes), bytes.asSlice(headerBytes));
            }
        } catch (VirtqueueException e) {
            a = stopServing();
            failure = "receive queue: " + e.getMessage();
        } finally {
            rxLock.unlock();
        }
        if (failure != null) {
            fail(a, failure);
        }
        if (outcome == Delivery.DELIVERED) {
            rxFrames.incrementAndGet();
            a.queues().notifyUsed(RECEIVEQ);
        } else if (outcome == Delivery.DROPPED) {
            rxDropped.incrementAndGet();
        }
        return outcome;
    }

    /**
     * Writes header and frame into the next receive buffer, or (mergeable buffers) into as many as it takes, all
     * returned at once. A frame that does not fit leaves the buffers where they were. The header is the backend's
     * ({@code backendHeader}, empty when it has none) when the driver accepts checksum offload, else all zeros: a
     * complete frame.
     */
    private static Delivery deliver(Active a, MemorySegment backendHeader, MemorySegment frame) throws VirtqueueException {
        Virtqueue queue = a.queues().queue(RECEIVEQ);
        if (queue == null) {
            return Delivery.DROPPED; // the driver does not receive at all
        }
        long length = frame.byteSize();
        long needed = a.header() + length;
        List<DescriptorChain> chains = new ArrayList<>();
        long room = 0;
        while (room < needed) {
            DescriptorChain chain = queue.pop();
            if (chain == null) {
                putBack(queue, chains.size());
                // With the whole ring posted and still too little room, no kick can ever make the frame fit.
                return chains.size() >= queue.size() ? Delivery.DROPPED : Delivery.NO_BUFFERS;
            }
            if (chains.isEmpty() && chain.writableLength() < a.header()) {
                throw new VirtqueueException("receive buffer of " + chain.writableLength() + " bytes cannot hold the "
                        + a.header() + "-byte virtio-net header");
            }
            chains.add(chain);
            room += chain.writableLength();
            if (!a.mergeable() && room < needed) {
                putBack(queue, 1);
                return Delivery.DROPPED;
            }
        }
        byte[] header = new byte[a.header()];
        if (a.guestCsum() && backendHeader.byteSize() == HEADER) {
            MemorySegment.copy(backendHeader, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, header, 0, NUM_BUFFERS_OFFSET);
        }
        if (a.header() == HEADER) {
            header[NUM_BUFFERS_OFFSET] = (byte) chains.size();
            header[NUM_BUFFERS_OFFSET + 1] = (byte) (chains.size() >>> 8);
        }
        int[] written = new int[chains.size()];
        long done = 0;
        long skip = a.header();
        for (int i = 0; i < chains.size(); i++) {
            DescriptorChain chain = chains.get(i);
            if (i == 0) {
                chain.write(0, header, 0, header.length);
            }
            long n = Math.min(chain.writableLength() - skip, length - done);
            chain.write(skip, frame, done, n);
            written[i] = (int) (skip + n);
            done += n;
            skip = 0;
        }
        queue.addUsed(chains, written);
        return Delivery.DELIVERED;
    }

    private static void putBack(Virtqueue queue, int count) {
        for (int i = 0; i < count; i++) {
            queue.undoPop();
        }
    }

    /** The driver broke a queue: serve nothing more until it resets the device. Returns what was active. */
    private Active stopServing() {
        Active a = active;
        active = null;
        return a;
    }

    /** Reports a broken queue, outside the device's locks (see the class comment). */
    private void fail(Active a, String why) {
        if (a != null) {
            a.queues().fail("virtio-net " + name + " " + why);
        }
    }
}
