package io.jqvm.boot.x86;

import io.jqvm.accel.X86Entry;
import io.jqvm.boot.ImageBytes;
import io.jqvm.boot.ImageLoadException;
import io.jqvm.boot.elf.ElfImage;
import io.jqvm.common.Hex;
import io.jqvm.common.Log;
import io.jqvm.memory.GuestMemory;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Loads the image of qvm's {@code load} option into x86 guest memory and says how the boot vCPU starts.
 * The format is recognised from the image itself, in this order:
 * <ol>
 *   <li><b>Multiboot v1</b> (a valid header in the first 8 KiB): an ELF's PT_LOAD segments, or with header
 *       flag 16 the a.out kludge addresses; a Multiboot information block (memory sizes, memory map,
 *       command line, boot loader name, initrd as module 0). Entry in PROTECTED32, EAX = 0x2BADB002,
 *       EBX = info.</li>
 *   <li><b>Plain ELF</b>: segments at their physical addresses; ELF64 enters LONG64 through
 *       {@link LongModeTables}, ELF32 enters PROTECTED32. No boot information is passed.</li>
 *   <li><b>Linux bzImage</b>: the 64-bit boot protocol, see {@link LinuxBzImage}.</li>
 *   <li><b>Raw</b>: the bytes at the given address (default: the start of the lowest RAM region), entered at
 *       the first byte, in REAL mode when that is below 1 MiB (CS = address / 16 rounded down to 64 KiB,
 *       IP = the rest), else in PROTECTED32.</li>
 * </ol>
 * An ELF entry point is translated to a physical address through the segment that maps it, so
 * higher-half kernels enter at their physical address. RSP is 0 in every mode: none of these protocols
 * provides a stack.
 *
 * <p>The load address of {@code load addr,path} applies to raw images only; other formats place
 * themselves and a given address is logged and ignored.
 */
public final class X86Loader {
    private static final long ONE_MIB = 0x100000;

    /**
     * What to load.
     *
     * @param image   the kernel or firmware file
     * @param address the address of {@code load addr,path}, if given
     * @param cmdline the {@code cmdline} option ("" when absent)
     * @param initrd  the {@code initrd load} file, if any
     */
    public record Request(byte[] image, OptionalLong address, String cmdline, Optional<byte[]> initrd) {
        public Request {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(cmdline, "cmdline");
            Objects.requireNonNull(initrd, "initrd");
        }

        public static Request of(byte[] image) {
            return new Request(image, OptionalLong.empty(), "", Optional.empty());
        }
    }

    private final GuestMemory memory;
    private final List<MemoryMap.Entry> reserved;

    /**
     * @param memory   the guest's RAM and ROM
     * @param reserved ranges to report as reserved in the memory map and never to place boot data in
     *                 (device windows, ACPI tables kept in RAM); ROM regions are reserved anyway
     */
    public X86Loader(GuestMemory memory, List<MemoryMap.Entry> reserved) {
        this.memory = memory;
        this.reserved = List.copyOf(reserved);
    }

    public X86Loader(GuestMemory memory) {
        this(memory, List.of());
    }

    /** The memory map this loader reports to the guest (E820 and Multiboot alike). */
    public List<MemoryMap.Entry> memoryMap() {
        return MemoryMap.of(memory, reserved);
    }

    public X86Entry load(Request request) {
        byte[] image = request.image();
        GuestPlacer placer = new GuestPlacer(memory, reserved);
        Optional<MultibootHeader> multiboot = MultibootHeader.find(image);
        if (multiboot.isPresent()) {
            ignoredAddress(request, "Multiboot");
            return loadMultiboot(request, multiboot.get(), placer);
        }
        if (ElfImage.hasMagic(image)) {
            ignoredAddress(request, "ELF");
            ignoredBootData(request, "an ELF image without a Multiboot header");
            return loadPlainElf(x86Elf(image), image, placer);
        }
        if (LinuxBzImage.hasHeader(image)) {
            ignoredAddress(request, "bzImage");
            LinuxBzImage.ProtocolSetup setup = LinuxBzImage.load(memory, placer, image, request.cmdline(),
                    request.initrd(), memoryMap());
            LongModeTables tables = LongModeTables.write(memory, placer);
            return new X86Entry(X86Entry.Mode.LONG64, setup.entry(), 0, 0, 0, setup.bootParams(),
                    tables.cr3(), tables.gdtBase(), tables.gdtLimit());
        }
        ignoredBootData(request, "a raw image");
        return loadRaw(image, request.address().orElse(placer.lowestRam()), placer);
    }

    private X86Entry loadMultiboot(Request request, MultibootHeader header, GuestPlacer placer) {
        byte[] image = request.image();
        ImageBytes in = new ImageBytes(image, "Multiboot image");
        header.checkRequirements(in);
        if (header.wantsVideoMode()) {
            Log.warn("the Multiboot kernel asks for a video mode; jqvm has no display and leaves it unset");
        }
        long entry;
        if (header.hasAddressFields()) {
            entry = loadAoutKludge(in, header, image, placer);
        } else if (ElfImage.hasMagic(image)) {
            ElfImage elf = x86Elf(image);
            loadSegments(elf, image, placer);
            entry = elf.physicalOf(elf.entry());
        } else {
            throw header.notLoadable(in);
        }
        requireBelow4G(entry, "Multiboot entry point");
        long info = MultibootInfo.write(memory, placer, request.cmdline(), request.initrd(), memoryMap());
        return new X86Entry(X86Entry.Mode.PROTECTED32, entry, 0, MultibootHeader.BOOTLOADER_MAGIC, info, 0, 0, 0, 0);
    }

