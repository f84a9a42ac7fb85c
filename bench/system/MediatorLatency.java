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
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * bench/system's mediator figure: two vhost-user front ends on a running `jqvm mediator`, each a client socket.
 * "safety" reads 4 KiB at random sectors one at a time and times each read (kick to the call eventfd);
 * "flood" keeps QUEUE reads of 64 KiB outstanding. Prints safety's p50/p99 with the flood idle, then with it
 * running, and the flood's completions per second meanwhile.
 *
 * usage: java MediatorLatency.java SAFETY_SOCKET FLOOD_SOCKET DISK_SECTORS READS
 */
public final class MediatorLatency {
    static final long RAM = 0x40000000L;
    static final int RAM_SIZE = 16 << 20;
    static final int RING = 256;
    static final int QUEUE = 64;

    /** One front end: its memory, ring and eventfds; request slot k uses descriptors 3k..3k+2 and buffer k. */
    static final class FrontEnd implements AutoCloseable {
        final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(RAM, RAM_SIZE, false, "bench")), true);
        final UnixSocket socket;
        final int kick = Libc.eventfd(0, Libc.EFD_CLOEXEC);
        final int call = Libc.eventfd(0, Libc.EFD_CLOEXEC);
        final Arena arena = Arena.ofShared();
        final MemorySegment counter = arena.allocate(8);
        final MemorySegment pollfd = arena.allocate(8);
        int availIdx;
        int usedSeen;
        static final long DESC = RAM, AVAIL = RAM + 0x1000, USED = RAM + 0x2000, BUFFERS = RAM + 0x10000;
        static final int SLOT = 0x11000; // header, 64 KiB of data, status

        FrontEnd(Path path) {
            socket = UnixSocket.connect(path);
            long features = getU64(VhostUserProtocol.GET_FEATURES);
            set(VhostUserProtocol.SET_FEATURES, VhostUserProtocol.u64(features & ~(1L << 29)));
            getU64(VhostUserProtocol.GET_PROTOCOL_FEATURES);
            set(VhostUserProtocol.SET_PROTOCOL_FEATURES, VhostUserProtocol.u64(VhostUserProtocol.PROTOCOL_F_REPLY_ACK));
            set(VhostUserProtocol.SET_OWNER, new byte[0]);
            set(VhostUserProtocol.SET_MEM_TABLE, VhostUserProtocol.le(40).putInt(1).putInt(0).putLong(RAM).putLong(RAM_SIZE)
                    .putLong(host(RAM)).putLong(0).array(), memory.sharedRegions().getFirst().fd());
            set(VhostUserProtocol.SET_VRING_NUM, VhostUserProtocol.vringState(0, RING));
            set(VhostUserProtocol.SET_VRING_BASE, VhostUserProtocol.vringState(0, 0));
            set(VhostUserProtocol.SET_VRING_ADDR, VhostUserProtocol.le(40).putInt(0).putInt(0).putLong(host(DESC))
                    .putLong(host(USED)).putLong(host(AVAIL)).putLong(0).array());
            set(VhostUserProtocol.SET_VRING_KICK, VhostUserProtocol.u64(0), kick);
            set(VhostUserProtocol.SET_VRING_CALL, VhostUserProtocol.u64(0), call);
            set(VhostUserProtocol.SET_VRING_ENABLE, VhostUserProtocol.vringState(0, 1));
            pollfd.set(ValueLayout.JAVA_INT, 0, call);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, Libc.POLLIN);
        }

        long host(long gpa) {
            return memory.sliceForRead(gpa, 0).address();
        }

        long getU64(int request) {
            socket.send(VhostUserProtocol.message(request, 0, new byte[0]));
            return ByteBuffer.wrap(reply()).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }

        void set(int request, byte[] payload, int... fds) {
            socket.send(VhostUserProtocol.message(request, VhostUserProtocol.FLAG_NEED_REPLY, payload), fds);
            reply();
        }

        byte[] reply() {
            byte[] head = receive(12);
            return receive(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(8));
        }

        byte[] receive(int n) {
            byte[] b = new byte[n];
            for (int have = 0; have < n; ) {
                List<Integer> fds = new ArrayList<>();
                int got = socket.receive(b, have, n - have, fds, 10_000);
                fds.forEach(Libc::close);
                if (got <= 0) {
                    throw new IllegalStateException("the mediator closed the connection or did not answer");
                }
                have += got;
            }
            return b;
        }

        /** Makes a read of {@code bytes} at {@code sector} available in slot {@code slot} (not kicked). */
        void read(int slot, long sector, int bytes) {
            long base = BUFFERS + (long) slot * SLOT;
            memory.write32(base, 0);
            memory.write32(base + 4, 0);
            memory.write64(base + 8, sector);
            descriptor(3 * slot, base, 16, 0, 3 * slot + 1);
            descriptor(3 * slot + 1, base + 16, bytes, 2, 3 * slot + 2);
            descriptor(3 * slot + 2, base + 16 + bytes, 1, 2, -1);
            memory.write16(AVAIL + 4 + 2L * (availIdx % RING), 3 * slot);
            availIdx++;
            memory.write16(AVAIL + 2, availIdx);
        }

        void descriptor(int i, long gpa, int length, int flags, int next) {
            long at = DESC + 16L * i;
            memory.write64(at, gpa);
            memory.write32(at + 8, length);
            memory.write16(at + 12, flags | (next >= 0 ? 1 : 0));
            memory.write16(at + 14, Math.max(next, 0));
        }

        void kick() {
            counter.set(ValueLayout.JAVA_LONG, 0, 1);
            Libc.write(kick, counter, 8);
        }

        /** Waits for completions; returns the slots of the used entries that arrived (head / 3). */
        int[] awaitUsed() {
            while (true) {
                int used = memory.read16(USED + 2);
                if (used != usedSeen) {
                    int n = (used - usedSeen) & 0xffff;
                    int[] slots = new int[n];
                    for (int k = 0; k < n; k++) {
                        slots[k] = memory.read32(USED + 4 + 8L * ((usedSeen + k) % RING)) / 3;
                    }
                    usedSeen = used;
                    return slots;
                }
                Libc.poll(pollfd, 1, 1000);
                Libc.read(call, counter, 8);
            }
        }

        @Override
        public void close() {
            socket.close();
            memory.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Path safetySocket = Path.of(args[0]);
        Path floodSocket = Path.of(args[1]);
        long sectors = Long.parseLong(args[2]);
        int reads = Integer.parseInt(args[3]);
        try (FrontEnd safety = new FrontEnd(safetySocket); FrontEnd flood = new FrontEnd(floodSocket)) {
            measure(safety, sectors, reads / 5); // warm-up (JIT, page cache)
            long[] idle = measure(safety, sectors, reads);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong floodDone = new AtomicLong();
            Thread flooder = Thread.ofPlatform().start(() -> {
                Random r = new Random(2);
                for (int s = 0; s < QUEUE; s++) {
                    flood.read(s, r.nextLong(sectors - 128), 64 << 10);
                }
                flood.kick();
                while (!stop.get()) {
                    for (int s : flood.awaitUsed()) {
                        floodDone.incrementAndGet();
                        flood.read(s, r.nextLong(sectors - 128), 64 << 10);
                    }
                    flood.kick();
                }
            });
            Thread.sleep(500); // the flood fills the mediator's queues
            long before = floodDone.get();
            long t0 = System.nanoTime();
            long[] loaded = measure(safety, sectors, reads);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long floodCompleted = floodDone.get() - before;
            stop.set(true);
            System.out.printf("idle    p50 %.1f us  p99 %.1f us%n", pct(idle, 50), pct(idle, 99));
            System.out.printf("flooded p50 %.1f us  p99 %.1f us%n", pct(loaded, 50), pct(loaded, 99));
            System.out.printf("ratio   p99 flooded/idle %.2f%n", pct(loaded, 99) / pct(idle, 99));
            System.out.printf("flood   %d reads of 64 KiB in %.1f s (%.0f/s)%n", floodCompleted, seconds, floodCompleted / seconds);
            flooder.join(2000);
            System.exit(0);
        }
    }

    static long[] measure(FrontEnd f, long sectors, int reads) {
        Random r = new Random(1);
        long[] ns = new long[reads];
        for (int i = 0; i < reads; i++) {
            f.read(0, r.nextLong(sectors - 8) & ~7L, 4096);
            long t = System.nanoTime();
            f.kick();
            f.awaitUsed();
            ns[i] = System.nanoTime() - t;
        }
        return ns;
    }

    static double pct(long[] ns, int p) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1000.0;
    }
}
