import io.jqvm.host.Libc;
import io.jqvm.mediator.ScriptedFrontEnd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * bench/system's mediator figure: two vhost-user front ends on a running `jqvm mediator`, each a client socket.
 * "safety" reads 4 KiB at random sectors one at a time and times each read (kick to the call eventfd);
 * "flood" keeps QUEUE reads of 64 KiB outstanding. Prints safety's p50/p99 with the flood idle, then with it
 * running, and the flood's completions per second meanwhile.
 *
 * usage: java -cp …:mediator/target/test-classes MediatorLatency.java SAFETY_SOCKET FLOOD_SOCKET DISK_SECTORS READS
 */
public final class MediatorLatency {
    static final int RAM_SIZE = 16 << 20;
    static final int RING = 256;
    static final int QUEUE = 64;

    /**
     * One front end (the mediator tests' ScriptedFrontEnd speaks the protocol) with 16 MiB of RAM and a ring of
     * 256: request slot k uses descriptors 3k..3k+2 and buffer k; completions are awaited on the call eventfd.
     */
    static final class FrontEnd implements AutoCloseable {
        static final int SLOT = 0x11000; // header, 64 KiB of data, status
        final ScriptedFrontEnd f;
        final Arena arena = Arena.ofShared();
        final MemorySegment counter = arena.allocate(8);
        final MemorySegment pollfd = arena.allocate(8);
        int usedSeen;

        FrontEnd(Path path) {
            f = new ScriptedFrontEnd(path, RAM_SIZE, RING).negotiate().start();
            pollfd.set(ValueLayout.JAVA_INT, 0, f.call);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, Libc.POLLIN);
        }

        /** Makes a read of {@code bytes} at {@code sector} available in slot {@code slot} (not kicked). */
        void read(int slot, long sector, int bytes) {
            long base = ScriptedFrontEnd.BUFFERS + (long) slot * SLOT;
            f.memory.write32(base, 0);
            f.memory.write32(base + 4, 0);
            f.memory.write64(base + 8, sector);
            f.descriptorAt(3 * slot, base, 16, false, 3 * slot + 1);
            f.descriptorAt(3 * slot + 1, base + 16, bytes, true, 3 * slot + 2);
            f.descriptorAt(3 * slot + 2, base + 16 + bytes, 1, true, -1);
            f.makeAvailable(3 * slot);
        }

        void kick() {
            f.kick();
        }

        /** Waits for completions; returns the slots of the used entries that arrived (head / 3). */
        int[] awaitUsed() {
            while (true) {
                int used = f.usedIndex();
                if (used != usedSeen) {
                    int n = (used - usedSeen) & 0xffff;
                    int[] slots = new int[n];
                    for (int k = 0; k < n; k++) {
                        slots[k] = f.memory.read32(ScriptedFrontEnd.USED + 4 + 8L * ((usedSeen + k) % RING)) / 3;
                    }
                    usedSeen = used;
                    return slots;
                }
                Libc.poll(pollfd, 1, 1000);
                Libc.read(f.call, counter, 8);
            }
        }

        @Override
        public void close() {
            f.close();
            arena.close();
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
