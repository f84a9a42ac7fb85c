package io.jqvm.mediator;

import static io.jqvm.virtio.vhostuser.VhostUserProtocol.CONFIG_HEADER_SIZE;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.FLAG_NEED_REPLY;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.FLAG_REPLY;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.FLAG_VERSION;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.F_PROTOCOL_FEATURES;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.HEADER_SIZE;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.MAX_CONFIG_SIZE;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.PROTOCOL_F_CONFIG;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.PROTOCOL_F_REPLY_ACK;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.VRING_ADDR_SIZE;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.VRING_INDEX_MASK;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.VRING_NOFD_MASK;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.le;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.message;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.name;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.u64;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.GET_FEATURES;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_FEATURES;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.GET_PROTOCOL_FEATURES;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_PROTOCOL_FEATURES;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_OWNER;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.RESET_OWNER;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.GET_QUEUE_NUM;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_MEM_TABLE;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_VRING_NUM;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_VRING_ADDR;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_VRING_BASE;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.GET_VRING_BASE;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_VRING_KICK;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_VRING_CALL;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_VRING_ERR;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_VRING_ENABLE;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.GET_CONFIG;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.GET_INFLIGHT_FD;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.INFLIGHT_SIZE;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.PROTOCOL_F_INFLIGHT_SHMFD;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.SET_INFLIGHT_FD;

