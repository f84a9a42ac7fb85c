package io.jqvm.boot;

import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Builders for small boot images and guest memory, shared by the boot tests. */
public final class TestImages {
    private TestImages() {
    }

    /** A guest RAM or ROM region backed by a heap array. */
    public static GuestRegion region(long base, long size, boolean readOnly) {
        return new GuestRegion(base, size, readOnly, MemorySegment.ofArray(new byte[Math.toIntExact(size)]),
                readOnly ? "rom" : "ram");
    }

    /** The recommended legacy PC layout, scaled down: 640K low RAM, BIOS ROM, RAM from 1 MiB. */
    public static GuestMemory pcMemory(long highRamSize) {
        return GuestMemory.wrap(List.of(region(0, 0xa0000, false), region(0xc0000, 0x40000, true),
                region(0x100000, highRamSize, false)));
    }

    /** One PT_LOAD segment for {@link #elf}. */
    public record Load(long vaddr, long paddr, byte[] data, long memSize) {
        public static Load at(long paddr, byte[] data, long memSize) {
            return new Load(paddr, paddr, data, memSize);
        }
    }

    /**
     * An ELF executable with the given segments; the segment data follows the program headers.
     * {@code prefix} bytes, if any, are placed right after the headers before the segment data (room for a
     * Multiboot header in the first 8 KiB).
     */
    public static byte[] elf(boolean is64, int machine, long entry, byte[] prefix, List<Load> loads) {
        int ehsize = is64 ? 64 : 52;
        int phsize = is64 ? 56 : 32;
        int dataStart = ehsize + phsize * loads.size();
        int prefixAt = dataStart;
        int total = dataStart + prefix.length;
        List<Integer> offsets = new ArrayList<>();
        for (Load l : loads) {
            offsets.add(total);
            total += l.data().length;
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) (is64 ? 2 : 1), 1, 1});
        b.position(16);
        b.putShort((short) 2).putShort((short) machine).putInt(1);
        if (is64) {
            b.putLong(entry).putLong(ehsize).putLong(0).putInt(0).putShort((short) ehsize)
                    .putShort((short) phsize).putShort((short) loads.size());
        } else {
            b.putInt((int) entry).putInt(ehsize).putInt(0).putInt(0).putShort((short) ehsize)
                    .putShort((short) phsize).putShort((short) loads.size());
        }
        b.position(ehsize);
        for (int i = 0; i < loads.size(); i++) {
            Load l = loads.get(i);
            if (is64) {
                b.putInt(1).putInt(5).putLong(offsets.get(i)).putLong(l.vaddr()).putLong(l.paddr())
                        .putLong(l.data().length).putLong(l.memSize()).putLong(0x1000);
            } else {
                b.putInt(1).putInt(offsets.get(i)).putInt((int) l.vaddr()).putInt((int) l.paddr())
                        .putInt(l.data().length).putInt((int) l.memSize()).putInt(5).putInt(0x1000);
            }
        }
        b.position(prefixAt);
        b.put(prefix);
        for (int i = 0; i < loads.size(); i++) {
            b.position(offsets.get(i));
            b.put(loads.get(i).data());
        }
        return b.array();
    }

    /** A Multiboot header (12 bytes, or 32 with the a.out address fields when {@code addresses} is given). */
    public static byte[] multibootHeader(int flags, long... addresses) {
        ByteBuffer b = ByteBuffer.allocate(12 + 4 * addresses.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x1BADB002).putInt(flags).putInt(-(0x1BADB002 + flags));
        for (long a : addresses) {
            b.putInt((int) a);
        }
        return b.array();
    }

    /** Bytes 1, 2, 3, ... n (mod 256, never zero), recognisable once loaded. */
    public static byte[] pattern(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (i % 255 + 1);
        }
        return p;
    }
}
