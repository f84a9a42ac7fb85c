package io.jqvm.host;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Host memory for guests: anonymous, zero-filled, private mappings outside the Java heap. */
public final class HostMemory {
    public static final long PAGE_SIZE = 4096;

    private HostMemory() {
    }

    /**
     * Maps {@code length} bytes of zero-filled memory. MAP_NORESERVE: a large guest costs host memory only
     * for the pages it touches, like every VMM's guest RAM.
     */
    public static MemorySegment mapAnonymous(long length) {
        return Libc.mmap(length, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
    }

    /**
     * The most memory this host could ever give a process: physical memory plus swap, from
     * {@code /proc/meminfo}; empty when that cannot be read.
     */
    public static OptionalLong capacity() {
        try {
            long total = 0;
            int found = 0;
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:") || line.startsWith("SwapTotal:")) {
                    String[] fields = line.trim().split("\\s+");
                    total += Long.parseLong(fields[1]) * 1024; // "kB" is KiB
                    found++;
                }
            }
            return found == 2 ? OptionalLong.of(total) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    public static void unmap(MemorySegment mapping) {
        Libc.munmap(mapping);
    }
}
