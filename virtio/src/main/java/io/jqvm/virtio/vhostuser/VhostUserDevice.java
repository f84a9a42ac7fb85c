package io.jqvm.virtio.vhostuser;

import io.jqvm.common.Log;
import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.host.UnixSocket;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DeviceQueues;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.Virtqueue;
import java.nio.ByteBuffer;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A virtio device whose queues a vhost-user back end in another process serves (virtiofsd, a block or network
 * daemon, jqvm's mediator). jqvm keeps the transport (registers, status, feature negotiation, configuration
 * space); at DRIVER_OK it hands the back end the guest's RAM (memfds), the rings' addresses and an eventfd pair
 * per queue: the guest's notify becomes a write to the kick eventfd, and {@link CallPoller} turns the back
 * end's writes to the call eventfd into the queue's interrupt.
 *
 * <p>A back end that goes away (crashed, killed, restarted) is reconnected, as QEMU's vhost-user-blk
 * {@code reconnect}: the guest's device keeps running and its requests wait (no timeout of ours; the guest's own
 * block-layer timeouts apply) while a thread retries the socket with back-off (0.1 s doubling to 2 s). On the new
 * connection the negotiated state is replayed: features, the memory table, the inflight region (when the back end
 * offers INFLIGHT_SHMFD, so the requests the old back end had taken are resubmitted by the new one), and per ring
 * its size, addresses, kick and call eventfds and base: the ring's used index, where an in-order back end stopped.
 * Then each ring is kicked (requests made while disconnected) and interrupted (completions the old back end made
 * but never signalled).
 *
 * <p>Whatever the back end does, the host never hangs or crashes: every reply is checked and awaited at most a
 * timeout; a back end that lies, refuses or stops answering while the device starts makes the device set
 * DEVICE_NEEDS_RESET (with one log line); after the driver resets the device (or the guest reboots), the device
 * connects to the socket anew.
 */
public final class VhostUserDevice implements VirtioDevice, AutoCloseable {
    /** The transport's bits a back end must support, because jqvm's transports always offer them. */
    static final long REQUIRED = (1L << 28) | (1L << 29) | (1L << 32); // INDIRECT_DESC, EVENT_IDX, VERSION_1
    private static final long PROTOCOL_FEATURES_WANTED = VhostUserProtocol.PROTOCOL_F_REPLY_ACK
            | VhostUserProtocol.PROTOCOL_F_CONFIG | VhostUserProtocol.PROTOCOL_F_INFLIGHT_SHMFD;
    private static final int REPLY_TIMEOUT_MS = 5000;
    private static final ValueLayout.OfShort LE_U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long FIRST_RETRY_MS = 100;
    private static final long LAST_RETRY_MS = 2000;

    private final String name;
    private final VhostUserProfile profile;
    private final Supplier<UnixSocket> connector;
    private final int timeoutMs;
    private final long offered;
    private final byte[] config;
    private final CallPoller poller;
    private volatile Session session; // null while disconnected
    private volatile DeviceQueues active; // the activation the back end serves, or null (read by the poller)
    // Guarded by this device's monitor, as is every use of a session's connection:
    private int inflightFd = -1;   // the inflight region the back end made; kept across its restarts, dropped at reset
    private byte[] inflightShape;  // its VhostUserInflight (size, offset, queues, queue size) as the back end gave it
    private Thread reconnector;    // retrying the socket after a hang-up, or null
    private boolean closed;

    /** One connection and what was negotiated on it; {@code lost} once the back end closed its end. */
    private record Session(VhostUserConnection connection, long backendFeatures, long protocolFeatures, AtomicBoolean lost) {
    }

    private VhostUserDevice(String name, VhostUserProfile profile, Supplier<UnixSocket> connector, int timeoutMs,
            Session session, long offered, byte[] config) {
        this.name = name;
        this.profile = profile;
        this.connector = connector;
        this.timeoutMs = timeoutMs;
        this.offered = offered;
        this.config = config;
        this.session = session;
        this.poller = new CallPoller(name, profile.queues(), this::interrupt, this::disconnected);
        if (session != null) {
            poller.watch(session.connection().socket());
        }
    }

    /**
     * Connects to the back end listening at {@code socket} and negotiates what a device needs before the guest
     * runs. Throws when nobody listens there or the back end lacks what jqvm's transports offer.
     */
    public static VhostUserDevice open(String name, VhostUserProfile profile, Path socket) throws VhostUserException {
        return open(name, profile, () -> UnixSocket.connect(socket), REPLY_TIMEOUT_MS);
    }

