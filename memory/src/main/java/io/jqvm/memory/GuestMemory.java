package io.jqvm.memory;

import io.jqvm.common.Hex;
import io.jqvm.common.Ranges;
import io.jqvm.host.HostMemory;
import io.jqvm.host.Libc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The guest's RAM and ROM: the only way any device, loader or accelerator reaches guest memory.
 * Every access is translated from a guest-physical address to a slice of one region's host mapping and
 * checked to lie wholly inside it, so a guest-supplied address or length can never reach host memory
 * outside the guest's own. Accesses spanning two regions are refused: no device needs them and real
 * buses do not merge them either.
 *
 * <p>Little-endian accessors, because both guest architectures are little-endian.
 */
public final class GuestMemory implements AutoCloseable {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GuestRegion[] regions; // sorted by base, non-overlapping
    private final boolean ownsMappings;
    private final List<SharedRegion> shared;
    private volatile WriteListener[] writeListeners = new WriteListener[0];

    /**
     * Told after every write made through this object (device DMA, loaders), never of the vCPUs' own stores.
     * The software CPU listens so that its decoded-code cache stays coherent with what devices write, without
     * any device knowing which accelerator runs the guest.
     */
    @FunctionalInterface
    public interface WriteListener {
        void written(long gpa, long length);
    }

    /** Adds a listener; called while the VM is assembled, before any device runs. */
    public synchronized void addWriteListener(WriteListener listener) {
        WriteListener[] current = writeListeners;
        WriteListener[] next = java.util.Arrays.copyOf(current, current.length + 1);
        next[current.length] = listener;
        writeListeners = next;
    }

    /**
     * Tells the listeners that [gpa, gpa+length) was written. Every write method here calls it; a caller that
     * wrote through {@link #sliceForWrite} calls it itself once the bytes are in place.
     */
    public void written(long gpa, long length) {
        for (WriteListener l : writeListeners) {
            l.written(gpa, length);
        }
    }

    private GuestMemory(List<GuestRegion> regions, boolean ownsMappings, List<SharedRegion> shared) {
        List<GuestRegion> sorted = new ArrayList<>(regions);
        sorted.sort(Comparator.comparing(GuestRegion::base, Long::compareUnsigned));
        for (int i = 1; i < sorted.size(); i++) {
            GuestRegion a = sorted.get(i - 1);
            GuestRegion b = sorted.get(i);
            if (Ranges.overlap(a.base(), a.size(), b.base(), b.size())) {
                throw new IllegalArgumentException("guest regions overlap: " + a + " and " + b);
            }
        }
        this.regions = sorted.toArray(GuestRegion[]::new);
        this.ownsMappings = ownsMappings;
        this.shared = List.copyOf(shared);
    }

    /** One region of the guest-physical space to allocate. */
    public record RegionSpec(long base, long size, boolean readOnly, String owner) {
    }

    /**
     * A region whose host memory is a memfd another process can map: a vhost-user back end gets {@code fd} and
     * maps it from offset 0 to reach the region's guest-physical range.
     */
    public record SharedRegion(GuestRegion region, int fd) {
    }

    /**
     * Maps zero-filled host memory for each region, private to this process. Sizes and bases must be multiples of
     * 4 KiB. Throws {@link io.jqvm.host.HostException} when the host cannot provide the memory.
     */
    public static GuestMemory allocate(List<RegionSpec> specs) {
        return allocate(specs, false);
    }

    /**
     * As {@link #allocate(List)}; with {@code shareable}, each region is a memfd mapped shared, so that another
     * process (a device back end) can be given the RAM through {@link #sharedRegions}.
     */
    public static GuestMemory allocate(List<RegionSpec> specs, boolean shareable) {
        List<GuestRegion> made = new ArrayList<>();
        List<SharedRegion> shared = new ArrayList<>();
        try {
            for (RegionSpec s : specs) {
                if (s.size() <= 0 || s.size() % HostMemory.PAGE_SIZE != 0 || s.base() % HostMemory.PAGE_SIZE != 0) {
                    throw new IllegalArgumentException("region " + Hex.of(s.base()) + "+" + Hex.of(s.size())
                            + " is not a non-empty multiple of 4 KiB");
                }
                Ranges.last(s.base(), s.size());
                if (shareable) {
                    HostMemory.SharedMapping m = HostMemory.mapSharedMemfd("jqvm-guest-" + Hex.of(s.base()), s.size());
                    GuestRegion r = new GuestRegion(s.base(), s.size(), s.readOnly(), m.segment(), s.owner());
                    made.add(r);
                    shared.add(new SharedRegion(r, m.fd()));
                } else {
                    made.add(new GuestRegion(s.base(), s.size(), s.readOnly(), HostMemory.mapAnonymous(s.size()), s.owner()));
                }
            }
            return new GuestMemory(made, true, shared);
        } catch (RuntimeException e) {
            made.forEach(r -> HostMemory.unmap(r.host()));
            shared.forEach(r -> Libc.close(r.fd()));
            throw e;
        }
    }

    /** Guest memory over segments the caller owns (tests, and memory shared with another component). */
    public static GuestMemory wrap(List<GuestRegion> regions) {
        return new GuestMemory(regions, false, List.of());
    }

