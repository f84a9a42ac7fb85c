package io.jqvm.devices.shmem;

import io.jqvm.host.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * One named shared-memory object on the host ({@code /dev/shm/jqvm-shmem-<name>}) as every process attached to
 * it sees it. The file is a host-only header page followed by the data pages guests map. The header is the only
 * coordination between processes, so that VMs need no broker and find a region by its name alone:
 *
 * <pre>
 *  header offset  what
 *  0    u64       magic "JQVMSHM1", written last by the creator
 *  8    u32       data pages
 *  16   u32       state: bits 0-15 attached clients, bits 16-30 pins (VMs whose 'create' keeps it), bit 31 dead
 *  64 + 64 * i    client slot i: u64 owner pid (0: free), u64 owner start time (ms), u32 pending notifications
 *                 (bit j: client j notified i), u32 doorbell (futex word, bumped on every event for i)
 * </pre>
 *
 * A slot is taken by compare-and-set of its pid, then its bit in the state word; a process that dies attached is
 * noticed by any sibling ({@link #reapDead}: the pid no longer runs, or runs a later process) and detached for it.
 * The last client to leave an unpinned region marks it dead and removes the file; a process that opened a dead
 * region opens or creates the name afresh.
 */
final class SharedRegion {
    static final int PAGE = 4096;
    static final int MAX_CLIENTS = 16;
    static final String FILE_PREFIX = "jqvm-shmem-";

    private static final long MAGIC = 0x314d48534d56514aL; // "JQVMSHM1"
    private static final long MAGIC_AT = 0;
    private static final long PAGES_AT = 8;
    private static final long STATE_AT = 16;
    private static final long SLOTS_AT = 64;
    private static final long SLOT_SIZE = 64;
    private static final long SLOT_PID = 0;
    private static final long SLOT_START = 8;
    private static final long SLOT_PENDING = 16;
    private static final long SLOT_DOORBELL = 20;
    private static final int ACTIVE_MASK = 0xffff;
    private static final int PIN = 1 << 16;
    private static final int PINS_MASK = 0x7fff_0000;
    private static final int DEAD = 0x8000_0000;
    /** How long an opener waits for a creator to finish initialising the header. */
    private static final long INIT_WAIT_NS = 2_000_000_000L;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** Why a region could not be opened, in the guest's terms. */
    enum Failure { NO_MEMORY, NO_PERMISSION, DOES_NOT_EXIST, UNKNOWN }

    /** An open failure carrying the guest-visible reason. */
    static final class OpenException extends Exception {
        final Failure failure;

        OpenException(Failure failure, String message) {
            super(message);
            this.failure = failure;
        }
    }

    private final Path file;
    private final Arena arena;
    private final MemorySegment header;
    private final MemorySegment data;
    private final int pages;

    private SharedRegion(Path file, Arena arena, MemorySegment mapping, int pages) {
        this.file = file;
        this.arena = arena;
        this.header = mapping.asSlice(0, PAGE);
        this.data = mapping.asSlice(PAGE, (long) pages * PAGE);
        this.pages = pages;
    }

    /**
     * Opens the region {@code hostName} in {@code directory}, creating it with {@code pages} data pages and
     * permissions {@code mode} (group {@code gid} when present) if it does not exist; {@code pages == 0} only
     * opens an existing one. The first creator chooses the size, as on qvm.
     */
    static SharedRegion open(Path directory, String hostName, int pages, int mode, Optional<Integer> gid)
            throws OpenException {
        Path file = directory.resolve(FILE_PREFIX + hostName);
        for (int attempt = 0; attempt < 8; attempt++) {
            SharedRegion region = pages > 0 ? createOrOpen(file, pages, mode, gid) : openExisting(file);
            if (region != null) {
                return region;
            }
            try {
                Thread.sleep(1); // it was dead (its last client is removing it): open the name afresh
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new OpenException(Failure.UNKNOWN, file + " keeps being removed and re-created");
    }

    private static SharedRegion createOrOpen(Path file, int pages, int mode, Optional<Integer> gid) throws OpenException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(permissions(mode)));
        } catch (FileAlreadyExistsException e) {
            return openExisting(file);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new OpenException(Failure.NO_PERMISSION, "cannot create " + file + ": permission denied");
        } catch (IOException e) {
            throw new OpenException(Failure.UNKNOWN, "cannot create " + file + ": " + e.getMessage());
        }
        try (channel) {
            // the mode of a created file is masked by the process umask: set it as asked
            Files.setPosixFilePermissions(file, permissions(mode));
            if (gid.isPresent()) {
                try {
                    Files.setAttribute(file, "unix:gid", gid.get());
                } catch (IOException e) {
                    deleteQuietly(file);
                    throw new OpenException(Failure.NO_PERMISSION, "cannot give " + file + " to group " + gid.get()
                            + ": " + e.getMessage());
                }
            }
            long length = (long) (pages + 1) * PAGE;
            channel.write(ByteBuffer.allocate(1), length - 1);
            Arena arena = Arena.ofShared();
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, length, arena);
            SharedRegion region = new SharedRegion(file, arena, mapping, pages);
            region.header.set(ValueLayout.JAVA_INT, PAGES_AT, pages);
            LONG.setRelease(region.header, MAGIC_AT, MAGIC);
            return region;
        } catch (IOException | RuntimeException e) { // ENOSPC from the tmpfs, or a mapping the host refuses
            deleteQuietly(file);
            throw new OpenException(Failure.NO_MEMORY, "cannot size " + file + " to " + pages + " pages: " + e.getMessage());
        }
    }

    private static SharedRegion openExisting(Path file) throws OpenException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long deadline = System.nanoTime() + INIT_WAIT_NS;
            MemorySegment head = null;
            Arena arena = Arena.ofShared();
            try {
                while (true) {
                    if (channel.size() >= 2 * PAGE) {
                        if (head == null) {
                            head = channel.map(FileChannel.MapMode.READ_WRITE, 0, PAGE, arena);
                        }
                        if ((long) LONG.getAcquire(head, MAGIC_AT) == MAGIC) {
                            break;
                        }
                    }
                    if (System.nanoTime() > deadline) {
                        throw new OpenException(Failure.UNKNOWN, file + " is not a jqvm shared-memory object");
                    }
                    Thread.sleep(1);
                }
                int pages = head.get(ValueLayout.JAVA_INT, PAGES_AT);
                if (pages <= 0 || (long) (pages + 1) * PAGE > channel.size()) {
                    throw new OpenException(Failure.UNKNOWN, file + " has a damaged header (" + pages + " pages)");
                }
                if (((int) INT.getVolatile(head, STATE_AT) & DEAD) != 0) {
                    arena.close();
                    return null;
                }
                MemorySegment mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, (long) (pages + 1) * PAGE, arena);
                return new SharedRegion(file, arena, mapping, pages);
            } catch (OpenException | RuntimeException e) {
                arena.close();
                throw e;
            } catch (InterruptedException e) {
                arena.close();
                Thread.currentThread().interrupt();
                throw new OpenException(Failure.UNKNOWN, "interrupted while opening " + file);
            }
        } catch (NoSuchFileException e) {
            throw new OpenException(Failure.DOES_NOT_EXIST, "no region " + file);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new OpenException(Failure.NO_PERMISSION, "cannot open " + file + ": permission denied");
        } catch (IOException e) {
            throw new OpenException(Failure.UNKNOWN, "cannot open " + file + ": " + e.getMessage());
        }
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder();
        String letters = "rwxrwxrwx";
        for (int bit = 8; bit >= 0; bit--) {
            s.append((mode & (1 << bit)) != 0 ? letters.charAt(8 - bit) : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }

    int pages() {
        return pages;
    }

    /** The data pages, which guests map one page after their control page. */
    MemorySegment data() {
        return data;
    }

    Path file() {
        return file;
    }

    /** Bits 0-15: the clients attached now. */
    int activeClients() {
        return (int) INT.getVolatile(header, STATE_AT) & ACTIVE_MASK;
    }

    /** Keeps the region while this VM runs, attached or not ({@code create}); false when it died meanwhile. */
    boolean pin() {
        while (true) {
            int state = (int) INT.getVolatile(header, STATE_AT);
            if ((state & DEAD) != 0) {
                return false;
            }
            if ((state & PINS_MASK) == PINS_MASK) {
                return true; // 32767 pins: this one is not counted, the region stays anyway
            }
            if (INT.compareAndSet(header, STATE_AT, state, state + PIN)) {
                return true;
            }
        }
    }

    void unpin() {
        while (true) {
            int state = (int) INT.getVolatile(header, STATE_AT);
            if ((state & PINS_MASK) == 0 || INT.compareAndSet(header, STATE_AT, state, state - PIN)) {
                break;
            }
        }
        removeIfUnused();
    }

    /** Result of {@link #attach}: the client index, or why there is none. */
    static final int FULL = -1;
    static final int DIED = -2;

    /** Takes a free client slot for this process: its index, {@link #FULL} or {@link #DIED}. */
    int attach() {
        for (int round = 0; round < 2; round++) {
            long pid = ProcessHandle.current().pid();
            for (int i = 0; i < MAX_CLIENTS; i++) {
                long slot = SLOTS_AT + i * SLOT_SIZE;
                if (!LONG.compareAndSet(header, slot + SLOT_PID, 0L, pid)) {
                    continue;
                }
                header.set(ValueLayout.JAVA_LONG, slot + SLOT_START, startMillis(ProcessHandle.current()));
                INT.setVolatile(header, slot + SLOT_PENDING, 0);
                while (true) {
                    int state = (int) INT.getVolatile(header, STATE_AT);
                    if ((state & DEAD) != 0) {
                        LONG.setVolatile(header, slot + SLOT_PID, 0L);
                        return DIED;
                    }
                    if (INT.compareAndSet(header, STATE_AT, state, state | (1 << i))) {
                        break;
                    }
                }
                ringAll();
                return i;
            }
            reapDead(); // full: a client may have died without anyone noticing yet
        }
        return FULL;
    }

    /** Gives up client slot {@code index}; the last client of an unpinned region removes it. */
    void detach(int index) {
        long slot = SLOTS_AT + index * SLOT_SIZE;
        clearActive(index);
        INT.setVolatile(header, slot + SLOT_PENDING, 0);
        LONG.setVolatile(header, slot + SLOT_PID, 0L);
        ringAll();
        removeIfUnused();
    }

    private void clearActive(int index) {
        while (true) {
            int state = (int) INT.getVolatile(header, STATE_AT);
            if ((state & (1 << index)) == 0 || INT.compareAndSet(header, STATE_AT, state, state & ~(1 << index))) {
                return;
            }
        }
    }

    private void removeIfUnused() {
        if (INT.compareAndSet(header, STATE_AT, 0, DEAD)) {
            deleteQuietly(file);
        }
    }

    /**
     * Client {@code from} notifies the attached clients in {@code targets} (all but itself for ~0, as qvm):
     * sets its bit in their pending sets and rings their doorbells.
     */
    void notify(int from, int targets) {
        int mask = targets == -1 ? ~(1 << from) : targets;
        int addressed = mask & activeClients();
        for (int i = 0; i < MAX_CLIENTS; i++) {
            if ((addressed & (1 << i)) != 0) {
                INT.getAndBitwiseOr(header, SLOTS_AT + i * SLOT_SIZE + SLOT_PENDING, 1 << from);
                ring(i);
            }
        }
    }

    /** Reads and clears client {@code index}'s pending notifications. */
    int takePending(int index) {
        return (int) INT.getAndSet(header, SLOTS_AT + index * SLOT_SIZE + SLOT_PENDING, 0);
    }

    /** Client {@code index}'s pending notifications, left pending. */
    int pending(int index) {
        return (int) INT.getVolatile(header, SLOTS_AT + index * SLOT_SIZE + SLOT_PENDING);
    }

    /** The doorbell of client {@code index}: changes on every notification to it and every attach or detach. */
    int doorbell(int index) {
        return (int) INT.getVolatile(header, SLOTS_AT + index * SLOT_SIZE + SLOT_DOORBELL);
    }

    /** Sleeps until client {@code index}'s doorbell differs from {@code seen}, at most {@code timeoutNs}. */
    void awaitDoorbell(int index, int seen, long timeoutNs) {
        Libc.futexWait(header.asSlice(SLOTS_AT + index * SLOT_SIZE + SLOT_DOORBELL, 4), seen, timeoutNs);
    }

    void ring(int index) {
        long at = SLOTS_AT + index * SLOT_SIZE + SLOT_DOORBELL;
        INT.getAndAdd(header, at, 1);
        Libc.futexWakeAll(header.asSlice(at, 4));
    }

    private void ringAll() {
        int active = activeClients();
        for (int i = 0; i < MAX_CLIENTS; i++) {
            if ((active & (1 << i)) != 0) {
                ring(i);
            }
        }
    }

    /** Detaches every client whose process has ended (killed, crashed); true when there was one. */
    boolean reapDead() {
        boolean reaped = false;
        for (int i = 0; i < MAX_CLIENTS; i++) {
            long slot = SLOTS_AT + i * SLOT_SIZE;
            long pid = (long) LONG.getVolatile(header, slot + SLOT_PID);
            if (pid == 0 || alive(pid, header.get(ValueLayout.JAVA_LONG, slot + SLOT_START))) {
                continue;
            }
            clearActive(i);
            INT.setVolatile(header, slot + SLOT_PENDING, 0);
            if (LONG.compareAndSet(header, slot + SLOT_PID, pid, 0L)) {
                reaped = true;
            }
        }
        if (reaped) {
            ringAll();
            removeIfUnused();
        }
        return reaped;
    }

    private static boolean alive(long pid, long startMillis) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        // a recycled pid: the slot's owner started before the process that has its number now
        return startMillis == 0 || startMillis(process.get()) == startMillis;
    }

    private static long startMillis(ProcessHandle process) {
        return process.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
    }

    /** Unmaps the region from this process; the caller has detached every client it held. */
    void close() {
        arena.close();
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            io.jqvm.common.Log.warn("cannot remove the shared-memory object " + file + ": " + e.getMessage());
        }
    }
}