import io.jqvm.common.Log;
import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.host.UnixSocket;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.blk.BlockDisk;
import io.jqvm.virtio.vhostuser.VhostUserProtocol;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One front end's vhost-user connection to the mediator: the back end's side of the protocol for one virtio-blk
 * queue. Its thread reads the front end's messages and its kick eventfd; a kick pops the ring's chains into the
 * {@link PriorityScheduler} under this client's policy, and the mediator's I/O threads serve them through
 * {@link BlockDisk} and {@link #complete} them. Everything the front end says is checked: a message it could
 * not mean (a malformed header, a memory table that does not add up, ring addresses outside its memory, a
 * malformed descriptor chain) ends this connection with one log line; the other clients never notice.
 *
 * <p>Guest memory stays mapped while any of its requests is popped and not completed: ending the connection,
 * stopping a ring (GET_VRING_BASE) or a new memory table first wait for them.
 */
final class ClientConnection {
    /** A popped request waiting for, or in, service. */
    record Pending(ClientConnection connection, DescriptorChain chain, GuestMemory memory, long features, long generation) {
    }

    /** What the mediator offers every front end: virtio 1, indirect descriptors, event index, protocol features. */
    static final long TRANSPORT_FEATURES = (1L << 32) | (1L << 28) | (1L << 29) | F_PROTOCOL_FEATURES;
    static final long PROTOCOL_FEATURES = PROTOCOL_F_REPLY_ACK | PROTOCOL_F_CONFIG | PROTOCOL_F_INFLIGHT_SHMFD;
    /** No message the protocol defines for a block device carries more (a full memory table is 8 + 8 × 32). */
    static final int MAX_PAYLOAD = 4096;
    /** Once a message has begun, the rest must follow within this time. */
    static final int MESSAGE_TIMEOUT_MS = 5000;
    private static final long EVENT_IDX = 1L << 29;

    private final MediatorConfig.Client config;
    private final BlockDisk disk;
    private final PriorityScheduler<Pending> scheduler;
    private final PriorityScheduler.Client<Pending> slot;
    private final UnixSocket socket;
    private final String name;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one;

    // Protocol state: the connection's thread only.
    private long features;
    private int ringSize;
    private long descUser;
    private long availUser;
    private long usedUser;
    private boolean addressed;
    private int base;
    private int kickFd = -1;

    private final Object lock = new Object(); // guards everything below, and the queue itself
    private FrontEndMemory memory;
    private InflightRegion inflight; // null unless the front end asked for inflight tracking
    private List<Integer> resubmit = List.of(); // heads an earlier back end took and never returned
    private Virtqueue queue;   // null while the ring is stopped
    private boolean enabled;
    private boolean draining;  // no more pops: a stop waits for what was popped
    private int callFd = -1;
    private int inFlight;      // popped, neither dropped nor completed
    private long generation;   // bumped when the connection ends: later completions are dropped
    private String failure;    // why the connection is being dropped, once it is

    ClientConnection(MediatorConfig.Client config, BlockDisk disk, PriorityScheduler<Pending> scheduler,
            PriorityScheduler.Client<Pending> slot, UnixSocket socket) {
        this.config = config;
        this.disk = disk;
        this.scheduler = scheduler;
        this.slot = slot;
        this.socket = socket;
        this.name = "mediator client " + config.name();
        this.one = arena.allocate(8);
        one.set(ValueLayout.JAVA_LONG, 0, 1);
    }

    /** Serves the connection until the front end goes or breaks the protocol; then releases everything. */
    void run() {
        try (Arena local = Arena.ofConfined()) {
            MemorySegment fds = local.allocate(16);
            MemorySegment counter = local.allocate(8);
            while (true) {
                int kick = kickFd;
                pollEntry(fds, 0, socket.fd());
                pollEntry(fds, 1, kick);
                if (Libc.poll(fds, 2, -1) <= 0) {
                    continue;
                }
                if (fds.get(ValueLayout.JAVA_SHORT, 6) != 0 && !nextMessage()) {
                    return;
                }
                if (kick >= 0 && fds.get(ValueLayout.JAVA_SHORT, 14) != 0) {
                    Libc.read(kick, counter, 8);
                    pump();
                }
            }
        } catch (ProtocolException e) {
            fail(e.getMessage());
        } catch (HostException e) {
            fail(e.getMessage());
        } catch (InternalError e) {
            fail(faulted(e));
        } finally {
            teardown();
        }
    }

    private static void pollEntry(MemorySegment fds, int index, int fd) {
        fds.set(ValueLayout.JAVA_INT, 8L * index, fd);
        fds.set(ValueLayout.JAVA_SHORT, 8L * index + 4, Libc.POLLIN);
        fds.set(ValueLayout.JAVA_SHORT, 8L * index + 6, (short) 0);
    }

    /** Reads and handles one message; false when the front end closed the connection. */
    private boolean nextMessage() {
        List<Integer> fds = new ArrayList<>();
        try {
            byte[] head = receive(HEADER_SIZE, fds, true);
            if (head == null) {
                Log.info(name + ": the front end closed the connection");
                return false;
            }
            ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            int request = h.getInt();
            int flags = h.getInt();
            int size = h.getInt();
            if ((flags & 0x3) != FLAG_VERSION || (flags & FLAG_REPLY) != 0) {
                throw new ProtocolException(name(request) + " with flags 0x" + Integer.toHexString(flags)
                        + " (version 1, not a reply, expected)");
            }
            if (size < 0 || size > MAX_PAYLOAD) {
                throw new ProtocolException(name(request) + " with a payload of " + Integer.toUnsignedString(size) + " bytes");
            }
            byte[] body = size == 0 ? new byte[0] : receive(size, fds, false);
            ByteBuffer payload = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
            boolean replied = handle(request, payload, fds);
            if (!replied && (flags & FLAG_NEED_REPLY) != 0) {
                reply(request, u64(0));
            }
            return true;
        } finally {
            fds.forEach(Libc::close); // whatever a handler kept, it took out of the list
        }
    }

    /** {@code length} bytes; null at end of stream before the first byte of a message. */
    private byte[] receive(int length, List<Integer> fds, boolean messageStart) {
        byte[] into = new byte[length];
        int have = 0;
        long deadline = System.nanoTime() + MESSAGE_TIMEOUT_MS * 1_000_000L;
        while (have < length) {
            int wait = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
            int n = socket.receive(into, have, length - have, fds, wait);
            if (n == 0) {
                if (messageStart && have == 0) {
                    return null;
                }
                throw new ProtocolException("the front end closed the connection in the middle of a message");
            }
            if (n < 0) {
                throw new ProtocolException("the front end sent part of a message and then nothing for "
                        + MESSAGE_TIMEOUT_MS + " ms");
            }
            have += n;
        }
        return into;
    }

    /** Handles one request; true when it sent its own reply. */
    private boolean handle(int request, ByteBuffer p, List<Integer> fds) {
        switch (request) {
            case GET_FEATURES -> {
                reply(request, u64(TRANSPORT_FEATURES | disk.offeredFeatures()));
                return true;
            }
            case SET_FEATURES -> {
                long wanted = readU64(p, request);
                long offered = TRANSPORT_FEATURES | disk.offeredFeatures();
                if ((wanted & ~offered) != 0) {
                    throw new ProtocolException("SET_FEATURES 0x" + Long.toHexString(wanted) + " has bits never offered (0x"
                            + Long.toHexString(wanted & ~offered) + ")");
                }
                features = wanted;
            }
            case GET_PROTOCOL_FEATURES -> {
                reply(request, u64(PROTOCOL_FEATURES));
                return true;
            }
            case SET_PROTOCOL_FEATURES -> {
                long wanted = readU64(p, request);
                if ((wanted & ~PROTOCOL_FEATURES) != 0) {
                    throw new ProtocolException("SET_PROTOCOL_FEATURES 0x" + Long.toHexString(wanted) + " has bits never offered");
                }
            }
            case SET_OWNER -> {
                // the connection is the owner; nothing to record
            }
            case RESET_OWNER -> stopRing();
            case GET_QUEUE_NUM -> {
                reply(request, u64(1));
                return true;
            }
            case SET_MEM_TABLE -> setMemTable(p, fds);
            case SET_VRING_NUM -> {
                int size = readVringState(p, request);
                if (size < 1 || size > Virtqueue.MAX_SIZE || Integer.bitCount(size) != 1) {
                    throw new ProtocolException("SET_VRING_NUM " + size + " is not a power of two up to " + Virtqueue.MAX_SIZE);
                }
                ringSize = size;
            }
            case SET_VRING_ADDR -> {
                need(p, VRING_ADDR_SIZE, request);
                ring(p.getInt(), request);
                p.getInt(); // flags: only VHOST_VRING_F_LOG, which needs logging we never offer
                descUser = p.getLong();
                usedUser = p.getLong();
                availUser = p.getLong();
                addressed = true;
            }
            case SET_VRING_BASE -> base = readVringState(p, request) & 0xffff;
            case GET_VRING_BASE -> {
                need(p, 8, request);
                int index = ring(p.getInt(), request);
                int stoppedAt = stopRing();
                reply(request, VhostUserProtocol.vringState(index, stoppedAt));
                return true;
            }
            case SET_VRING_KICK -> {
                int fd = ringFd(p, fds, request);
                if (fd < 0) {
                    throw new ProtocolException("SET_VRING_KICK without a descriptor (a polled ring) is not supported");
                }
                if (kickFd >= 0) {
                    Libc.close(kickFd);
                }
                kickFd = fd;
                startRing();
            }
            case SET_VRING_CALL -> {
                int fd = ringFd(p, fds, request);
                synchronized (lock) {
                    if (callFd >= 0) {
                        Libc.close(callFd);
                    }
                    callFd = fd;
                }
            }
            case SET_VRING_ERR -> ringFd(p, fds, request); // never signalled: our errors end the connection
            case SET_VRING_ENABLE -> {
                int enable = readVringState(p, request);
                synchronized (lock) {
                    enabled = enable != 0;
                }
                pump();
            }
            case GET_INFLIGHT_FD -> {
                getInflight(p);
                return true;
            }
            case SET_INFLIGHT_FD -> setInflight(p, fds);
            case GET_CONFIG -> {
                if (p.capacity() < CONFIG_HEADER_SIZE) {
                    throw new ProtocolException("GET_CONFIG with a " + p.capacity() + "-byte payload");
                }
                int offset = p.getInt();
                int size = p.getInt();
                if (offset < 0 || size < 0 || size > MAX_CONFIG_SIZE || offset > MAX_CONFIG_SIZE - size
                        || p.capacity() != CONFIG_HEADER_SIZE + size) {
                    throw new ProtocolException("GET_CONFIG of " + size + " bytes at " + offset + " in a "
                            + p.capacity() + "-byte message");
                }
                byte[] config = disk.configSpace();
                ByteBuffer r = le(CONFIG_HEADER_SIZE + size).putInt(offset).putInt(size).putInt(0);
                for (int i = 0; i < size; i++) {
                    r.put(offset + i < config.length ? config[offset + i] : 0);
                }
                reply(request, r.array());
                return true;
            }
            default -> {
                // SET_CONFIG (the configuration space is read-only) and requests for features never offered
                Log.warn(name + ": " + name(request) + " is not supported; refused");
                reply(request, u64(1));
                return true;
            }
        }
        return false;
    }

    private void setMemTable(ByteBuffer p, List<Integer> fds) {
        FrontEndMemory mapped;
        try {
            mapped = FrontEndMemory.map(p, fds);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("SET_MEM_TABLE: " + e.getMessage());
        }
        fds.forEach(Libc::close); // the mappings stay; the descriptors are no longer needed
        fds.clear();
        boolean running;
        synchronized (lock) {
            running = queue != null;
        }
        if (running) {
            base = stopRing(); // the rings are served anew through the new table
        }
        FrontEndMemory old;
        synchronized (lock) {
            old = memory;
            memory = mapped;
        }
        if (old != null) {
            old.close();
        }
        if (running) {
            startRing();
        }
    }

    /** GET_INFLIGHT_FD: a fresh region for the front end to keep (and hand to the next back end). */
    private void getInflight(ByteBuffer p) {
        need(p, INFLIGHT_SIZE, GET_INFLIGHT_FD);
        int queues = Short.toUnsignedInt(p.getShort(16));
        int size = Short.toUnsignedInt(p.getShort(18));
        if (queues != 1 || size < 1 || Integer.bitCount(size) != 1) {
            throw new ProtocolException("GET_INFLIGHT_FD for " + queues + " queues of " + size
                    + " (one queue of a power of two expected)");
        }
        InflightRegion.Created made = InflightRegion.create(size);
        try {
            replaceInflight(made.region());
            socket.send(message(GET_INFLIGHT_FD, FLAG_REPLY, le(INFLIGHT_SIZE).putLong(made.region().size()).putLong(0)
                    .putShort((short) queues).putShort((short) size).array()), made.fd());
        } catch (HostException e) {
            throw new ProtocolException("cannot answer GET_INFLIGHT_FD: " + e.getMessage());
        } finally {
            Libc.close(made.fd());
        }
    }

    /** SET_INFLIGHT_FD: the region an earlier back end (or GET_INFLIGHT_FD) made; checked before it is mapped. */
    private void setInflight(ByteBuffer p, List<Integer> fds) {
        need(p, INFLIGHT_SIZE, SET_INFLIGHT_FD);
        if (fds.size() != 1) {
            throw new ProtocolException("SET_INFLIGHT_FD came with " + fds.size() + " descriptors");
        }
        long size = p.getLong(0);
        long offset = p.getLong(8);
        int queues = Short.toUnsignedInt(p.getShort(16));
        int queueSize = Short.toUnsignedInt(p.getShort(18));
        synchronized (lock) {
            if (queue != null) {
                throw new ProtocolException("SET_INFLIGHT_FD while the ring runs");
            }
        }
        if (queues != 1 || queueSize < 1 || queueSize > Virtqueue.MAX_SIZE) {
            throw new ProtocolException("SET_INFLIGHT_FD for " + queues + " queues of " + queueSize);
        }
        try {
            replaceInflight(InflightRegion.map(fds.getFirst(), size, offset, queueSize));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("SET_INFLIGHT_FD: " + e.getMessage());
        }
    }

    private void replaceInflight(InflightRegion region) {
        InflightRegion old;
        synchronized (lock) {
            old = inflight;
            inflight = region;
        }
        if (old != null) {
            old.close();
        }
    }

    /** Builds the ring once its size, addresses, memory and kick descriptor are all known. */
    private void startRing() {
        synchronized (lock) {
            if (memory == null || !addressed || ringSize == 0 || kickFd < 0) {
                return;
            }
            try {
                long desc = memory.guestAddress(descUser, 16L * ringSize, "descriptor table");
                long avail = memory.guestAddress(availUser, 6L + 2L * ringSize, "available ring");
                long used = memory.guestAddress(usedUser, 6L + 8L * ringSize, "used ring");
                Virtqueue q = new Virtqueue(memory.memory(), ringSize, desc, avail, used, (features & EVENT_IDX) != 0);
                q.resumeAt(base);
                resubmit = inflight == null ? List.of() : inflight.recover(ringSize, q.usedIndex());
                if (!resubmit.isEmpty()) {
                    // What the old back end took and never returned comes first; popping resumes after it.
                    q.resumeAt(q.usedIndex() + resubmit.size());
                    Log.info(name + ": resubmitting " + resubmit.size() + " request(s) the previous back end left in flight");
                }
                queue = q;
                draining = false;
                if ((features & F_PROTOCOL_FEATURES) == 0) {
                    enabled = true; // without protocol features a ring starts enabled
                }
            } catch (IllegalArgumentException | VirtqueueException e) {
                throw new ProtocolException("cannot start the ring: " + e.getMessage());
            }
        }
        pump();
    }

    /**
     * Stops the ring (GET_VRING_BASE, RESET_OWNER, a new memory table): no more pops; the requests already popped
     * are served first (without waiting for tokens), so none is lost. Returns where the ring stopped.
     */
    private int stopRing() {
        synchronized (lock) {
            if (queue == null) {
                return base;
            }
            draining = true;
        }
        scheduler.expedite(slot, true);
        try {
            synchronized (lock) {
                while (inFlight > 0) {
                    lock.wait();
                }
                base = queue.nextAvailableIndex();
                queue = null;
                enabled = false;
                return base;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException("interrupted while stopping the ring");
        } finally {
            scheduler.expedite(slot, false);
        }
    }

    /** Pops what the driver made available into the scheduler, as the client's backlog and overflow allow. */
    void pump() {
        String bad = null;
        synchronized (lock) {
            if (queue == null || !enabled || draining || failure != null) {
                return;
            }
            try {
                for (int head : resubmit) {
                    offer(queue.chainAt(head));
                }
                resubmit = List.of();
                while (config.overflow() == MediatorConfig.Overflow.REFUSE || scheduler.hasRoom(slot)) {
                    DescriptorChain chain = queue.pop();
                    if (chain == null) {
                        break;
                    }
                    if (inflight != null) {
                        inflight.taken(chain.head());
                    }
                    offer(chain);
                }
                signalIfWanted();
            } catch (VirtqueueException e) {
                bad = e.getMessage();
            } catch (InternalError e) {
                bad = faulted(e);
            }
        }
        if (bad != null) {
            fail(bad);
        }
    }

    /** Under the lock: hands a taken chain to the scheduler, or refuses it at once when over the backlog. */
    private void offer(DescriptorChain chain) throws VirtqueueException {
        if (scheduler.offer(slot, new Pending(this, chain, memory.memory(), features, generation))) {
            inFlight++;
        } else {
            returnUsed(chain, BlockDisk.refuse(chain));
        }
    }

    /** Under the lock: puts {@code chain} in the used ring, keeping the inflight record in step. */
    private void returnUsed(DescriptorChain chain, int written) {
        if (inflight != null) {
            inflight.returning(chain.head());
        }
        queue.addUsed(chain, written);
        if (inflight != null) {
            inflight.returned(chain.head(), queue.usedIndex());
        }
    }

    /**
     * What a fault in the front end's memory means. The JDK turns the SIGBUS of an access through a mapping whose
     * file shrank into an {@link InternalError} ("a fault occurred in an unsafe memory access operation") in the
     * accessing thread, for MemorySegment accesses in interpreted and compiled code alike.
     */
    private static String faulted(InternalError e) {
        return "its memory faulted (" + e.getMessage() + "): did the front end shrink its memory file?";
    }

    /** On an I/O thread: serves {@code p} (one of this connection's), then returns it to the driver. */
    void serve(Pending p) {
        int written = 0;
        String bad = null;
        try {
            written = disk.serve(p.chain(), p.memory(), p.features());
        } catch (VirtqueueException e) {
            bad = e.getMessage();
        } catch (RuntimeException e) {
            Log.internal(name + ": request " + p.chain().head() + " failed: " + e);
            bad = "internal error: " + e;
        } catch (InternalError e) {
            bad = faulted(e);
        }
        complete(p, written, bad);
    }

    private void complete(Pending p, int written, String bad) {
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
            if (p.generation() != generation || failure != null) {
                return; // the connection ended: the ring is no longer ours to write
            }
            if (bad == null) {
                try {
                    returnUsed(p.chain(), written);
                    signalIfWanted();
                } catch (InternalError e) {
                    bad = faulted(e);
                }
            }
        }
        if (bad != null) {
            fail(bad);
        } else {
            pump(); // the backlog has room again
        }
    }

    private void signalIfWanted() {
        if (queue != null && queue.needsInterrupt() && callFd >= 0) {
            try {
                Libc.write(callFd, one, 8); // non-blocking: a full counter already means "signalled"
            } catch (HostException e) {
                fail("cannot signal its call eventfd: " + e.getMessage());
            }
        }
    }

    /** Logs why, once, and ends the connection: its thread wakes to the shut-down socket and tears down. */
    private void fail(String why) {
        synchronized (lock) {
            if (failure != null) {
                return;
            }
            failure = why;
        }
        Log.error(name + ": " + why + "; dropping the connection (the other clients go on)");
        socket.shutdown();
    }

    /** An I/O thread met a fault in this front end's memory outside {@link #serve}: drops the connection. */
    void fault(InternalError e) {
        fail(faulted(e));
    }

    /** Ends the connection from outside (the mediator stops): its thread wakes to the shut-down socket. */
    void end() {
        socket.shutdown();
    }

    /** Drops the queued requests, waits for those in service, then unmaps the memory and closes every descriptor. */
    private void teardown() {
        List<Pending> dropped = scheduler.drop(slot);
        synchronized (lock) {
            generation++;
            inFlight -= dropped.size();
            boolean interrupted = false;
            while (inFlight > 0) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            queue = null;
            if (memory != null) {
                memory.close();
                memory = null;
            }
            if (inflight != null) {
                inflight.close(); // the front end keeps its descriptor for the next back end
                inflight = null;
            }
            if (callFd >= 0) {
                Libc.close(callFd);
                callFd = -1;
            }
        }
        if (kickFd >= 0) {
            Libc.close(kickFd);
            kickFd = -1;
        }
        socket.close();
        arena.close();
    }

    private void reply(int request, byte[] payload) {
        try {
            socket.send(message(request, FLAG_REPLY, payload));
        } catch (HostException e) {
            throw new ProtocolException("cannot answer " + name(request) + ": " + e.getMessage());
        }
    }

    /** The descriptor of SET_VRING_KICK/CALL/ERR, taken out of {@code fds}; -1 when the message says it has none. */
    private int ringFd(ByteBuffer p, List<Integer> fds, int request) {
        long v = readU64(p, request);
        ring((int) (v & VRING_INDEX_MASK), request);
        if ((v & ~(VRING_INDEX_MASK | VRING_NOFD_MASK)) != 0) {
            throw new ProtocolException(name(request) + " 0x" + Long.toHexString(v) + " has unknown bits");
        }
        boolean none = (v & VRING_NOFD_MASK) != 0;
        if (none != fds.isEmpty() || fds.size() > 1) {
            throw new ProtocolException(name(request) + " came with " + fds.size() + " descriptors"
                    + (none ? " but says it has none" : ""));
        }
        if (none) {
            return -1;
        }
        requireEventfd(fds.getFirst(), request);
        Libc.setNonBlocking(fds.getFirst()); // a counter the front end filled must not block an I/O thread's signal
        return fds.removeFirst();
    }

    /** Kick and call descriptors must be eventfds: a pipe or socket could block or flood the threads that use them. */
    private static void requireEventfd(int fd, int request) {
        String target;
        try {
            target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            throw new ProtocolException(name(request) + ": cannot inspect its descriptor: " + e.getMessage());
        }
        if (!target.equals("anon_inode:[eventfd]")) {
            throw new ProtocolException(name(request) + " came with " + target + ", not an eventfd");
        }
    }

    private int readVringState(ByteBuffer p, int request) {
        need(p, 8, request);
        ring(p.getInt(), request);
        return p.getInt();
    }

    private static int ring(int index, int request) {
        if (index != 0) {
            throw new ProtocolException(name(request) + " for ring " + Integer.toUnsignedString(index)
                    + ": a mediated disk has one queue");
        }
        return index;
    }

    private static long readU64(ByteBuffer p, int request) {
        need(p, 8, request);
        return p.getLong();
    }

    private static void need(ByteBuffer p, int size, int request) {
        if (p.capacity() != size) {
            throw new ProtocolException(name(request) + " with a " + p.capacity() + "-byte payload (" + size + " expected)");
        }
    }

    /** The front end broke the protocol; the message says how. */
    static final class ProtocolException extends RuntimeException {
        ProtocolException(String message) {
            super(message);
        }
    }
}
