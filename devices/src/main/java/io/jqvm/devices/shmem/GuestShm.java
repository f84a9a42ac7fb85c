package io.jqvm.devices.shmem;

import io.jqvm.common.Hex;
import io.jqvm.common.Log;
import io.jqvm.device.BusDevice;
import io.jqvm.device.GuestMappings;
import io.jqvm.device.IrqLine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * qvm's shared-memory device ({@code vdev shmem}) with the guest ABI QNX publishes in {@code guest_shm.h}
 * (BSD-licensed; Linux drivers such as Qualcomm's HAB {@code hab_qvm} and QNX's own sample driver program it).
 * Two register sets, both independent of how the guest finds them (a {@code loc} page here, a PCI BAR later):
 *
 * <ul>
 * <li>the factory page ({@link #factory()}, {@code struct guest_shm_factory}): {@code signature} u64 @0,
 * {@code shmem} u64 @8 (guest-physical address of the last connection's control page), {@code vector} u32 @16,
 * {@code status} u32 @20 ({@code enum guest_shm_status}: the result of the last request), {@code size} u32 @24
 * (pages of 4 KiB; a write creates or attaches to the region named in {@code name}, and reads back the region's
 * actual size), {@code name} char[32] @28, {@code find} u32 @60 (a write attaches to the N-th existing region,
 * counted from 0 in name order, and fills in {@code name} and {@code size});</li>
 * <li>per connection, a control page ({@link #window()}, {@code struct guest_shm_control}): {@code status} u32 @0
 * (bits 0-15: the clients that notified this one since the last read, which the read clears; bits 16-31: the
 * clients attached now), {@code idx} u32 @4, {@code notify} u32 @8 (a write notifies the clients in the bitset,
 * ~0 all but the writer), {@code detach} u32 @12 (any write detaches). The region's data follow one page after
 * the control page, as guest RAM.</li>
 * </ul>
 *
 * Every connection's status change (a notification to it, a client coming or going) raises the interrupt, which
 * stays asserted until the guest has read the status of every connection with news (a level, shared by the
 * vdev's connections as the sample driver's {@code IRQF_SHARED} expects). The regions live on the host as
 * {@link SharedRegion}s; their pages are mapped at a free place of this vdev's guest-physical window.
 *
 * <p>Where the header leaves the behaviour open, jqvm chooses: a {@code size} of 0 attaches to an existing
 * region only ({@code DOES_NOT_EXIST} when there is none); a region is at most the window less one page
 * ({@code NOMEM} beyond, or when the window is full); a name is printable ASCII without {@code /}, NUL-terminated
 * within its 32 bytes ({@code ILLEGAL_NAME} otherwise); registers of the control page answer only aligned 32-bit
 * accesses; the factory takes any access size, byte by byte.
 */
public final class GuestShm implements AutoCloseable {
    public static final long SIGNATURE = 0x4d534732474d5651L;
    public static final int PAGE = SharedRegion.PAGE;
    public static final int MAX_CLIENTS = SharedRegion.MAX_CLIENTS;
    /** The factory page's window: one page, of which {@code struct guest_shm_factory} uses 64 bytes. */
    public static final long FACTORY_SIZE = PAGE;

    static final int SIGNATURE_AT = 0;
    static final int SHMEM_AT = 8;
    static final int VECTOR_AT = 16;
    static final int STATUS_AT = 20;
    static final int SIZE_AT = 24;
    static final int NAME_AT = 28;
    static final int NAME_BYTES = 32;
    static final int FIND_AT = 60;
    static final int FACTORY_BYTES = 64;

    static final int CONTROL_STATUS = 0;
    static final int CONTROL_IDX = 4;
    static final int CONTROL_NOTIFY = 8;
    static final int CONTROL_DETACH = 12;

    /** {@code enum guest_shm_status}, in its order (the ordinal is the value). */
    public enum Status { OK, UNKNOWN_FAILURE, NOMEM, CLIENT_MAX, ILLEGAL_NAME, NO_PERMISSION, DOES_NOT_EXIST }

    /** Detached regions kept mapped in this process before unmapping, see {@link #retire}. */
    private static final int RETIRED_KEPT = 16;
    private static final long REAP_INTERVAL_NS = 250_000_000L;
    private static final long DOORBELL_WAIT_NS = 250_000_000L;

    private final Path directory;
    private final ShmemPolicy policy;
    private final IrqLine irq;
    private final int vector;
    private final long windowBase;
    private final long windowSize;
    private final GuestMappings mappings;
    private final String owner;

    private final byte[] registers = new byte[FACTORY_BYTES];
    private Status status = Status.OK;
    private long shmem;
    /** Attached connections by offset in the window. */
    private final List<Connection> connections = new ArrayList<>();
    private final List<SharedRegion> pinned = new ArrayList<>();
    private final Deque<SharedRegion> retired = new ArrayDeque<>();
    private boolean closed;

    /** One attachment of this guest to a region: its client index and where the guest sees it. */
    private final class Connection implements Runnable {
        final SharedRegion region;
        final int index;
        final long offset;
        final long length;
        volatile int seenActive;
        volatile boolean detached;
        Thread thread;

        Connection(SharedRegion region, int index, long offset) {
            this.region = region;
            this.index = index;
            this.offset = offset;
            this.length = (long) (region.pages() + 1) * PAGE;
        }

        boolean hasNews() {
            return region.pending(index) != 0 || region.activeClients() != seenActive;
        }

        /** Turns doorbell rings (from any process) into this VM's interrupt; notices dead peers. */
        @Override
        public void run() {
            int seen = region.doorbell(index);
            updateInterrupt(); // what rang between the attach and this thread's first look
            long nextReap = System.nanoTime() + REAP_INTERVAL_NS;
            while (!detached) {
                region.awaitDoorbell(index, seen, DOORBELL_WAIT_NS);
                if (detached) {
                    return;
                }
                int bell = region.doorbell(index);
                if (bell != seen) {
                    seen = bell;
                    updateInterrupt();
                }
                if (System.nanoTime() - nextReap >= 0) {
                    nextReap = System.nanoTime() + REAP_INTERVAL_NS;
                    region.reapDead();
                }
            }
        }
    }

    /**
     * @param directory  where the host's shared-memory objects are ({@code /dev/shm})
     * @param vector     what the factory's {@code vector} reports: the interrupt line the configuration names
     * @param windowBase guest-physical window where this vdev places connections (control page, then data)
     */
    public GuestShm(Path directory, ShmemPolicy policy, IrqLine irq, int vector, long windowBase, long windowSize,
                    GuestMappings mappings, String owner) {
        this.directory = directory;
        this.policy = policy;
        this.irq = irq;
        this.vector = vector;
        this.windowBase = windowBase;
        this.windowSize = windowSize;
        this.mappings = mappings;
        this.owner = owner;
    }

    /**
     * qvm's {@code create name,size[,mode[,gid]]}: makes (or joins) the region before the guest runs and keeps
     * it while this VM runs. Throws {@link IllegalArgumentException} with the reason when it cannot.
     */
    public synchronized void create(String name, long bytes, int mode, Optional<Integer> gid) {
        long pages = (bytes + PAGE - 1) / PAGE;
        if (pages < 1 || pages > maxPages()) {
            throw new IllegalArgumentException("a region of " + bytes + " bytes does not fit this vdev's window of "
                    + Hex.size(windowSize) + " (at most " + maxPages() + " pages)");
        }
        String problem = nameProblem(name);
        if (problem != null) {
            throw new IllegalArgumentException("region name '" + name + "' " + problem);
        }
        try {
            SharedRegion region = SharedRegion.open(directory, hostFileName(policy.hostName(name)), (int) pages,
                    policy.createMode(mode),
                    gid.or(policy::gid));
            if (!region.pin()) {
                region.close();
                throw new IllegalArgumentException("region '" + name + "' was removed while it was being created");
            }
            pinned.add(region);
        } catch (SharedRegion.OpenException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** The factory registers' window ({@link #FACTORY_SIZE} bytes). */
    public BusDevice factory() {
        return new BusDevice() {
            @Override
            public long read(int vcpu, long offset, int size) {
                return readFactory(offset, size);
            }

            @Override
            public void write(int vcpu, long offset, int size, long value) {
                writeFactory(offset, size, value);
            }
        };
    }

    /** The connections' window: control pages, answered here; data pages are guest RAM once mapped. */
    public BusDevice window() {
        return new BusDevice() {
            @Override
            public long read(int vcpu, long offset, int size) {
                return readControl(offset, size);
            }

            @Override
            public void write(int vcpu, long offset, int size, long value) {
                writeControl(offset, size, value);
            }
        };
    }

    // ---- factory page ------------------------------------------------------------------------------------

    private synchronized long readFactory(long offset, int size) {
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            value = value << 8 | factoryByte(offset + i);
        }
        return value;
    }

    private int factoryByte(long at) {
        if (at < SHMEM_AT) {
            return (int) (SIGNATURE >>> (8 * at)) & 0xff;
        }
        if (at < VECTOR_AT) {
            return (int) (shmem >>> (8 * (at - SHMEM_AT))) & 0xff;
        }
        if (at < STATUS_AT) {
            return (vector >>> (8 * (at - VECTOR_AT))) & 0xff;
        }
        if (at < SIZE_AT) {
            return (status.ordinal() >>> (8 * (at - STATUS_AT))) & 0xff;
        }
        return at < FACTORY_BYTES ? registers[(int) at] & 0xff : 0;
    }

    private synchronized void writeFactory(long offset, int size, long value) {
        if (closed) {
            return;
        }
        for (int i = 0; i < size; i++) {
            long at = offset + i;
            if (at >= SIZE_AT && at < FACTORY_BYTES) {
                registers[(int) at] = (byte) (value >>> (8 * i));
            }
        }
        // A write that reaches a request register makes the request with the register's whole new value.
        if (offset < SIZE_AT + 4 && offset + size > SIZE_AT) {
            status = request(register(SIZE_AT) & 0xffff_ffffL);
        }
        if (offset < FIND_AT + 4 && offset + size > FIND_AT) {
            status = find(register(FIND_AT) & 0xffff_ffffL);
        }
    }

    private int register(int at) {
        return (registers[at] & 0xff) | (registers[at + 1] & 0xff) << 8 | (registers[at + 2] & 0xff) << 16
                | (registers[at + 3] & 0xff) << 24;
    }

    private void setRegister(int at, int value) {
        for (int i = 0; i < 4; i++) {
            registers[at + i] = (byte) (value >>> (8 * i));
        }
    }

    /** The name register up to its NUL, or null when it has none (the guest filled all 32 bytes). */
    private String nameRegister() {
        for (int i = 0; i < NAME_BYTES; i++) {
            if (registers[NAME_AT + i] == 0) {
                return new String(registers, NAME_AT, i, StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** Why a region name cannot be used, or null: a host file name is made from it. */
    static String nameProblem(String name) {
        if (name == null) {
            return "is not NUL-terminated within " + NAME_BYTES + " bytes";
        }
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return "is empty";
        }
        if (name.length() >= NAME_BYTES) {
            return "is longer than " + (NAME_BYTES - 1) + " bytes";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c < 0x20 || c >= 0x7f) {
                return "has a character a region name cannot have (" + (int) c + ")";
            }
        }
        return null;
    }

    private long maxPages() {
        return windowSize / PAGE - 1;
    }

    /** Creates or attaches to the region the name register names; {@code pages == 0} only attaches. */
    private Status request(long pages) {
        String name = nameRegister();
        if (nameProblem(name) != null) {
            return Status.ILLEGAL_NAME;
        }
        if (!policy.permits(name)) {
            return Status.NO_PERMISSION;
        }
        return attach(pages, name, hostFileName(policy.hostName(name)));
    }

    /** A host object's name: the substituted name, whose slashes (a {@code subst} prefix may add them) become dots. */
    static String hostFileName(String hostName) {
        return hostName.replace('/', '.');
    }

    /** Creates or attaches to the host object {@code hostName}; {@code pages == 0} only attaches. */
    private Status attach(long pages, String name, String hostName) {
        if (pages > maxPages()) {
            return Status.NOMEM;
        }
        SharedRegion region;
        try {
            region = SharedRegion.open(directory, hostName, (int) pages, policy.createMode(ShmemPolicy.GUEST_CREATE_MODE),
                    policy.gid());
        } catch (SharedRegion.OpenException e) {
            Log.debug(() -> owner + ": " + e.getMessage());
            return switch (e.failure) {
                case NO_MEMORY -> Status.NOMEM;
                case NO_PERMISSION -> Status.NO_PERMISSION;
                case DOES_NOT_EXIST -> Status.DOES_NOT_EXIST;
                case UNKNOWN -> Status.UNKNOWN_FAILURE;
            };
        }
        long offset = freeOffset((long) (region.pages() + 1) * PAGE);
        if (offset < 0) {
            region.close();
            return Status.NOMEM;
        }
        int index = region.attach();
        if (index < 0) {
            region.close();
            return index == SharedRegion.FULL ? Status.CLIENT_MAX : Status.UNKNOWN_FAILURE;
        }
        Connection c = new Connection(region, index, offset);
        c.seenActive = region.activeClients();
        try {
            mappings.map(windowBase + offset + PAGE, region.data(), owner + " region " + name);
        } catch (RuntimeException e) {
            Log.warn(owner + ": cannot map region '" + name + "' into the guest: " + e.getMessage());
            region.detach(index);
            region.close();
            return Status.UNKNOWN_FAILURE;
        }
        connections.add(c);
        connections.sort(java.util.Comparator.comparingLong(x -> x.offset));
        c.thread = Thread.ofPlatform().daemon().name(owner + " region " + name + " client " + index).start(c);
        shmem = windowBase + offset;
        setRegister(SIZE_AT, region.pages());
        return Status.OK;
    }

    /** {@code find}: attaches to the N-th region on the host this vdev may use, in name order. */
    private Status find(long n) {
        List<String> names;
        try (Stream<Path> files = Files.list(directory)) {
            names = files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith(SharedRegion.FILE_PREFIX))
                    .map(f -> f.substring(SharedRegion.FILE_PREFIX.length()))
                    .filter(f -> nameProblem(f) == null && policy.permits(f)).sorted().toList();
        } catch (java.io.IOException e) {
            return Status.UNKNOWN_FAILURE;
        }
        if (n >= names.size()) {
            return Status.DOES_NOT_EXIST;
        }
        String name = names.get((int) n);
        java.util.Arrays.fill(registers, NAME_AT, NAME_AT + NAME_BYTES, (byte) 0);
        byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(bytes, 0, registers, NAME_AT, bytes.length);
        return attach(0, name, name);
    }

    /** First fit in the window, connections kept in offset order; -1 when nothing is free. */
    private long freeOffset(long length) {
        long at = 0;
        int i = 0;
        for (; i < connections.size(); i++) {
            Connection c = connections.get(i);
            if (c.offset - at >= length) {
                break;
            }
            at = c.offset + c.length;
        }
        return windowSize - at >= length ? at : -1;
    }

    // ---- control pages -----------------------------------------------------------------------------------

    private synchronized Connection connectionAt(long offset) {
        for (Connection c : connections) {
            if (offset >= c.offset && offset < c.offset + PAGE) {
                return c;
            }
        }
        return null;
    }

    private long readControl(long offset, int size) {
        Connection c = connectionAt(offset);
        if (c == null || size != 4 || (offset & 3) != 0) {
            return 0; // no connection there, or not a whole register: reads as nothing
        }
        return switch ((int) (offset - c.offset)) {
            case CONTROL_STATUS -> {
                int pending = c.region.takePending(c.index);
                int active = c.region.activeClients();
                c.seenActive = active;
                updateInterrupt();
                yield (pending & 0xffff) | (long) active << 16;
            }
            case CONTROL_IDX -> c.index;
            default -> 0;
        };
    }

    private void writeControl(long offset, int size, long value) {
        Connection c = connectionAt(offset);
        if (c == null || size != 4 || (offset & 3) != 0) {
            return;
        }
        switch ((int) (offset - c.offset)) {
            case CONTROL_NOTIFY -> c.region.notify(c.index, (int) value);
            case CONTROL_DETACH -> detach(c);
            default -> { }
        }
    }

    private synchronized void detach(Connection c) {
        if (!connections.remove(c)) {
            return;
        }
        c.detached = true;
        try {
            mappings.unmap(windowBase + c.offset + PAGE);
        } catch (RuntimeException e) {
            Log.warn(owner + ": cannot unmap a region from the guest: " + e.getMessage());
        }
        c.region.ring(c.index); // wakes this connection's thread, which then ends
        c.region.detach(c.index);
        retire(c.region);
        updateInterrupt();
    }

    /**
     * A software vCPU may still be in an instruction batch that translated to a detached region's pages, so the
     * host mapping outlives the guest's: the oldest of the detached regions is unmapped once
     * {@value #RETIRED_KEPT} more have been detached after it, long after any batch has ended.
     */
    private void retire(SharedRegion region) {
        retired.addLast(region);
        while (retired.size() > RETIRED_KEPT) {
            retired.removeFirst().close();
        }
    }

    private synchronized void updateInterrupt() {
        boolean news = false;
        for (Connection c : connections) {
            news |= c.hasNews();
        }
        irq.set(news);
    }

    /** Detaches every connection (its peers see it go) and gives up the regions this VM created. */
    @Override
    public void close() {
        List<Connection> attached;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            attached = List.copyOf(connections);
            for (Connection c : attached) {
                detach(c);
            }
        }
        for (Connection c : attached) {
            try {
                c.thread.join(); // it reads the region's header: the region stays mapped until it has ended
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            for (SharedRegion r : pinned) {
                r.unpin();
                r.close();
            }
            pinned.clear();
            while (!retired.isEmpty()) {
                retired.removeFirst().close();
            }
        }
    }
}
