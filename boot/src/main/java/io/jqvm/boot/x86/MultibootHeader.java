package io.jqvm.boot.x86;

import io.jqvm.boot.ImageBytes;
import io.jqvm.boot.ImageFormatException;
import io.jqvm.common.Hex;
import java.util.Optional;

/**
 * A Multiboot (version 0.6.96) header: a magic, flags and checksum word on a 4-byte boundary in the first
 * 8 KiB of the image (Multiboot specification, section 3.1).
 *
 * @param offset file offset of the magic
 * @param flags  the header's flags word; bits 0-15 are requirements, 16 the a.out kludge
 */
public record MultibootHeader(int offset, long flags) {
    public static final long MAGIC = 0x1BADB002L;
    /** The value a Multiboot loader leaves in EAX (section 3.2). */
    public static final long BOOTLOADER_MAGIC = 0x2BADB002L;
    public static final long FLAG_PAGE_ALIGN_MODULES = 1;
    public static final long FLAG_MEMORY_INFO = 1 << 1;
    public static final long FLAG_VIDEO_MODE = 1 << 2;
    public static final long FLAG_ADDRESS_FIELDS = 1 << 16;
    private static final int SEARCH_LIMIT = 8192;
    private static final long SUPPORTED_REQUIREMENTS = FLAG_PAGE_ALIGN_MODULES | FLAG_MEMORY_INFO | FLAG_VIDEO_MODE;

    /** The a.out kludge fields (flag 16), physical addresses. */
    public record AddressFields(long headerAddr, long loadAddr, long loadEndAddr, long bssEndAddr, long entryAddr) {
    }

    /** The first valid header (magic and checksum agree), if any. Never throws. */
    public static Optional<MultibootHeader> find(byte[] image) {
        int limit = Math.min(image.length, SEARCH_LIMIT) - 12;
        for (int off = 0; off <= limit; off += 4) {
            if (ImageBytes.u32At(image, off) == MAGIC) {
                long flags = ImageBytes.u32At(image, off + 4);
                long checksum = ImageBytes.u32At(image, off + 8);
                if (((MAGIC + flags + checksum) & 0xffffffffL) == 0) {
                    return Optional.of(new MultibootHeader(off, flags));
                }
            }
        }
        return Optional.empty();
    }

    public boolean hasAddressFields() {
        return (flags & FLAG_ADDRESS_FIELDS) != 0;
    }

    /** True when the kernel asked for a video mode, which jqvm has no display to honour. */
    public boolean wantsVideoMode() {
        return (flags & FLAG_VIDEO_MODE) != 0;
    }

    /**
     * Refuses requirement bits (0-15) this loader does not know, as section 3.1.2 demands. The video mode
     * request (bit 2) is accepted and left unanswered: the info flags then lack bit 11, which tells the
     * kernel.
     */
    public void checkRequirements(ImageBytes in) {
        long unknown = flags & 0xffff & ~SUPPORTED_REQUIREMENTS;
        if (unknown != 0) {
            throw in.error(offset + 4, "Multiboot header flags", "(" + Hex.of(flags)
                    + ") require features jqvm does not provide: bits " + Hex.of(unknown));
        }
    }

    /** The a.out kludge fields, checked against each other and the file. */
    public AddressFields addressFields(ImageBytes in) {
        AddressFields f = new AddressFields(in.u32(offset + 12, "Multiboot header_addr"),
                in.u32(offset + 16, "Multiboot load_addr"), in.u32(offset + 20, "Multiboot load_end_addr"),
                in.u32(offset + 24, "Multiboot bss_end_addr"), in.u32(offset + 28, "Multiboot entry_addr"));
        if (f.loadAddr() > f.headerAddr() || f.headerAddr() - f.loadAddr() > offset) {
            throw in.error(offset + 16, "Multiboot load_addr", "(" + Hex.of(f.loadAddr())
                    + ") is not within the file before header_addr (" + Hex.of(f.headerAddr()) + ")");
        }
        if (f.loadEndAddr() != 0 && f.loadEndAddr() < f.loadAddr()) {
            throw in.error(offset + 20, "Multiboot load_end_addr", "(" + Hex.of(f.loadEndAddr())
                    + ") is below load_addr (" + Hex.of(f.loadAddr()) + ")");
        }
        if (f.bssEndAddr() != 0 && f.bssEndAddr() < Math.max(f.loadEndAddr(), f.loadAddr())) {
            throw in.error(offset + 24, "Multiboot bss_end_addr", "(" + Hex.of(f.bssEndAddr())
                    + ") is below load_end_addr (" + Hex.of(f.loadEndAddr()) + ")");
        }
        return f;
    }

    /** File offset that load_addr corresponds to. */
    public long fileOffsetOfLoadAddr(AddressFields f) {
        return offset - (f.headerAddr() - f.loadAddr());
    }

    /** The error for a header without address fields in a file that is not ELF either. */
    public ImageFormatException notLoadable(ImageBytes in) {
        return in.error(offset + 4, "Multiboot header flags", "(" + Hex.of(flags)
                + ") lack the address fields (bit 16) and the image is not ELF: nothing says where to load it");
    }
}
