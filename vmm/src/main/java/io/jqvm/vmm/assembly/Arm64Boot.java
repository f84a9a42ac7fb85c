package io.jqvm.vmm.assembly;

import io.jqvm.accel.A64Entry;
import io.jqvm.boot.ImageFormatException;
import io.jqvm.boot.elf.ElfImage;
import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.boot.fdt.Arm64BoardTree;
import io.jqvm.boot.fdt.Fdt;
import io.jqvm.boot.fdt.FdtFormatException;
import io.jqvm.common.Hex;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Value;
import io.jqvm.memory.GuestRegion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * AArch64 boot as QEMU's {@code -kernel} does it: the image (an arm64 Linux {@code Image}, an ELF, or raw
 * bytes), the initrd after it, and a device tree generated from the board (with {@code fdt load} blobs
 * merged over it); the boot vCPU enters at EL1 with the MMU off and x0 = the device tree's address.
 */
final class Arm64Boot {
    static final long TWO_MIB = 2L << 20;
    static final long MAX_DTB = 2L << 20;
    /** Where QEMU puts a raw AArch64 image: RAM base + 512 KiB. */
    static final long RAW_IMAGE_OFFSET = 0x80000;
    static final int IMAGE_MAGIC = 0x644d5241; // "ARM\x64"

    private Arm64Boot() {
    }

    /** A guest-physical range the boot images occupy. */
    private record Placed(long base, long end) {
    }

    static void load(Assembly a, BootImages images) {
        GuestRegion ram = firstRam(a);
        List<Placed> used = new ArrayList<>();
        Long entry = null;
        if (images.image().isPresent()) {
            BootImages.Blob image = images.image().get();
            try {
                entry = loadImage(a, ram, image, used);
            } catch (ImageFormatException e) {
                throw new ConfigException(image.load().origin(), Quote.of(image.load().path().toString()) + ": " + e.getMessage());
            }
        }
        Arm64Board.Range initrd = null;
        if (images.initrd().isPresent()) {
            BootImages.Blob blob = images.initrd().get();
            long at = blob.load().address().orElse(align(highest(used, ram.base()), TWO_MIB));
            place(a, blob, at, blob.bytes(), used);
            initrd = new Arm64Board.Range(at, blob.bytes().length);
        }
        Fdt fdt = Arm64BoardTree.build(board(a, initrd));
        for (BootImages.Blob overlay : images.fdtOverlays()) {
            try {
                fdt.root().merge(Fdt.parse(overlay.bytes()).root());
            } catch (FdtFormatException e) {
                throw new ConfigException(overlay.load().origin(), Quote.of(overlay.load().path().toString())
                        + " is not a device tree blob: " + e.getMessage());
            }
        }
        byte[] dtb = fdt.toBlob();
        if (dtb.length > MAX_DTB) {
            throw new ConfigException(a.configOrigin(), "the device tree is " + dtb.length + " bytes; Linux accepts at most 2 MiB");
        }
        long dtbAt = overlapsAny(used, ram.base(), dtb.length) ? align(highest(used, ram.base()), TWO_MIB) : ram.base();
        if (!a.memory.isBacked(dtbAt, dtb.length)) {
            throw new ConfigException(a.configOrigin(), "no room for the " + dtb.length + "-byte device tree in RAM after the boot images");
        }
        a.memory.load(dtbAt, dtb);
        a.note("device tree at " + Hex.of(dtbAt) + " (" + dtb.length + " bytes)");
        a.spec.setting("fdt-dump-file").ifPresent(s -> dumpFdt(a, ((Value.Text) s.value()).value(), dtb));
        if (entry != null) {
            a.entry = new A64Entry(entry, dtbAt, 0, 0, 0);
            a.note("boot vCPU enters at " + Hex.of(entry) + " (EL1, MMU off) with x0 = " + Hex.of(dtbAt));
        }
    }

