package io.jqvm.boot.x86;

import io.jqvm.boot.ImageBytes;
import io.jqvm.boot.ImageLoadException;
import io.jqvm.common.Hex;
import io.jqvm.memory.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A Linux bzImage booted through the 64-bit boot protocol (Documentation/arch/x86/boot.rst): the real-mode
 * setup is not run; its header is copied into a {@code boot_params} page, the protected-mode kernel goes to
 * {@code code32_start}, and the vCPU enters at load address + 0x200 in long mode with RSI = boot_params.
 * Protocol 2.06 or later is required (it has {@code cmdline_size}).
 */
public final class LinuxBzImage {
    // Setup header fields, as offsets in the image and in boot_params alike.
    static final int SETUP_SECTS = 0x1f1;
    static final int BOOT_FLAG = 0x1fe;
    static final int HEADER_MAGIC = 0x202;
    static final int VERSION = 0x206;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int CODE32_START = 0x214;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21c;
    static final int CMD_LINE_PTR = 0x228;
    static final int INITRD_ADDR_MAX = 0x22c;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    static final int INIT_SIZE = 0x260;
    // boot_params fields outside the setup header.
    static final int E820_ENTRIES = 0x1e8;
    static final int E820_TABLE = 0x2d0;
    static final int E820_MAX_ENTRIES = 128;
    static final int BOOT_PARAMS_SIZE = 4096;

    static final long HDRS = 0x53726448L; // "HdrS"
    static final int MIN_VERSION = 0x0206;
    static final int LOADED_HIGH = 0x01;
    static final int XLF_KERNEL_64 = 0x01;
    static final int LOADER_UNDEFINED = 0xff;
    static final int ENTRY_64_OFFSET = 0x200;

    private LinuxBzImage() {
    }

    /** True when the image carries the "HdrS" signature of a Linux setup header. */
    public static boolean hasHeader(byte[] image) {
        return image.length >= HEADER_MAGIC + 4 && ImageBytes.u32At(image, HEADER_MAGIC) == HDRS;
    }

    static ProtocolSetup load(GuestMemory memory, GuestPlacer placer, byte[] image, String cmdline,
                              Optional<byte[]> initrd, List<MemoryMap.Entry> memoryMap) {
        ImageBytes in = new ImageBytes(image, "bzImage");
        int bootFlag = in.u16(BOOT_FLAG, "boot_flag");
        if (bootFlag != 0xaa55) {
            throw in.error(BOOT_FLAG, "boot_flag", "is " + Hex.of(bootFlag) + ", expected 0xaa55");
        }
        int version = in.u16(VERSION, "version");
        if (version < MIN_VERSION) {
            throw in.error(VERSION, "version", "is " + Hex.of(version) + ": boot protocol 2.06 or later is required");
        }
        if ((in.u8(LOADFLAGS, "loadflags") & LOADED_HIGH) == 0) {
            throw in.error(LOADFLAGS, "loadflags", "lack LOADED_HIGH: a zImage (kernel below 1 MiB) is not supported");
        }
        if (version >= 0x020c && (in.u16(XLOADFLAGS, "xloadflags") & XLF_KERNEL_64) == 0) {
            throw in.error(XLOADFLAGS, "xloadflags", "lack XLF_KERNEL_64: the kernel has no 64-bit entry point");
        }
        int setupSects = in.u8(SETUP_SECTS, "setup_sects");
        long kernelOffset = (long) ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        if (kernelOffset >= image.length) {
            throw in.error(SETUP_SECTS, "setup_sects", "(" + setupSects + ") puts the protected-mode kernel at "
                    + Hex.of(kernelOffset) + ", beyond the end of the image (" + image.length + " bytes)");
        }
        int headerEnd = Math.min(HEADER_MAGIC + in.u8(HEADER_MAGIC - 1, "setup header length"), BOOT_PARAMS_SIZE);
        long code32Start = in.u32(CODE32_START, "code32_start");
        long initrdAddrMax = in.u32(INITRD_ADDR_MAX, "initrd_addr_max");
        long cmdlineSize = in.u32(CMDLINE_SIZE, "cmdline_size");
        long initSize = version >= 0x020a ? in.u32(INIT_SIZE, "init_size") : 0;
        byte[] kernel = in.slice(kernelOffset, image.length - kernelOffset, "protected-mode kernel");

        placer.claim(code32Start, Math.max(kernel.length, initSize), "Linux kernel (code32_start + init_size)");
        memory.load(code32Start, kernel);

        long bootParams = placer.allocateLow(BOOT_PARAMS_SIZE, BOOT_PARAMS_SIZE, GuestPlacer.LOWEST_BOOT_DATA,
                GuestPlacer.FOUR_GIB, "Linux boot_params");
        byte[] zeroPage = new byte[BOOT_PARAMS_SIZE];
        System.arraycopy(image, SETUP_SECTS, zeroPage, SETUP_SECTS, Math.min(headerEnd, image.length) - SETUP_SECTS);
        memory.load(bootParams, zeroPage);
        memory.write8(bootParams + TYPE_OF_LOADER, LOADER_UNDEFINED);

        byte[] cmd = cmdline.getBytes(StandardCharsets.UTF_8);
        if (cmd.length > cmdlineSize) {
            throw new ImageLoadException("the command line is " + cmd.length + " bytes; this kernel's cmdline_size is "
                    + cmdlineSize);
        }
        long cmdAddr = placer.allocateLow(cmd.length + 1, 16, GuestPlacer.LOWEST_BOOT_DATA, GuestPlacer.FOUR_GIB,
                "kernel command line");
        memory.load(cmdAddr, nulTerminated(cmd));
        memory.write32(bootParams + CMD_LINE_PTR, (int) cmdAddr);

        if (initrd.isPresent()) {
            byte[] rd = initrd.get();
            long limit = Math.min(initrdAddrMax + 1, GuestPlacer.FOUR_GIB);
            long rdAddr = placer.allocateHigh(Math.max(rd.length, 1), 4096, limit, "initrd");
            memory.load(rdAddr, rd);
            memory.write32(bootParams + RAMDISK_IMAGE, (int) rdAddr);
            memory.write32(bootParams + RAMDISK_SIZE, rd.length);
        }

        if (memoryMap.size() > E820_MAX_ENTRIES) {
            throw new ImageLoadException("the memory map has " + memoryMap.size() + " entries; boot_params holds "
                    + E820_MAX_ENTRIES);
        }
        memory.write8(bootParams + E820_ENTRIES, memoryMap.size());
        for (int i = 0; i < memoryMap.size(); i++) {
            MemoryMap.Entry e = memoryMap.get(i);
            long at = bootParams + E820_TABLE + 20L * i;
            memory.write64(at, e.base());
            memory.write64(at + 8, e.length());
            memory.write32(at + 16, e.type());
        }
        return new ProtocolSetup(code32Start + ENTRY_64_OFFSET, bootParams);
    }

    static byte[] nulTerminated(byte[] s) {
        byte[] out = new byte[s.length + 1];
        System.arraycopy(s, 0, out, 0, s.length);
        return out;
    }

    /** Where the loader left things: the 64-bit entry point and the boot_params page. */
    record ProtocolSetup(long entry, long bootParams) {
    }
}
