package io.jqvm.boot.arm64;

import io.jqvm.accel.A64Entry;
import io.jqvm.boot.elf.ElfImage;
import io.jqvm.boot.fdt.Arm64Board.Range;
import io.jqvm.common.Hex;
import io.jqvm.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Places an arm64 kernel, its initrd and its device tree in guest RAM following Linux's
 * {@code Documentation/arm64/booting.rst}, and returns the boot CPU's entry state (EL1, MMU off, x0 = the
 * device tree), as QEMU's {@code -kernel} does:
 * <ul>
 * <li>an <b>arm64 Image</b> (magic "ARM\x64" at offset 56) goes to the first 2 MiB-aligned address of RAM
 *     plus its {@code text_offset}, with {@code image_size} bytes free from there;</li>
 * <li>an <b>ELF64 AArch64 executable</b> has its PT_LOAD segments copied to their physical addresses and is
 *     entered at {@code e_entry};</li>
 * <li>anything else is a <b>raw image</b>, loaded at RAM + 0x80000 (QEMU's address) and entered at its
 *     first byte.</li>
 * </ul>
 * The initrd follows the kernel (page-aligned, within the kernel's 1 GiB-aligned 32 GiB window). The
 * device tree, at most 2 MiB, goes where QEMU puts it: at the start of RAM when that 2 MiB block holds
 * neither kernel nor initrd, else in the next 2 MiB block after both; either way it shares no 2 MiB block
 * with anything else.
 */
public final class Arm64KernelLoader {
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final long IMAGE_ALIGN = 2L << 20;
    static final long RAW_IMAGE_OFFSET = 0x80000;
    /** Pre-3.17 Images leave image_size zero and use this text_offset. */
    static final long LEGACY_TEXT_OFFSET = 0x80000;
    static final int IMAGE_MAGIC = 0x644D_5241;
    static final int IMAGE_HEADER_SIZE = 64;
    static final long MAX_DTB_SIZE = 2L << 20;
    static final long INITRD_WINDOW_ALIGN = 1L << 30;
    static final long INITRD_WINDOW_SIZE = 32L << 30;
    private static final long PAGE = 4096;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** PE/COFF: the header's offset, its "PE\0\0" signature, and the 24 bytes before the optional header. */
    private static final long PE_OFFSET_FIELD = 0x3c;
    private static final int PE_SIGNATURE = 0x0000_4550;
    private static final long PE_SECTIONS_FROM_HEADER = 24;
    private static final long PE_SECTION_SIZE = 40;

    /** Where everything went. {@code initrd} is null without one. */
    public record Loaded(A64Entry entry, Range kernel, Range initrd, Range deviceTree) {
    }

    /**
     * Addresses the configuration gave ({@code load ADDR,file}), overriding the automatic placement: for an
     * Image, where its text starts (ADDR - text_offset must be 2 MiB aligned); for a raw image, where it
     * loads and is entered; an ELF always loads at its own physical addresses.
     */
    public record Placement(OptionalLong kernel, OptionalLong initrd) {
        public static final Placement AUTOMATIC = new Placement(OptionalLong.empty(), OptionalLong.empty());
    }

    private Arm64KernelLoader() {
    }

    /**
     * Loads the kernel (and initrd) into {@code ram} and then the device tree that {@code deviceTree}
     * builds for the initrd's final place (null when there is no initrd).
     */
    public static Loaded load(GuestMemory memory, Range ram, byte[] kernel, byte[] initrd,
            Function<Range, byte[]> deviceTree) {
        return load(memory, ram, kernel, initrd, Placement.AUTOMATIC, deviceTree);
    }

    /** As {@link #load(GuestMemory, Range, byte[], byte[], Function)}, at the addresses {@code placement} fixes. */
    public static Loaded load(GuestMemory memory, Range ram, byte[] kernel, byte[] initrd, Placement placement,
            Function<Range, byte[]> deviceTree) {
        return load(memory, ram, MemorySegment.ofArray(kernel), initrd == null ? null : MemorySegment.ofArray(initrd),
                placement, deviceTree);
    }

    /**
     * As {@link #load(GuestMemory, Range, byte[], byte[], Placement, Function)}, from files mapped into
     * memory: an Image, a raw kernel and the initrd are copied straight into guest RAM (an ELF kernel is
     * parsed from a heap copy).
     */
    public static Loaded load(GuestMemory memory, Range ram, MemorySegment kernel, MemorySegment initrd,
            Placement placement, Function<Range, byte[]> deviceTree) {
        if (!memory.isBacked(ram.base(), ram.size())) {
            throw new IllegalArgumentException("RAM " + describe(ram) + " is not one guest memory region");
        }
        Range kernelRange;
        long entry;
        if (ElfImage.hasMagic(head(kernel, 4))) {
            if (placement.kernel().isPresent()) {
                throw new KernelLoadException("an ELF kernel loads at the physical addresses of its segments;"
                        + " drop the load address " + Hex.of(placement.kernel().getAsLong()));
            }
            if (kernel.byteSize() > Integer.MAX_VALUE - 8) {
                throw new KernelLoadException("ELF kernel of " + kernel.byteSize() + " bytes is too large");
            }
            byte[] file = kernel.toArray(ValueLayout.JAVA_BYTE);
            ElfImage elf = ElfImage.parse(file);
            if (elf.machine() != ElfImage.EM_AARCH64) {
                throw new KernelLoadException("ELF kernel is for machine " + elf.machine() + ", not AArch64 (183)");
            }
            entry = physicalEntry(elf);
            kernelRange = loadElf(memory, ram, file, elf);
        } else if (isImage(kernel)) {
            kernelRange = loadImage(memory, ram, kernel, placement.kernel());
            entry = kernelRange.base();
        } else {
            long base = placement.kernel().orElse(alignUp(ram.base(), IMAGE_ALIGN) + RAW_IMAGE_OFFSET);
            kernelRange = new Range(base, kernel.byteSize());
            requireInRam("raw kernel image", kernelRange, ram);
            memory.load(base, kernel);
            entry = base;
        }

        Range initrdRange = null;
        long next = kernelRange.end();
        if (initrd != null) {
            try {
                initrdRange = new Range(placement.initrd().orElse(alignUp(next, PAGE)), initrd.byteSize());
                requireInRam("initrd", initrdRange, ram);
                if (overlap(initrdRange, kernelRange)) {
                    throw new KernelLoadException("initrd " + describe(initrdRange) + " overlaps the kernel " + describe(kernelRange));
                }
                if (Long.compareUnsigned(initrdRange.base(), kernelRange.base() & -INITRD_WINDOW_ALIGN) < 0) {
                    throw new KernelLoadException("initrd " + describe(initrdRange) + " starts below the 1 GiB-aligned window"
                            + " holding the kernel at " + Hex.of(kernelRange.base()));
                }
                long window = kernelRange.base() & -INITRD_WINDOW_ALIGN;
                if (initrdRange.end() - window > INITRD_WINDOW_SIZE) {
                    throw new KernelLoadException("initrd " + describe(initrdRange) + " would end beyond the 32 GiB window at "
                            + Hex.of(window) + " that must hold both it and the kernel");
                }
                memory.load(initrdRange.base(), initrd);
                next = Math.max(next, initrdRange.end());
            } catch (KernelLoadException e) {
                throw new KernelLoadException(KernelLoadException.Part.INITRD, e.getMessage());
            }
        }

        byte[] dtb = deviceTree.apply(initrdRange);
        if (dtb.length > MAX_DTB_SIZE) {
            throw new KernelLoadException("device tree is " + dtb.length + " bytes; the arm64 boot protocol allows at most 2 MiB");
        }
        // As QEMU: the start of RAM when its 2 MiB block holds neither kernel nor initrd, else after both.
        Range firstBlock = new Range(alignUp(ram.base(), IMAGE_ALIGN), IMAGE_ALIGN);
        boolean firstBlockFree = !overlap(firstBlock, kernelRange) && (initrdRange == null || !overlap(firstBlock, initrdRange));
        Range dtbRange = new Range(firstBlockFree ? firstBlock.base() : alignUp(next, IMAGE_ALIGN), dtb.length);
        requireInRam("device tree", dtbRange, ram);
        memory.load(dtbRange.base(), dtb);
        return new Loaded(new A64Entry(entry, dtbRange.base(), 0, 0, 0), kernelRange, initrdRange, dtbRange);
    }

    /** e_entry is virtual: translated through the segment containing it (the same address when linked where it loads). */
    private static long physicalEntry(ElfImage elf) {
        for (ElfImage.Segment seg : elf.segments()) {
            if (seg.coversVirtual(elf.entry())) {
                return elf.physicalOf(elf.entry());
            }
        }
        throw new KernelLoadException("ELF entry point " + Hex.of(elf.entry()) + " is not inside any loaded segment");
    }

    /** Copies the segments, zero-filling past their file bytes; the span from the lowest to the highest byte. */
    private static Range loadElf(GuestMemory memory, Range ram, byte[] kernel, ElfImage elf) {
        long low = -1;
        long high = 0;
        for (int i = 0; i < elf.segments().size(); i++) {
            ElfImage.Segment seg = elf.segments().get(i);
            requireInRam("ELF segment " + i, new Range(seg.physicalAddress(), seg.memorySize()), ram);
            low = low == -1 ? seg.physicalAddress() : Math.min(low, seg.physicalAddress());
            high = Math.max(high, seg.physicalEnd());
        }
        if (low == -1) {
            throw new KernelLoadException("ELF kernel has no PT_LOAD segment to load");
        }
        byte[] zeros = new byte[1 << 20];
        for (ElfImage.Segment seg : elf.segments()) {
            memory.load(seg.physicalAddress(), ElfImage.fileBytes(kernel, seg));
            for (long z = seg.fileSize(); z < seg.memorySize(); z += zeros.length) {
                int n = (int) Math.min(zeros.length, seg.memorySize() - z);
                memory.load(seg.physicalAddress() + z, n == zeros.length ? zeros : new byte[n]);
            }
        }
        return new Range(low, high - low);
    }

    private static byte[] head(MemorySegment file, int bytes) {
        return file.asSlice(0, Math.min(file.byteSize(), bytes)).toArray(ValueLayout.JAVA_BYTE);
    }

    static boolean isImage(MemorySegment kernel) {
        return kernel.byteSize() >= IMAGE_HEADER_SIZE && kernel.get(LE_INT, 56) == IMAGE_MAGIC;
    }

    private static Range loadImage(GuestMemory memory, Range ram, MemorySegment kernel, OptionalLong address) {
        long textOffset = kernel.get(LE_LONG, 8);
        long imageSize = kernel.get(LE_LONG, 16);
        long flags = kernel.get(LE_LONG, 24);
        if ((flags & 1) != 0) {
            throw new KernelLoadException("kernel Image is big-endian (flags bit 0); only little-endian guests are supported");
        }
        if (imageSize == 0) {
            textOffset = LEGACY_TEXT_OFFSET;
            imageSize = kernel.byteSize();
        }
        requireWhole(kernel);
        if (Long.compareUnsigned(imageSize, kernel.byteSize()) < 0) {
            throw new KernelLoadException("kernel Image file is " + kernel.byteSize() + " bytes but its header's image_size is only "
                    + imageSize + ": the file is not an Image or is corrupt");
        }
        if (textOffset < 0 || textOffset >= ram.size() || imageSize < 0) {
            throw new KernelLoadException("kernel Image text_offset " + Hex.of(textOffset) + " / image_size "
                    + Hex.of(imageSize) + " cannot fit in RAM " + describe(ram));
        }
        long start = address.orElse(alignUp(ram.base(), IMAGE_ALIGN) + textOffset);
        if (((start - textOffset) & (IMAGE_ALIGN - 1)) != 0) {
            throw new KernelLoadException("kernel Image at " + Hex.of(start) + ": the address minus text_offset "
                    + Hex.of(textOffset) + " must be 2 MiB aligned (booting.rst)");
        }
        Range kernelRange = new Range(start, imageSize);
        requireInRam("kernel Image (text_offset " + Hex.of(textOffset) + ", image_size " + Hex.of(imageSize) + ")",
                kernelRange, ram);
        memory.load(kernelRange.base(), kernel);
        return kernelRange;
    }

    /**
     * Refuses a truncated Image. An EFI-stub Image (Debian's, every distribution's) is also a PE/COFF file
     * ("MZ" at 0, the PE header's offset at 0x3c) whose section table says where its last byte is; an
     * Image without one must at least hold more than its 64-byte header.
     */
    static void requireWhole(MemorySegment kernel) {
        long size = kernel.byteSize();
        if (size <= IMAGE_HEADER_SIZE) {
            throw new KernelLoadException("kernel Image is truncated: " + size + " bytes, no more than its header");
        }
        if (kernel.get(ValueLayout.JAVA_BYTE, 0) != 'M' || kernel.get(ValueLayout.JAVA_BYTE, 1) != 'Z') {
            return;
        }
        long pe = Integer.toUnsignedLong(kernel.get(LE_INT, PE_OFFSET_FIELD));
        if (pe + PE_SECTIONS_FROM_HEADER > size) {
            throw new KernelLoadException("kernel Image is truncated: its PE/COFF header at " + Hex.of(pe)
                    + " is not within its " + size + " bytes");
        }
        if (kernel.get(LE_INT, pe) != PE_SIGNATURE) {
            return; // "MZ" without a PE header: no section table to check against
        }
        int sections = Short.toUnsignedInt(kernel.get(LE_SHORT, pe + 6));
        if (sections == 0) {
            throw new KernelLoadException("kernel Image is corrupt: its PE/COFF header lists no sections");
        }
        long table = pe + PE_SECTIONS_FROM_HEADER + Short.toUnsignedInt(kernel.get(LE_SHORT, pe + 20));
        long end = table + (long) sections * PE_SECTION_SIZE;
        if (end > size) {
            throw new KernelLoadException("kernel Image is truncated: its PE/COFF section table ends at " + end
                    + " bytes but the file has " + size);
        }
        for (int i = 0; i < sections; i++) {
            long section = table + (long) i * PE_SECTION_SIZE;
            end = Math.max(end, Integer.toUnsignedLong(kernel.get(LE_INT, section + 20))
                    + Integer.toUnsignedLong(kernel.get(LE_INT, section + 16)));
        }
        if (end > size) {
            throw new KernelLoadException("kernel Image is truncated: its PE/COFF sections need " + end
                    + " bytes but the file has " + size);
        }
    }

    static void requireInRam(String what, Range r, Range ram) {
        boolean fits = Long.compareUnsigned(r.base(), ram.base()) >= 0
                && Long.compareUnsigned(r.base() - ram.base(), ram.size()) <= 0
                && Long.compareUnsigned(r.size(), ram.size() - (r.base() - ram.base())) <= 0;
        if (!fits) {
            throw new KernelLoadException(what + " needs " + describe(r) + " but RAM is " + describe(ram)
                    + (Long.compareUnsigned(r.base(), ram.base()) >= 0 ? ": give the VM more RAM" : ""));
        }
    }

    static boolean overlap(Range a, Range b) {
        return Long.compareUnsigned(a.base(), b.end()) < 0 && Long.compareUnsigned(b.base(), a.end()) < 0;
    }

    static boolean contains(Range r, long address) {
        return Long.compareUnsigned(address - r.base(), r.size()) < 0;
    }

    static String describe(Range r) {
        return "[" + Hex.of(r.base()) + ", " + Hex.of(r.base() + r.size()) + ") (" + Hex.size(r.size()) + ")";
    }

    static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
