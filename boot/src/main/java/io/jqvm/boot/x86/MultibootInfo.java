package io.jqvm.boot.x86;

import io.jqvm.memory.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The Multiboot information structure (Multiboot specification 0.6.96, section 3.3) and what it points
 * to, written as one block in low guest RAM: the info struct, the memory map, the module list, then the
 * strings.
 */
final class MultibootInfo {
    static final int FLAG_MEMORY = 1;
    static final int FLAG_CMDLINE = 1 << 2;
    static final int FLAG_MODULES = 1 << 3;
    static final int FLAG_MEMORY_MAP = 1 << 6;
    static final int FLAG_LOADER_NAME = 1 << 9;
    static final String LOADER_NAME = "jqvm";
    /** Name given to the initrd, passed as module 0. */
    static final String INITRD_MODULE_NAME = "initrd";

    // Field offsets in the info struct.
    static final int FLAGS = 0;
    static final int MEM_LOWER = 4;
    static final int MEM_UPPER = 8;
    static final int CMDLINE = 16;
    static final int MODS_COUNT = 20;
    static final int MODS_ADDR = 24;
    static final int MMAP_LENGTH = 44;
    static final int MMAP_ADDR = 48;
    static final int BOOT_LOADER_NAME = 64;
    /** Up to and including the framebuffer fields of 0.6.96; unset fields stay zero. */
    static final int INFO_SIZE = 116;
    static final int MMAP_ENTRY_SIZE = 24;
    static final int MODULE_ENTRY_SIZE = 16;

    private static final long LOW_MEMORY_TOP = 0xa0000;
    private static final long ONE_MIB = 0x100000;

    private MultibootInfo() {
    }

    /** Writes the info block and the initrd module; returns the info struct's address (for EBX). */
    static long write(GuestMemory memory, GuestPlacer placer, String cmdline, Optional<byte[]> initrd,
                      List<MemoryMap.Entry> map) {
        long moduleStart = 0;
        int moduleLength = 0;
        if (initrd.isPresent()) {
            moduleLength = initrd.get().length;
            // Just above the kernel: simple kernels map only their first megabytes.
            moduleStart = placer.allocateLow(Math.max(moduleLength, 1), 4096, ONE_MIB, GuestPlacer.FOUR_GIB,
                    "Multiboot module 0 (initrd)");
            memory.load(moduleStart, initrd.get());
        }
        byte[] cmd = LinuxBzImage.nulTerminated(cmdline.getBytes(StandardCharsets.UTF_8));
        byte[] name = LinuxBzImage.nulTerminated(LOADER_NAME.getBytes(StandardCharsets.US_ASCII));
        byte[] moduleName = LinuxBzImage.nulTerminated(INITRD_MODULE_NAME.getBytes(StandardCharsets.US_ASCII));
        int modules = initrd.isPresent() ? 1 : 0;
        long mmapOffset = INFO_SIZE + 4; // 8-byte aligned entries
        long modsOffset = mmapOffset + (long) MMAP_ENTRY_SIZE * map.size();
        long cmdOffset = modsOffset + (long) MODULE_ENTRY_SIZE * modules;
        long nameOffset = cmdOffset + cmd.length;
        long moduleNameOffset = nameOffset + name.length;
        long total = moduleNameOffset + moduleName.length;

        long info = placer.allocateLow(total, 8, GuestPlacer.LOWEST_BOOT_DATA, GuestPlacer.FOUR_GIB,
                "Multiboot information");
        memory.sliceForWrite(info, total).fill((byte) 0);
        int flags = FLAG_MEMORY | FLAG_CMDLINE | FLAG_MEMORY_MAP | FLAG_LOADER_NAME;
        memory.write32(info + MEM_LOWER, (int) lowerKib(map));
        memory.write32(info + MEM_UPPER, (int) upperKib(map));
        memory.write32(info + CMDLINE, (int) (info + cmdOffset));
        memory.write32(info + MMAP_LENGTH, MMAP_ENTRY_SIZE * map.size());
        memory.write32(info + MMAP_ADDR, (int) (info + mmapOffset));
        memory.write32(info + BOOT_LOADER_NAME, (int) (info + nameOffset));
        for (int i = 0; i < map.size(); i++) {
            MemoryMap.Entry e = map.get(i);
            long at = info + mmapOffset + (long) MMAP_ENTRY_SIZE * i;
            memory.write32(at, MMAP_ENTRY_SIZE - 4); // size excludes the size field itself
            memory.write64(at + 4, e.base());
            memory.write64(at + 12, e.length());
            memory.write32(at + 20, e.type());
        }
        if (modules > 0) {
            flags |= FLAG_MODULES;
            memory.write32(info + MODS_COUNT, 1);
            memory.write32(info + MODS_ADDR, (int) (info + modsOffset));
            memory.write32(info + modsOffset, (int) moduleStart);
            memory.write32(info + modsOffset + 4, (int) (moduleStart + moduleLength));
            memory.write32(info + modsOffset + 8, (int) (info + moduleNameOffset));
        }
        memory.write(info + cmdOffset, cmd);
        memory.write(info + nameOffset, name);
        memory.write(info + moduleNameOffset, moduleName);
        memory.write32(info + FLAGS, flags);
        return info;
    }

    /** KiB of RAM from address 0 up to the first hole, at most 640. */
    static long lowerKib(List<MemoryMap.Entry> map) {
        return contiguousRamFrom(map, 0, LOW_MEMORY_TOP) / 1024;
    }

    /** KiB of RAM from 1 MiB up to the first hole, as a 32-bit field can hold. */
    static long upperKib(List<MemoryMap.Entry> map) {
        return Math.min(contiguousRamFrom(map, ONE_MIB, Long.MAX_VALUE) / 1024, 0xffffffffL);
    }

    private static long contiguousRamFrom(List<MemoryMap.Entry> map, long start, long cap) {
        long end = start;
        boolean grew = true;
        while (grew && end < cap) {
            grew = false;
            for (MemoryMap.Entry e : map) {
                if (e.type() == MemoryMap.TYPE_RAM && e.base() <= end && e.end() > end) {
                    end = e.end();
                    grew = true;
                }
            }
        }
        return Math.min(end, cap) - start;
    }
}