    private static long loadImage(Assembly a, GuestRegion ram, BootImages.Blob image, List<Placed> used) {
        byte[] bytes = image.bytes();
        if (bytes.length >= 64 && le32(bytes, 56) == IMAGE_MAGIC) {
            long textOffset = le64(bytes, 8);
            long imageSize = le64(bytes, 16);
            long flags = le64(bytes, 24);
            if ((flags & 1) != 0) {
                throw new ImageFormatException("the arm64 Image is big-endian; jqvm runs little-endian guests");
            }
            // Leave the first 2 MiB for the device tree, as QEMU does, and keep 2 MiB alignment.
            long base = align(ram.base(), TWO_MIB) + TWO_MIB;
            long at = image.load().address().orElse(base + textOffset);
            long span = Math.max(imageSize, bytes.length);
            if (!a.memory.isBacked(at, span)) {
                throw new ImageFormatException("the kernel needs " + Hex.size(span) + " at " + Hex.of(at) + ", beyond guest RAM");
            }
            place(a, image, at, bytes, used);
            used.set(used.size() - 1, new Placed(at, at + span));
            a.note("arm64 Image at " + Hex.of(at) + " (text_offset " + Hex.of(textOffset) + ", image_size " + Hex.size(imageSize) + ")");
            return at;
        }
        if (ElfImage.hasMagic(bytes)) {
            ElfImage elf = ElfImage.parse(bytes);
            if (elf.machine() != ElfImage.EM_AARCH64) {
                throw new ImageFormatException("an ELF for machine " + elf.machine() + ", not AArch64 (183)");
            }
            for (ElfImage.Segment s : elf.segments()) {
                if (!a.memory.isBacked(s.physicalAddress(), s.memorySize())) {
                    throw new ImageFormatException("segment at " + Hex.of(s.physicalAddress()) + "+" + Hex.of(s.memorySize())
                            + " lies outside guest RAM");
                }
                // The rest of the segment (bss) is already zero: guest memory is freshly mapped.
                a.memory.load(s.physicalAddress(), ElfImage.fileBytes(bytes, s));
                used.add(new Placed(s.physicalAddress(), s.physicalAddress() + s.memorySize()));
            }
            long entry = elf.physicalOf(elf.entry());
            a.note("ELF image, " + elf.segments().size() + " segment(s), entry " + Hex.of(entry));
            return entry;
        }
        long at = image.load().address().orElse(ram.base() + RAW_IMAGE_OFFSET);
        place(a, image, at, bytes, used);
        a.note("raw image at " + Hex.of(at) + " (" + bytes.length + " bytes)");
        return at;
    }

    private static void place(Assembly a, BootImages.Blob blob, long at, byte[] bytes, List<Placed> used) {
        if (!a.memory.isBacked(at, bytes.length)) {
            throw new ConfigException(blob.load().origin(), Quote.of(blob.load().path().toString()) + " (" + bytes.length
                    + " bytes) does not fit in guest RAM at " + Hex.of(at));
        }
        if (overlapsAny(used, at, bytes.length)) {
            throw new ConfigException(blob.load().origin(), Quote.of(blob.load().path().toString())
                    + " would overlap another boot image at " + Hex.of(at));
        }
        a.memory.load(at, bytes);
        used.add(new Placed(at, at + bytes.length));
    }

    private static Arm64Board board(Assembly a, Arm64Board.Range initrd) {
        List<Arm64Board.Range> ram = new ArrayList<>();
        for (GuestRegion r : a.memory.regions()) {
            if (!r.readOnly()) {
                ram.add(new Arm64Board.Range(r.base(), r.size()));
            }
        }
        Board.Gic g = a.board.gic;
        Arm64Board.Gic gic = g.version() == 2 ? new Arm64Board.GicV2(g.distributor(), g.cpuInterface())
                : new Arm64Board.GicV3(g.distributor(), g.cpuInterface());
        List<Arm64Board.Peripheral> peripherals = new ArrayList<>();
        for (Board.Device d : a.board.devices) {
            if (d.intid() == Board.NOT_WIRED) {
                a.note(d.kind() + " at " + Hex.of(d.base()) + " has no interrupt; the device tree leaves it out");
                continue;
            }
            int spi = d.intid() - 32;
            peripherals.add(switch (d.kind()) {
                case PL011 -> Arm64Board.Peripheral.pl011(d.base(), spi);
                case PL031 -> Arm64Board.Peripheral.pl031(d.base(), spi);
                case SP805 -> Arm64Board.Peripheral.sp805(d.base(), spi, d.clockHz());
            });
        }
        return new Arm64Board(ram, a.vcpuCount(), gic, Arm64Board.TimerPpis.STANDARD, peripherals,
                a.spec.cmdline().orElse(null), initrd, null);
    }

    private static void dumpFdt(Assembly a, String file, byte[] dtb) {
        try {
            Files.write(Path.of(file), dtb);
            System.out.println("FDT saved to '" + file + "'");
        } catch (IOException e) {
            throw new ConfigException(a.spec.setting("fdt-dump-file").orElseThrow().origin(),
                    "cannot write the device tree to " + Quote.of(file) + ": " + e.getMessage());
        }
    }

    private static GuestRegion firstRam(Assembly a) {
        for (GuestRegion r : a.memory.regions()) {
            if (!r.readOnly()) {
                return r;
            }
        }
        throw new ConfigException(a.configOrigin(), "an AArch64 guest needs RAM: add 'ram start,length'");
    }

    private static boolean overlapsAny(List<Placed> used, long base, long length) {
        for (Placed p : used) {
            if (Long.compareUnsigned(base, p.end()) < 0 && Long.compareUnsigned(p.base(), base + length) < 0) {
                return true;
            }
        }
        return false;
    }

    private static long highest(List<Placed> used, long floor) {
        long end = floor;
        for (Placed p : used) {
            end = Math.max(end, p.end());
        }
        return end;
    }

    private static long align(long v, long alignment) {
        return (v + alignment - 1) & -alignment;
    }

    private static int le32(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static long le64(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