    /** As {@link #open(String, VhostUserProfile, Path)}, with any way to reach a back end (tests: a socketpair). */
    public static VhostUserDevice open(String name, VhostUserProfile profile, Supplier<UnixSocket> connector,
            int timeoutMs) throws VhostUserException {
        Session s = connect(name, connector, timeoutMs);
        try {
            byte[] config = profile.localConfig() != null ? profile.localConfig().clone() : backendConfig(s, profile);
            long offered = (s.backendFeatures() & profile.passedFeatures()) | profile.ownFeatures();
            return new VhostUserDevice(name, profile, connector, timeoutMs, s, offered, config);
        } catch (VhostUserException | RuntimeException e) {
            s.connection().close();
            throw e;
        }
    }

    /**
     * The device as a dry run shows it, without contacting the back end (a back end such as virtiofsd serves one
     * connection and exits after it): the front end's own features and configuration only.
     */
    public static VhostUserDevice unconnected(String name, VhostUserProfile profile) {
        byte[] config = profile.localConfig() != null ? profile.localConfig().clone() : new byte[profile.backendConfigSize()];
        return new VhostUserDevice(name, profile, () -> {
            throw new IllegalArgumentException("a dry run does not contact back ends");
        }, REPLY_TIMEOUT_MS, null, profile.ownFeatures(), config);
    }

    private static Session connect(String name, Supplier<UnixSocket> connector, int timeoutMs) throws VhostUserException {
        UnixSocket socket;
        try {
            socket = connector.get();
        } catch (HostException | IllegalArgumentException e) {
            throw new VhostUserException("cannot reach the vhost-user back end: " + e.getMessage());
        }
        VhostUserConnection c = new VhostUserConnection(socket, name + "'s vhost-user back end", timeoutMs);
        try {
            long features = c.getU64(VhostUserProtocol.GET_FEATURES);
            if ((features & REQUIRED) != REQUIRED) {
                throw new VhostUserException("the back end offers features 0x" + Long.toHexString(features)
                        + " without VERSION_1, RING_INDIRECT_DESC and RING_EVENT_IDX, which jqvm's transports offer");
            }
            long protocol = 0;
            if ((features & VhostUserProtocol.F_PROTOCOL_FEATURES) != 0) {
                protocol = c.getU64(VhostUserProtocol.GET_PROTOCOL_FEATURES) & PROTOCOL_FEATURES_WANTED;
                c.set(VhostUserProtocol.SET_PROTOCOL_FEATURES, u64(protocol));
                if ((protocol & VhostUserProtocol.PROTOCOL_F_REPLY_ACK) != 0) {
                    c.useReplyAck();
                }
            }
            c.set(VhostUserProtocol.SET_OWNER, new byte[0]);
            return new Session(c, features, protocol, new AtomicBoolean());
        } catch (VhostUserException e) {
            c.close();
            throw e;
        }
    }

    private static byte[] backendConfig(Session s, VhostUserProfile profile) throws VhostUserException {
        if ((s.protocolFeatures() & VhostUserProtocol.PROTOCOL_F_CONFIG) == 0) {
            throw new VhostUserException("the back end does not offer its configuration space (protocol feature CONFIG),"
                    + " which a " + profile.type() + " needs");
        }
        int size = profile.backendConfigSize();
        ByteBuffer request = le(12 + size).putInt(0).putInt(size).putInt(0);
        byte[] reply = s.connection().call(VhostUserProtocol.GET_CONFIG, request.array(), 12 + size, 12 + size);
        ByteBuffer r = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        if (r.getInt() != 0 || r.getInt() != size) {
            throw new VhostUserException("the back end answered GET_CONFIG for another range than asked");
        }
        byte[] cfg = new byte[size];
        r.position(12).get(cfg);
        return cfg;
    }

    @Override
    public int deviceId() {
        return profile.deviceId();
    }

    @Override
    public long offeredFeatures() {
        return offered;
    }

    @Override
    public int queueCount() {
        return profile.queues();
    }

    @Override
    public int queueMaxSize(int queue) {
        return profile.queueMaxSize();
    }

    @Override
    public int configSize() {
        return config.length;
    }

