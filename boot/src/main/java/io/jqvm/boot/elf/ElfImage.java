package io.jqvm.boot.elf;

import io.jqvm.boot.ImageBytes;
import io.jqvm.boot.ImageFormatException;
import io.jqvm.common.Arch;
import io.jqvm.common.Hex;
import io.jqvm.common.Ranges;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A little-endian ELF32 or ELF64 executable, reduced to what a boot loader needs: machine, entry point and
 * loadable segments (System V gABI, "ELF Header" and "Program Header"). Every field is checked when the
 * image is parsed, so a loader may copy the segments without further checks on the file.
 *
 * @param is64     ELFCLASS64
 * @param machine  e_machine (see {@link #EM_386}, {@link #EM_X86_64}, {@link #EM_AARCH64})
 * @param entry    e_entry, a virtual address
 * @param segments the PT_LOAD program headers in file order, none with a zero memory size
 */
public record ElfImage(boolean is64, int machine, long entry, List<Segment> segments) {
    public static final int EM_386 = 3;
    public static final int EM_X86_64 = 62;
    public static final int EM_AARCH64 = 183;

    static final int PT_LOAD = 1;
    private static final int ET_EXEC = 2;
    private static final int ET_DYN = 3;
    private static final int ELF32_PHDR_SIZE = 32;
    private static final int ELF64_PHDR_SIZE = 56;
    /** More program headers than any kernel has; bounds the work a hostile header can cause. */
    private static final int MAX_PROGRAM_HEADERS = 4096;

    /**
     * One PT_LOAD segment: {@code fileSize} bytes from {@code fileOffset}, then zeros up to {@code memorySize}.
     */
    public record Segment(long fileOffset, long fileSize, long virtualAddress, long physicalAddress, long memorySize,
                          int flags) {
        /** The physical address just past the segment (no wrap: checked at parse time). */
        public long physicalEnd() {
            return physicalAddress + memorySize;
        }

        /** True when {@code virtualAddr} falls inside the segment's virtual range. */
        public boolean coversVirtual(long virtualAddr) {
            return Long.compareUnsigned(virtualAddr - virtualAddress, memorySize) < 0;
        }
    }

    public ElfImage {
        segments = List.copyOf(segments);
    }

    /** True when the data starts with the ELF magic, whatever follows. */
    public static boolean hasMagic(byte[] data) {
        return data.length >= 4 && data[0] == 0x7f && data[1] == 'E' && data[2] == 'L' && data[3] == 'F';
    }

    /** The guest architecture of the machine field, if jqvm runs it. */
    public Optional<Arch> arch() {
        return archOf(machine);
    }

    static Optional<Arch> archOf(int machine) {
        return switch (machine) {
            case EM_386, EM_X86_64 -> Optional.of(Arch.X86_64);
            case EM_AARCH64 -> Optional.of(Arch.AARCH64);
            default -> Optional.empty();
        };
    }

    /** The bytes a segment takes from the file (the rest of its memory size is zero-fill). */
    public static byte[] fileBytes(byte[] image, Segment s) {
        return new ImageBytes(image, "ELF image").slice(s.fileOffset(), s.fileSize(), "segment data");
    }

    /**
     * The physical address of a virtual one, through the PT_LOAD segment that maps it; the address unchanged
     * when no segment maps it (images linked at their physical addresses).
     */
    public long physicalOf(long virtualAddr) {
        for (Segment s : segments) {
            if (s.coversVirtual(virtualAddr)) {
                return s.physicalAddress() + (virtualAddr - s.virtualAddress());
            }
        }
        return virtualAddr;
    }

    /** Parses and checks the headers. */
    public static ElfImage parse(byte[] data) {
        ImageBytes in = new ImageBytes(data, "ELF image");
        if (!hasMagic(data)) {
            throw in.error(0, "e_ident magic", "is not 7f 45 4c 46");
        }
        int elfClass = in.u8(4, "e_ident[EI_CLASS]");
        if (elfClass != 1 && elfClass != 2) {
            throw in.error(4, "e_ident[EI_CLASS]", "is " + elfClass + ", expected 1 (ELF32) or 2 (ELF64)");
        }
        boolean is64 = elfClass == 2;
        int encoding = in.u8(5, "e_ident[EI_DATA]");
        if (encoding != 1) {
            throw in.error(5, "e_ident[EI_DATA]", "is " + encoding + ", only 1 (little-endian) is supported");
        }
        int identVersion = in.u8(6, "e_ident[EI_VERSION]");
        if (identVersion != 1) {
            throw in.error(6, "e_ident[EI_VERSION]", "is " + identVersion + ", expected 1");
        }
        int type = in.u16(16, "e_type");
        if (type != ET_EXEC && type != ET_DYN) {
            throw in.error(16, "e_type", "is " + type + ", expected 2 (executable) or 3 (shared object)");
        }
        int machine = in.u16(18, "e_machine");
        long entry = is64 ? in.u64(24, "e_entry") : in.u32(24, "e_entry");
        long phoff = is64 ? in.u64(32, "e_phoff") : in.u32(28, "e_phoff");
        int phentOffset = is64 ? 54 : 42;
        int phentsize = in.u16(phentOffset, "e_phentsize");
        int phnum = in.u16(phentOffset + 2, "e_phnum");
        int expected = is64 ? ELF64_PHDR_SIZE : ELF32_PHDR_SIZE;
        if (phnum == 0) {
            throw in.error(phentOffset + 2, "e_phnum", "is 0: the image has nothing to load");
        }
        if (phentsize != expected) {
            throw in.error(phentOffset, "e_phentsize", "is " + phentsize + ", expected " + expected);
        }
        if (phnum > MAX_PROGRAM_HEADERS) {
            throw in.error(phentOffset + 2, "e_phnum", "is " + phnum + ", more than " + MAX_PROGRAM_HEADERS);
        }
        if (!in.contains(phoff, (long) phnum * phentsize)) {
            throw in.error(is64 ? 32 : 28, "e_phoff", "(" + Hex.of(phoff) + ") puts " + phnum
                    + " program headers beyond the end of the image (" + data.length + " bytes)");
        }
        List<Segment> loads = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            long ph = phoff + (long) i * phentsize;
            Segment s = is64 ? segment64(in, ph, i) : segment32(in, ph, i);
            if (s != null) {
                loads.add(s);
            }
        }
        if (loads.isEmpty()) {
            throw in.error(phoff, "program headers", "contain no PT_LOAD segment with a non-zero size");
        }
        checkNoOverlap(in, phoff, loads);
        return new ElfImage(is64, machine, entry, loads);
    }

    private static Segment segment32(ImageBytes in, long ph, int index) {
        if (in.u32(ph, "p_type") != PT_LOAD) {
            return null;
        }
        return checked(in, ph, index, in.u32(ph + 4, "p_offset"), in.u32(ph + 16, "p_filesz"),
                in.u32(ph + 8, "p_vaddr"), in.u32(ph + 12, "p_paddr"), in.u32(ph + 20, "p_memsz"),
                (int) in.u32(ph + 24, "p_flags"));
    }

    private static Segment segment64(ImageBytes in, long ph, int index) {
        if (in.u32(ph, "p_type") != PT_LOAD) {
            return null;
        }
        return checked(in, ph, index, in.u64(ph + 8, "p_offset"), in.u64(ph + 32, "p_filesz"),
                in.u64(ph + 16, "p_vaddr"), in.u64(ph + 24, "p_paddr"), in.u64(ph + 40, "p_memsz"),
                (int) in.u32(ph + 4, "p_flags"));
    }

    private static Segment checked(ImageBytes in, long ph, int index, long offset, long fileSize, long vaddr,
                                   long paddr, long memSize, int flags) {
        String field = "program header " + index;
        if (Long.compareUnsigned(fileSize, memSize) > 0) {
            throw in.error(ph, field, "has p_filesz " + Hex.of(fileSize) + " larger than p_memsz " + Hex.of(memSize));
        }
        if (!in.contains(offset, fileSize)) {
            throw in.error(ph, field, "has file data " + Hex.of(offset) + "+" + Hex.of(fileSize)
                    + " beyond the end of the image (" + in.length() + " bytes)");
        }
        if (memSize == 0) {
            return null;
        }
        if (Long.compareUnsigned(paddr + (memSize - 1), paddr) < 0) {
            throw in.error(ph, field, "has p_paddr " + Hex.of(paddr) + "+p_memsz " + Hex.of(memSize)
                    + " wrapping the address space");
        }
        return new Segment(offset, fileSize, vaddr, paddr, memSize, flags);
    }

    private static void checkNoOverlap(ImageBytes in, long phoff, List<Segment> loads) {
        for (int i = 0; i < loads.size(); i++) {
            for (int j = i + 1; j < loads.size(); j++) {
                Segment a = loads.get(i);
                Segment b = loads.get(j);
                if (Ranges.overlap(a.physicalAddress(), a.memorySize(), b.physicalAddress(), b.memorySize())) {
                    throw in.error(phoff, "program headers", "have overlapping PT_LOAD segments at physical "
                            + Hex.of(a.physicalAddress()) + "+" + Hex.of(a.memorySize()) + " and "
                            + Hex.of(b.physicalAddress()) + "+" + Hex.of(b.memorySize()));
                }
            }
        }
    }
}
