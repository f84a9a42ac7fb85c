package io.jqvm.boot.arm64;

import io.jqvm.boot.fdt.Arm64Board.Range;
import io.jqvm.common.Hex;
import io.jqvm.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The few parts of an ELF64 little-endian AArch64 executable a bare-metal loader needs: the entry point
 * and the PT_LOAD segments, copied to their physical addresses with the rest of each segment zeroed.
 * Kept private to the arm64 loader on purpose: small and strict, every field checked against the file.
 */
final class ElfImage {
    private static final int EM_AARCH64 = 183;
    private static final int ET_EXEC = 2;
    private static final int PT_LOAD = 1;
    private static final int HEADER_SIZE = 64;
    private static final int PHDR_SIZE = 56;

    private record Segment(long offset, long vaddr, long paddr, long fileSize, long memorySize) {
    }

    private final byte[] file;
    private final long entry;
    private final List<Segment> segments;

    private ElfImage(byte[] file, long entry, List<Segment> segments) {
        this.file = file;
        this.entry = entry;
        this.segments = segments;
    }

    static boolean isElf(byte[] file) {
        return file.length >= 4 && file[0] == 0x7F && file[1] == 'E' && file[2] == 'L' && file[3] == 'F';
    }

    /**
     * The entry point as a physical address: e_entry is a virtual address, translated through the segment
     * containing it (the same address when the image is linked where it loads).
     */
    long physicalEntry() {
        for (Segment s : segments) {
            if (Long.compareUnsigned(entry - s.vaddr(), s.memorySize()) < 0) {
                return entry - s.vaddr() + s.paddr();
            }
        }
        throw new KernelLoadException("ELF entry point " + Hex.of(entry) + " is not inside any loaded segment");
    }

    static ElfImage parse(byte[] file) {
        if (file.length < HEADER_SIZE) {
            throw new KernelLoadException("ELF kernel is " + file.length + " bytes, shorter than the 64-byte ELF64 header");
        }
        if (file[4] != 2) {
            throw new KernelLoadException("ELF kernel is not ELF64 (EI_CLASS " + file[4] + ")");
        }
        if (file[5] != 1) {
            throw new KernelLoadException("ELF kernel is not little-endian (EI_DATA " + file[5] + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int type = Short.toUnsignedInt(b.getShort(16));
        int machine = Short.toUnsignedInt(b.getShort(18));
        if (machine != EM_AARCH64) {
            throw new KernelLoadException("ELF kernel is for machine " + machine + ", not AArch64 (183)");
        }
        if (type != ET_EXEC) {
            throw new KernelLoadException("ELF kernel has type " + type + "; only executables (ET_EXEC, 2) can be loaded");
        }
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = Short.toUnsignedInt(b.getShort(54));
        int phnum = Short.toUnsignedInt(b.getShort(56));
        if (phentsize != PHDR_SIZE) {
            throw new KernelLoadException("ELF program header size is " + phentsize + ", expected " + PHDR_SIZE);
        }
        if (phoff < 0 || phoff > file.length || (long) phnum * PHDR_SIZE > file.length - phoff) {
            throw new KernelLoadException("ELF program headers (" + phnum + " at " + Hex.of(phoff)
                    + ") lie outside the " + file.length + "-byte file");
        }
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int at = (int) phoff + i * PHDR_SIZE;
            if (b.getInt(at) != PT_LOAD) {
                continue;
            }
            Segment s = new Segment(b.getLong(at + 8), b.getLong(at + 16), b.getLong(at + 24), b.getLong(at + 32),
                    b.getLong(at + 40));
            if (s.offset() < 0 || s.fileSize() < 0 || s.offset() > file.length || s.fileSize() > file.length - s.offset()) {
                throw new KernelLoadException("ELF segment " + i + " (file offset " + Hex.of(s.offset()) + ", size "
                        + Hex.of(s.fileSize()) + ") lies outside the " + file.length + "-byte file");
            }
            if (Long.compareUnsigned(s.memorySize(), s.fileSize()) < 0) {
                throw new KernelLoadException("ELF segment " + i + " has p_memsz " + Hex.of(s.memorySize())
                        + " smaller than p_filesz " + Hex.of(s.fileSize()));
            }
            if (s.memorySize() > 0) {
                segments.add(s);
            }
        }
        if (segments.isEmpty()) {
            throw new KernelLoadException("ELF kernel has no PT_LOAD segment to load");
        }
        return new ElfImage(file, entry, segments);
    }

    /** Copies the segments into {@code ram}; returns the span from the lowest to the highest loaded byte. */
    Range load(GuestMemory memory, Range ram) {
        long low = -1;
        long high = 0;
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            Arm64KernelLoader.requireInRam("ELF segment " + i, new Range(s.paddr(), s.memorySize()), ram);
            low = low == -1 ? s.paddr() : Math.min(low, s.paddr());
            high = Math.max(high, s.paddr() + s.memorySize());
        }
        physicalEntry(); // refuses a stray entry point before anything is copied
        byte[] zeros = new byte[1 << 20];
        for (Segment s : segments) {
            memory.load(s.paddr(), java.util.Arrays.copyOfRange(file, (int) s.offset(), (int) (s.offset() + s.fileSize())));
            for (long z = s.fileSize(); z < s.memorySize(); z += zeros.length) {
                int n = (int) Math.min(zeros.length, s.memorySize() - z);
                memory.load(s.paddr() + z, n == zeros.length ? zeros : new byte[n]);
            }
        }
        return new Range(low, high - low);
    }
}