    /** Guest memory over shared regions the caller owns (tests of back ends in another process or thread). */
    public static GuestMemory wrapShared(List<SharedRegion> regions) {
        return new GuestMemory(regions.stream().map(SharedRegion::region).toList(), false, regions);
    }

    /**
     * The regions another process can map, each with its memfd; empty unless the memory was allocated shareable.
     * The descriptors stay owned by this object.
     */
    public List<SharedRegion> sharedRegions() {
        return shared;
    }

    public List<GuestRegion> regions() {
        return List.of(regions);
    }

    /** The region holding {@code gpa}, or null. */
    public GuestRegion regionAt(long gpa) {
        int lo = 0;
        int hi = regions.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            GuestRegion r = regions[mid];
            if (Long.compareUnsigned(gpa, r.base()) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(gpa - r.base(), r.size()) >= 0) {
                lo = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }

    /** True when [gpa, gpa+length) lies wholly inside one region. */
    public boolean isBacked(long gpa, long length) {
        GuestRegion r = regionAt(gpa);
        return r != null && length >= 0 && Long.compareUnsigned(length, r.size() - (gpa - r.base())) <= 0;
    }

    private GuestRegion checked(long gpa, long length, boolean write) {
        GuestRegion r = regionAt(gpa);
        if (r == null || length < 0 || Long.compareUnsigned(length, r.size() - (gpa - r.base())) > 0) {
            throw new GuestMemoryException(gpa, length, r == null ? "not guest memory" : "crosses the end of " + r);
        }
        if (write && r.readOnly()) {
            throw new GuestMemoryException(gpa, length, "write to read-only " + r);
        }
        return r;
    }

    /** A view of [gpa, gpa+length) for reading, e.g. a virtio buffer the device consumes. */
    public MemorySegment sliceForRead(long gpa, long length) {
        GuestRegion r = checked(gpa, length, false);
        return r.host().asSlice(gpa - r.base(), length);
    }

    /**
     * A view of [gpa, gpa+length) for writing on the guest's behalf; refused on ROM. The caller must call
     * {@link #written} after writing, or use {@link #copyIn}, which does.
     */
    public MemorySegment sliceForWrite(long gpa, long length) {
        GuestRegion r = checked(gpa, length, true);
        return r.host().asSlice(gpa - r.base(), length);
    }

    /** Copies an image into guest memory, ROM included: loaders fill ROM before the guest runs. */
    public void load(long gpa, byte[] data) {
        load(gpa, MemorySegment.ofArray(data));
    }

    /** As {@link #load(long, byte[])}, from any segment (a file mapped into memory, say). */
    public void load(long gpa, MemorySegment data) {
        GuestRegion r = checked(gpa, data.byteSize(), false);
        MemorySegment.copy(data, 0, r.host(), gpa - r.base(), data.byteSize());
    }

    /** Copies {@code length} bytes of {@code src} from {@code srcOffset} into guest RAM at {@code gpa}. */
    public void copyIn(long gpa, MemorySegment src, long srcOffset, long length) {
        MemorySegment.copy(src, srcOffset, sliceForWrite(gpa, length), 0, length);
        written(gpa, length);
    }

    public byte[] read(long gpa, int length) {
        return sliceForRead(gpa, length).toArray(ValueLayout.JAVA_BYTE);
    }

    public void write(long gpa, byte[] data) {
        copyIn(gpa, MemorySegment.ofArray(data), 0, data.length);
    }

    public int read8(long gpa) {
        GuestRegion r = checked(gpa, 1, false);
        return Byte.toUnsignedInt(r.host().get(ValueLayout.JAVA_BYTE, gpa - r.base()));
    }

    public int read16(long gpa) {
        GuestRegion r = checked(gpa, 2, false);
        return Short.toUnsignedInt(r.host().get(U16, gpa - r.base()));
    }

    public int read32(long gpa) {
        GuestRegion r = checked(gpa, 4, false);
        return r.host().get(U32, gpa - r.base());
    }

    public long read64(long gpa) {
        GuestRegion r = checked(gpa, 8, false);
        return r.host().get(U64, gpa - r.base());
    }

    public void write8(long gpa, int value) {
        GuestRegion r = checked(gpa, 1, true);
        r.host().set(ValueLayout.JAVA_BYTE, gpa - r.base(), (byte) value);
        written(gpa, 1);
    }

    public void write16(long gpa, int value) {
        GuestRegion r = checked(gpa, 2, true);
        r.host().set(U16, gpa - r.base(), (short) value);
        written(gpa, 2);
    }

    public void write32(long gpa, int value) {
        GuestRegion r = checked(gpa, 4, true);
        r.host().set(U32, gpa - r.base(), value);
        written(gpa, 4);
    }

    public void write64(long gpa, long value) {
        GuestRegion r = checked(gpa, 8, true);
        r.host().set(U64, gpa - r.base(), value);
        written(gpa, 8);
    }

    /** Releases the host mappings; the guest must not run any more. */
    @Override
    public void close() {
        if (ownsMappings) {
            for (GuestRegion r : regions) {
                HostMemory.unmap(r.host());
            }
            shared.forEach(r -> Libc.close(r.fd()));
        }
    }
}
