package io.jqvm.boot.x86;

import io.jqvm.boot.ImageLoadException;
import io.jqvm.common.Hex;
import io.jqvm.common.Ranges;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Tracks what a boot loader has put in guest RAM and finds room for the next piece, so the command line,
 * boot information and initrd never overwrite the image, each other or a reserved range.
 */
final class GuestPlacer {
    /** Boot data stays out of page 0 (real-mode interrupt vectors, null-pointer catchers in kernels). */
    static final long LOWEST_BOOT_DATA = 0x1000;
    static final long FOUR_GIB = 1L << 32;

    private record Used(long base, long size, String what) {
    }

    private final List<GuestRegion> ram = new ArrayList<>();
    private final List<Used> used = new ArrayList<>();

    GuestPlacer(GuestMemory memory, List<MemoryMap.Entry> reserved) {
        for (GuestRegion r : memory.regions()) {
            if (!r.readOnly()) {
                ram.add(r);
            }
        }
        ram.sort(Comparator.comparing(GuestRegion::base, Long::compareUnsigned));
        for (MemoryMap.Entry e : reserved) {
            used.add(new Used(e.base(), e.length(), "reserved range"));
        }
    }

    /** Records a fixed placement (an image segment), refusing one outside RAM or over an earlier one. */
    void claim(long base, long size, String what) {
        if (size == 0) {
            return;
        }
        if (Long.compareUnsigned(base + (size - 1), base) < 0) {
            throw new ImageLoadException(what + " at " + Hex.of(base) + "+" + Hex.of(size) + " wraps the address space");
        }
        GuestRegion r = regionHolding(base, size);
        if (r == null) {
            throw new ImageLoadException(what + " at " + Hex.of(base) + "-" + Hex.of(base + size - 1)
                    + " is not inside one guest RAM region (" + describeRam() + ")");
        }
        Used clash = overlapping(base, size);
        if (clash != null) {
            throw new ImageLoadException(what + " at " + Hex.of(base) + "+" + Hex.of(size) + " overlaps "
                    + clash.what + " at " + Hex.of(clash.base) + "+" + Hex.of(clash.size));
        }
        used.add(new Used(base, size, what));
    }

    /** The lowest free, aligned place at or above {@code from} that ends at or below {@code limit}. */
    long allocateLow(long size, long align, long from, long limit, String what) {
        for (GuestRegion r : ram) {
            long end = Math.min(r.end(), limit);
            long candidate = alignUp(Math.max(r.base(), from), align);
            while (candidate >= 0 && candidate + size <= end) {
                Used clash = overlapping(candidate, size);
                if (clash == null) {
                    used.add(new Used(candidate, size, what));
                    return candidate;
                }
                candidate = alignUp(clash.base + clash.size, align);
            }
        }
        throw noRoom(size, limit, what);
    }

    /** The highest free, aligned place that ends at or below {@code limit}. */
    long allocateHigh(long size, long align, long limit, String what) {
        for (int i = ram.size() - 1; i >= 0; i--) {
            GuestRegion r = ram.get(i);
            long end = Math.min(r.end(), limit);
            long candidate = (end - size) & -align;
            while (end - r.base() >= size && candidate >= r.base()) {
                Used clash = overlapping(candidate, size);
                if (clash == null) {
                    used.add(new Used(candidate, size, what));
                    return candidate;
                }
                candidate = (clash.base - size) & -align;
                if (clash.base < size) {
                    break;
                }
            }
        }
        throw noRoom(size, limit, what);
    }

    /** True when [base, base+size) is wholly inside one RAM region. */
    boolean inRam(long base, long size) {
        return regionHolding(base, size) != null;
    }

    long lowestRam() {
        if (ram.isEmpty()) {
            throw new ImageLoadException("the VM has no RAM to load an image into");
        }
        return ram.getFirst().base();
    }

    private GuestRegion regionHolding(long base, long size) {
        for (GuestRegion r : ram) {
            if (Ranges.contains(r.base(), r.size(), base, size)) {
                return r;
            }
        }
        return null;
    }

    private Used overlapping(long base, long size) {
        for (Used u : used) {
            if (u.size > 0 && Ranges.overlap(u.base, u.size, base, size)) {
                return u;
            }
        }
        return null;
    }

    private ImageLoadException noRoom(long size, long limit, String what) {
        return new ImageLoadException("no room for the " + what + " (" + Hex.size(size) + ") in guest RAM below "
                + Hex.of(limit) + " that the image and earlier placements leave free (" + describeRam() + ")");
    }

    private String describeRam() {
        if (ram.isEmpty()) {
            return "the VM has no RAM";
        }
        StringBuilder sb = new StringBuilder("RAM:");
        for (GuestRegion r : ram) {
            sb.append(' ').append(Hex.of(r.base())).append('-').append(Hex.of(r.end() - 1));
        }
        return sb.toString();
    }

    private static long alignUp(long v, long align) {
        return (v + align - 1) & -align;
    }
}
