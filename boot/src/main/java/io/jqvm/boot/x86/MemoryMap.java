package io.jqvm.boot.x86;

import io.jqvm.common.Ranges;
import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The guest-physical memory map that BIOS E820 and Multiboot report: RAM regions as usable (type 1), ROM
 * regions and the caller's reserved ranges (e.g. device windows) as reserved (type 2). A reserved range
 * that lies over RAM is cut out of the RAM entry, so no address is reported twice.
 */
public final class MemoryMap {
    public static final int TYPE_RAM = 1;
    public static final int TYPE_RESERVED = 2;

    /** One map entry; {@code type} uses the E820 numbering, which Multiboot shares. */
    public record Entry(long base, long length, int type) {
        public Entry {
            Ranges.last(base, length);
        }

        public long end() {
            return base + length;
        }
    }

    private MemoryMap() {
    }

    /** Entries sorted by base address. */
    public static List<Entry> of(GuestMemory memory, List<Entry> reserved) {
        List<Entry> out = new ArrayList<>();
        List<Entry> holes = new ArrayList<>(reserved);
        for (GuestRegion r : memory.regions()) {
            if (r.readOnly()) {
                holes.add(new Entry(r.base(), r.size(), TYPE_RESERVED));
            }
        }
        for (GuestRegion r : memory.regions()) {
            if (!r.readOnly()) {
                addMinusHoles(out, r.base(), r.end(), holes);
            }
        }
        out.addAll(holes);
        out.sort(Comparator.comparing(Entry::base, Long::compareUnsigned));
        return List.copyOf(out);
    }

    private static void addMinusHoles(List<Entry> out, long start, long end, List<Entry> holes) {
        List<Entry> sorted = new ArrayList<>(holes);
        sorted.sort(Comparator.comparing(Entry::base, Long::compareUnsigned));
        long cursor = start;
        for (Entry h : sorted) {
            if (h.end() <= cursor || h.base() >= end) {
                continue;
            }
            if (h.base() > cursor) {
                out.add(new Entry(cursor, h.base() - cursor, TYPE_RAM));
            }
            cursor = Math.max(cursor, h.end());
        }
        if (cursor < end) {
            out.add(new Entry(cursor, end - cursor, TYPE_RAM));
        }
    }
}