    @Override
    public long readConfig(int offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (config[offset + i] & 0xff);
        }
        return v;
    }

    @Override
    public synchronized void activate(DeviceQueues queues) {
        try {
            Session s = session;
            if (s != null && s.lost().get()) {
                dropSession();
                s = null;
            }
            if (s == null) {
                s = connect(name, connector, timeoutMs);
                session = s;
                poller.watch(s.connection().socket());
                Log.info(name + ": reconnected to its vhost-user back end");
            }
            start(s, queues, false);
            active = queues;
        } catch (VhostUserException e) {
            dropSession();
            queues.fail("vhost-user: " + e.getMessage());
        }
    }

    /**
     * Tells the back end the guest's memory, the negotiated features and each enabled queue; then starts them.
     * {@code resume}: the rings ran under an earlier back end and continue at their used index.
     */
    private void start(Session s, DeviceQueues queues, boolean resume) throws VhostUserException {
        VhostUserConnection c = s.connection();
        c.set(VhostUserProtocol.SET_FEATURES, u64((queues.features() & s.backendFeatures())
                | (s.backendFeatures() & VhostUserProtocol.F_PROTOCOL_FEATURES)));
        GuestMemory memory = queues.memory();
        List<GuestMemory.SharedRegion> regions = memory.sharedRegions();
        if (regions.isEmpty() || regions.size() > UnixSocket.MAX_FDS) {
            throw new VhostUserException("guest RAM is not shareable (" + regions.size() + " shared regions)");
        }
        ByteBuffer table = le(8 + 32 * regions.size()).putInt(regions.size()).putInt(0);
        int[] fds = new int[regions.size()];
        for (int i = 0; i < fds.length; i++) {
            GuestMemory.SharedRegion r = regions.get(i);
            table.putLong(r.region().base()).putLong(r.region().size()).putLong(r.region().host().address()).putLong(0);
            fds[i] = r.fd();
        }
        c.set(VhostUserProtocol.SET_MEM_TABLE, table.array(), fds);
        if ((s.protocolFeatures() & VhostUserProtocol.PROTOCOL_F_INFLIGHT_SHMFD) != 0) {
            shareInflight(c);
        }
        for (int i = 0; i < profile.queues(); i++) {
            Virtqueue q = queues.queue(i);
            if (q == null) {
                continue;
            }
            c.set(VhostUserProtocol.SET_VRING_NUM, vringState(i, q.size()));
            c.set(VhostUserProtocol.SET_VRING_BASE, vringState(i, resume ? usedIndex(memory, q) : 0));
            c.set(VhostUserProtocol.SET_VRING_ADDR, le(40).putInt(i).putInt(0)
                    .putLong(hostAddress(memory, q.descriptorTableAddress()))
                    .putLong(hostAddress(memory, q.usedRingAddress()))
                    .putLong(hostAddress(memory, q.availableRingAddress()))
                    .putLong(0).array());
            c.set(VhostUserProtocol.SET_VRING_KICK, u64(i), poller.kickFd(i));
            c.set(VhostUserProtocol.SET_VRING_CALL, u64(i), poller.callFd(i));
            if ((s.backendFeatures() & VhostUserProtocol.F_PROTOCOL_FEATURES) != 0) {
                c.set(VhostUserProtocol.SET_VRING_ENABLE, vringState(i, 1));
            }
        }
    }

    /**
     * The inflight region (QEMU's design): made by the back end at the first start after a reset, kept here, and
     * handed to every back end after it (SET_INFLIGHT_FD), which resubmits what its predecessor left in flight.
     */
    private void shareInflight(VhostUserConnection c) throws VhostUserException {
        if (inflightFd < 0) {
            byte[] ask = le(VhostUserProtocol.INFLIGHT_SIZE).putLong(0).putLong(0).putShort((short) profile.queues())
                    .putShort((short) profile.queueMaxSize()).array();
            VhostUserConnection.Reply r = c.callForDescriptor(VhostUserProtocol.GET_INFLIGHT_FD, ask,
                    VhostUserProtocol.INFLIGHT_SIZE);
            inflightFd = r.fd();
            inflightShape = r.payload();
        }
        c.set(VhostUserProtocol.SET_INFLIGHT_FD, inflightShape, inflightFd);
    }

    private void dropInflight() {
        if (inflightFd >= 0) {
            Libc.close(inflightFd);
            inflightFd = -1;
        }
    }

    /** The used index queue {@code q}'s ring holds in guest memory (little-endian u16 after the flags). */
    private static int usedIndex(GuestMemory memory, Virtqueue q) {
        return Short.toUnsignedInt(memory.sliceForRead(q.usedRingAddress() + 2, 2).get(LE_U16, 0));
    }

    /** The address the back end's memory table maps for {@code gpa}: this process's mapping of it. */
    private static long hostAddress(GuestMemory memory, long gpa) {
        return memory.sliceForRead(gpa, 0).address();
    }

    @Override
    public void queueNotify(int queue) {
        poller.kick(queue);
    }

    /** The back end signalled queue {@code queue}'s call eventfd (on the poller's thread). */
    private void interrupt(int queue) {
        DeviceQueues q = active;
        if (q != null) {
            q.interruptUsed(queue);
        }
    }

    /** The poller saw the back end's end of the socket close. */
    private void disconnected() {
        Session s = session;
        if (s != null) {
            s.lost().set(true); // the socket is closed by whoever connects anew
        }
        synchronized (this) {
            if (active == null || closed) {
                Log.warn(name + ": the vhost-user back end closed the connection; the next activation reconnects");
                return;
            }
            Log.warn(name + ": the vhost-user back end closed the connection; requests wait while it is reconnected");
            if (reconnector == null) {
                reconnector = Thread.ofPlatform().daemon().name(name + "-vhost-user-reconnect").start(this::reconnect);
            }
        }
    }

    /** Retries the socket with back-off until a back end takes the running rings over, or the device is reset. */
    private void reconnect() {
        long delay = FIRST_RETRY_MS;
        String lastFailure = null;
        while (true) {
            DeviceQueues resumed = null;
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return; // closing
            }
            synchronized (this) {
                DeviceQueues q = active;
                if (closed || q == null || reconnector != Thread.currentThread()) {
                    return; // reset while disconnected (the next activation connects) or closing
                }
                try {
                    dropSession();
                    Session s = connect(name, connector, timeoutMs);
                    session = s;
                    poller.watch(s.connection().socket());
                    long needed = q.features() & profile.passedFeatures();
                    if ((s.backendFeatures() & needed) != needed) {
                        throw new VhostUserException("the new back end lacks features 0x"
                                + Long.toHexString(needed & ~s.backendFeatures()) + " the driver uses");
                    }
                    start(s, q, true);
                    if (!s.lost().get()) {
                        reconnector = null;
                        resumed = q;
                    }
                } catch (VhostUserException e) {
                    dropSession();
                    if (!e.getMessage().equals(lastFailure)) {
                        Log.warn(name + ": not reconnected yet (" + e.getMessage() + "); retrying");
                        lastFailure = e.getMessage();
                    }
                }
            }
            if (resumed != null) {
                // Outside the monitor: the transport takes its own lock to interrupt, and holds it to call us.
                Log.info(name + ": reconnected to its vhost-user back end; the rings resume where they stood");
                for (int i = 0; i < profile.queues(); i++) {
                    if (resumed.queue(i) != null) {
                        poller.kick(i);
                        resumed.interruptUsed(i);
                    }
                }
                return;
            }
            delay = Math.min(delay * 2, LAST_RETRY_MS);
        }
    }

    @Override
    public synchronized void reset() {
        DeviceQueues q = active;
        active = null;
        if (reconnector != null) {
            reconnector.interrupt(); // it stops at its next look; the next activation connects by itself
            reconnector = null;
        }
        dropInflight(); // a reset device has nothing in flight (QEMU frees the region at reset too)
        Session s = session;
        if (s != null && s.lost().get()) {
            dropSession();
            return;
        }
        if (q == null || s == null) {
            return; // nothing was started (the driver resets the device before it first sets it up)
        }
        // Stop the rings (GET_VRING_BASE stops a ring and tells where it stood) before the driver reuses the memory.
        try {
            for (int i = 0; i < profile.queues(); i++) {
                if (q.queue(i) == null) {
                    continue;
                }
                if ((s.backendFeatures() & VhostUserProtocol.F_PROTOCOL_FEATURES) != 0) {
                    s.connection().set(VhostUserProtocol.SET_VRING_ENABLE, vringState(i, 0));
                }
                s.connection().call(VhostUserProtocol.GET_VRING_BASE, vringState(i, 0), 8, 8);
            }
        } catch (VhostUserException e) {
            Log.warn(name + ": " + e.getMessage() + "; reconnecting at the next activation");
            dropSession();
        }
    }

    private void dropSession() {
        Session s = session;
        session = null;
        poller.watch(null);
        if (s != null) {
            s.connection().close();
        }
    }

    @Override
    public void close() {
        Thread retrying;
        synchronized (this) {
            closed = true;
            retrying = reconnector;
        }
        if (retrying != null) {
            retrying.interrupt();
            try {
                retrying.join(2 * timeoutMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        poller.close();
        synchronized (this) {
            Session s = session;
            session = null;
            if (s != null) {
                s.connection().close();
            }
            dropInflight();
        }
    }

    private static byte[] vringState(int index, int value) {
        return VhostUserProtocol.vringState(index, value);
    }

    private static byte[] u64(long value) {
        return VhostUserProtocol.u64(value);
    }

    private static ByteBuffer le(int size) {
        return VhostUserProtocol.le(size);
    }
}
