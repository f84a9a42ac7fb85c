package io.jqvm.mediator;

import static io.jqvm.virtio.vhostuser.VhostUserProtocol.FLAG_NEED_REPLY;
import static io.jqvm.virtio.vhostuser.VhostUserProtocol.HEADER_SIZE;

import io.jqvm.host.Libc;
import io.jqvm.host.UnixSocket;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.vhostuser.VhostUserProtocol;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A vhost-user front end driven by a test, message by message, over the real socket: it owns "guest RAM" in a
 * memfd (1 MiB by default), lays out one split ring in it (16 entries by default) and submits virtio-blk requests
 * by hand, so a test can also send what no honest front end would (bad tables, bad descriptors, a disconnect
 * mid-request). Public for bench/system's MediatorLatency, which drives the mediator with it.
 */
public final class ScriptedFrontEnd implements AutoCloseable {
    public static final long RAM = 0x40000000L;
    static final int RAM_SIZE = 1 << 20;
    static final int RING = 16;
    public static final long DESC = RAM;
    public static final long AVAIL = RAM + 0x1000;
    public static final long USED = RAM + 0x2000;
    public static final long BUFFERS = RAM + 0x10000;

    public final GuestMemory memory;
    UnixSocket socket;
    final int kick = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
    public final int call = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
    private final int ramSize;
    private final int ring;
    private final Arena arena = Arena.ofShared();
    private int availIdx;
    private int nextDesc;

    ScriptedFrontEnd(Path socketPath) {
        this(socketPath, RAM_SIZE, RING);
    }