    private long loadAoutKludge(ImageBytes in, MultibootHeader header, byte[] image, GuestPlacer placer) {
        MultibootHeader.AddressFields f = header.addressFields(in);
        long fileOffset = header.fileOffsetOfLoadAddr(f);
        long loadEnd = f.loadEndAddr() == 0 ? f.loadAddr() + (image.length - fileOffset) : f.loadEndAddr();
        long textLength = loadEnd - f.loadAddr();
        if (!in.contains(fileOffset, textLength)) {
            throw in.error(header.offset() + 20, "Multiboot load_end_addr", "(" + Hex.of(loadEnd) + ") asks for "
                    + textLength + " bytes from file offset " + Hex.of(fileOffset) + ", beyond the end of the image ("
                    + image.length + " bytes)");
        }
        long end = Math.max(loadEnd, f.bssEndAddr());
        if (end == f.loadAddr()) {
            throw in.error(header.offset() + 16, "Multiboot load_addr", "(" + Hex.of(f.loadAddr())
                    + ") equals the end of text and bss: there is nothing to load");
        }
        placer.claim(f.loadAddr(), end - f.loadAddr(), "Multiboot image");
        memory.load(f.loadAddr(), in.slice(fileOffset, textLength, "Multiboot image text"));
        if (end > loadEnd) {
            memory.sliceForWrite(loadEnd, end - loadEnd).fill((byte) 0);
        }
        return f.entryAddr();
    }

    /** Parses an ELF and refuses one built for another machine. */
    private static ElfImage x86Elf(byte[] image) {
        ElfImage elf = ElfImage.parse(image);
        if (elf.machine() != ElfImage.EM_386 && elf.machine() != ElfImage.EM_X86_64) {
            throw new ImageBytes(image, "ELF image").error(18, "e_machine", "is " + elf.machine()
                    + ", not EM_386 (3) or EM_X86_64 (62): the image is not for x86"
                    + elf.arch().map(a -> " (it is for " + a.label() + ")").orElse(""));
        }
        return elf;
    }

    private X86Entry loadPlainElf(ElfImage elf, byte[] image, GuestPlacer placer) {
        loadSegments(elf, image, placer);
        long entry = elf.physicalOf(elf.entry());
        requireBelow4G(entry, "ELF entry point");
        if (!elf.is64()) {
            return new X86Entry(X86Entry.Mode.PROTECTED32, entry, 0, 0, 0, 0, 0, 0, 0);
        }
        LongModeTables tables = LongModeTables.write(memory, placer);
        return new X86Entry(X86Entry.Mode.LONG64, entry, 0, 0, 0, 0, tables.cr3(), tables.gdtBase(), tables.gdtLimit());
    }

    private void loadSegments(ElfImage elf, byte[] image, GuestPlacer placer) {
        List<ElfImage.Segment> segments = elf.segments();
        for (int i = 0; i < segments.size(); i++) {
            ElfImage.Segment s = segments.get(i);
            placer.claim(s.physicalAddress(), s.memorySize(), "ELF segment " + i);
            memory.load(s.physicalAddress(), ElfImage.fileBytes(image, s));
            if (s.memorySize() > s.fileSize()) {
                memory.sliceForWrite(s.physicalAddress() + s.fileSize(), s.memorySize() - s.fileSize()).fill((byte) 0);
            }
        }
    }

    private X86Entry loadRaw(byte[] image, long address, GuestPlacer placer) {
        if (image.length == 0) {
            throw new ImageLoadException("the raw image is empty: there is no first instruction to start at");
        }
        placer.claim(address, image.length, "raw image");
        memory.load(address, image);
        if (address < ONE_MIB) {
            return new X86Entry(X86Entry.Mode.REAL, address, 0, 0, 0, 0, 0, 0, 0);
        }
        requireBelow4G(address, "raw image start");
        return new X86Entry(X86Entry.Mode.PROTECTED32, address, 0, 0, 0, 0, 0, 0, 0);
    }

    private static void requireBelow4G(long address, String what) {
        if (Long.compareUnsigned(address, GuestPlacer.FOUR_GIB) >= 0) {
            throw new ImageLoadException(what + " " + Hex.of(address) + " is above 4 GiB, out of reach of a 32-bit"
                    + " or identity-mapped entry");
        }
    }

    private static void ignoredAddress(Request request, String format) {
        if (request.address().isPresent()) {
            Log.warn("load address " + Hex.of(request.address().getAsLong()) + " ignored: a " + format
                    + " image says where it loads");
        }
    }

    private static void ignoredBootData(Request request, String format) {
        if (!request.cmdline().isEmpty() || request.initrd().isPresent()) {
            Log.warn("cmdline and initrd ignored: " + format + " has no way to receive them");
        }
    }
}