    /** A front end with {@code ramSize} bytes of RAM and a ring of {@code ring} entries. */
    public ScriptedFrontEnd(Path socketPath, int ramSize, int ring) {
        this.ramSize = ramSize;
        this.ring = ring;
        memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(RAM, ramSize, false, "test")), true);
        socket = UnixSocket.connect(socketPath);
    }

    /** Connects again (the back end restarted), keeping the memory, the ring and the eventfds. */
    ScriptedFrontEnd reconnect(Path socketPath) {
        socket.close();
        socket = UnixSocket.connect(socketPath);
        return this;
    }

    /** What a front end does before the guest's driver starts the ring: features, protocol features, owner. */
    public ScriptedFrontEnd negotiate() {
        return negotiate(0);
    }

    /** As {@link #negotiate()}, asking for {@code extraProtocol} (INFLIGHT_SHMFD) too. */
    ScriptedFrontEnd negotiate(long extraProtocol) {
        long features = getU64(VhostUserProtocol.GET_FEATURES);
        set(VhostUserProtocol.SET_FEATURES, VhostUserProtocol.u64(features & ~(1L << 29))); // no EVENT_IDX: simpler
        getU64(VhostUserProtocol.GET_PROTOCOL_FEATURES);
        set(VhostUserProtocol.SET_PROTOCOL_FEATURES, VhostUserProtocol.u64(VhostUserProtocol.PROTOCOL_F_REPLY_ACK
                | VhostUserProtocol.PROTOCOL_F_CONFIG | extraProtocol));
        set(VhostUserProtocol.SET_OWNER, new byte[0]);
        return this;
    }

    /** The memory table, the ring and its eventfds, then enable: the ring runs. */
    public ScriptedFrontEnd start() {
        return start(0, null);
    }

    /**
     * As {@link #start()}, the ring resuming at {@code base}, with the inflight region {@code inflight}
     * (GET_INFLIGHT_FD's reply: payload and descriptor) handed over first when not null.
     */
    ScriptedFrontEnd start(int base, Inflight inflight) {
        GuestMemory.SharedRegion r = memory.sharedRegions().getFirst();
        set(VhostUserProtocol.SET_MEM_TABLE, VhostUserProtocol.le(40).putInt(1).putInt(0).putLong(RAM).putLong(ramSize)
                .putLong(hostAddress(RAM)).putLong(0).array(), r.fd());
        if (inflight != null) {
            set(VhostUserProtocol.SET_INFLIGHT_FD, inflight.shape(), inflight.fd());
        }
        set(VhostUserProtocol.SET_VRING_NUM, VhostUserProtocol.vringState(0, ring));
        set(VhostUserProtocol.SET_VRING_BASE, VhostUserProtocol.vringState(0, base));
        set(VhostUserProtocol.SET_VRING_ADDR, VhostUserProtocol.le(40).putInt(0).putInt(0).putLong(hostAddress(DESC))
                .putLong(hostAddress(USED)).putLong(hostAddress(AVAIL)).putLong(0).array());
        set(VhostUserProtocol.SET_VRING_KICK, VhostUserProtocol.u64(0), kick);
        set(VhostUserProtocol.SET_VRING_CALL, VhostUserProtocol.u64(0), call);
        set(VhostUserProtocol.SET_VRING_ENABLE, VhostUserProtocol.vringState(0, 1));
        return this;
    }

    /** An inflight region as GET_INFLIGHT_FD gave it: its VhostUserInflight and its descriptor (the test's to close). */
    record Inflight(byte[] shape, int fd) {
    }

    /** GET_INFLIGHT_FD for the one ring. */
    Inflight getInflight() {
        send(VhostUserProtocol.GET_INFLIGHT_FD, 0, VhostUserProtocol.le(VhostUserProtocol.INFLIGHT_SIZE).putLong(0).putLong(0)
                .putShort((short) 1).putShort((short) ring).array());
        List<Integer> fds = new ArrayList<>();
        byte[] head = receive(HEADER_SIZE, fds);
        byte[] body = receive(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(8), fds);
        if (fds.size() != 1) {
            fds.forEach(Libc::close);
            throw new AssertionError("GET_INFLIGHT_FD answered with " + fds.size() + " descriptors");
        }
        return new Inflight(body, fds.getFirst());
    }

    long hostAddress(long gpa) {
        return memory.sliceForRead(gpa, 0).address();
    }

    long getU64(int request) {
        send(request, 0, new byte[0]);
        return ByteBuffer.wrap(reply(request)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** A request acknowledged (REPLY_ACK); returns the status the back end answered. */
    long set(int request, byte[] payload, int... fds) {
        send(request, FLAG_NEED_REPLY, payload, fds);
        return ByteBuffer.wrap(reply(request)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    void send(int request, int flags, byte[] payload, int... fds) {
        socket.send(VhostUserProtocol.message(request, flags, payload), fds);
    }

    byte[] reply(int request) {
        byte[] head = receive(HEADER_SIZE);
        ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        if (h.getInt() != request) {
            throw new AssertionError("reply to another request than " + VhostUserProtocol.name(request));
        }
        h.getInt();
        return receive(h.getInt());
    }

    private byte[] receive(int n) {
        List<Integer> fds = new ArrayList<>();
        try {
            return receive(n, fds);
        } finally {
            fds.forEach(Libc::close);
        }
    }

    /** {@code n} bytes; descriptors that come along go to {@code fds}. */
    private byte[] receive(int n, List<Integer> fds) {
        byte[] b = new byte[n];
        int have = 0;
        while (have < n) {
            int got = socket.receive(b, have, n - have, fds, 10_000);
            if (got <= 0) {
                throw new AssertionError("the back end closed the connection or said nothing for 10 s");
            }
            have += got;
        }
        return b;
    }

    /** True when the back end closed the connection (within {@code timeoutMs}). */
    boolean closedByBackEnd(int timeoutMs) {
        if (!socket.readable(timeoutMs)) {
            return false;
        }
        return socket.receive(new byte[1], 0, 1, new ArrayList<>(), 0) == 0;
    }

    /** Puts a descriptor in the table; returns its index. */
    int descriptor(long gpa, int length, boolean deviceWrites, int next) {
        int i = nextDesc++ % ring;
        descriptorAt(i, gpa, length, deviceWrites, next);
        return i;
    }

    /** Writes descriptor {@code i} of the table (next: the descriptor it chains to, or -1). */
    public void descriptorAt(int i, long gpa, int length, boolean deviceWrites, int next) {
        long at = DESC + 16L * i;
        memory.write64(at, gpa);
        memory.write32(at + 8, length);
        memory.write16(at + 12, (deviceWrites ? 2 : 0) | (next >= 0 ? 1 : 0));
        memory.write16(at + 14, Math.max(next, 0));
    }

    /**
     * A virtio-blk request at buffer slot {@code slot} (its own 8 KiB): header, {@code sectors} of data (read or
     * written), status. Returns the head; the request is made available but not kicked.
     */
    int blockRequest(int slot, boolean write, long sector, int sectors) {
        long base = BUFFERS + slot * 0x2000L;
        memory.write32(base, write ? 1 : 0);
        memory.write32(base + 4, 0);
        memory.write64(base + 8, sector);
        memory.write8(base + 16 + 512L * sectors, 0xff);
        int status = descriptor(base + 16 + 512L * sectors, 1, true, -1);
        int data = descriptor(base + 16, 512 * sectors, !write, status);
        int head = descriptor(base, 16, false, data);
        makeAvailable(head);
        return head;
    }

    long dataAddress(int slot) {
        return BUFFERS + slot * 0x2000L + 16;
    }

    int status(int slot, int sectors) {
        return memory.read8(BUFFERS + slot * 0x2000L + 16 + 512L * sectors);
    }

    public void makeAvailable(int head) {
        memory.write16(AVAIL + 4 + 2L * (availIdx % ring), head);
        availIdx++;
        memory.write16(AVAIL + 2, availIdx);
    }

    public void kick() {
        MemorySegment one = arena.allocate(8);
        one.set(ValueLayout.JAVA_LONG, 0, 1);
        Libc.write(kick, one, 8);
    }

    public int usedIndex() {
        return memory.read16(USED + 2);
    }

    /** Waits until the used index reaches {@code index}. */
    void awaitUsed(int index, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (usedIndex() != (index & 0xffff)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("used index " + usedIndex() + ", expected " + index + " within " + timeoutMs + " ms");
            }
            Thread.sleep(2);
        }
    }

    @Override
    public void close() {
        socket.close();
        Libc.close(kick);
        Libc.close(call);
        memory.close();
        arena.close();
    }
}
