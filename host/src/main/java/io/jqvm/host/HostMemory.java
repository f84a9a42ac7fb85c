package io.jqvm.host;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Host memory for guests: zero-filled mappings outside the Java heap, anonymous and private, or (for guests whose
 * RAM another process must reach, as vhost-user back ends do) shared mappings of a memfd whose descriptor can be
 * passed to that process.
 */
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

    /** A shared mapping of a memfd; {@code fd} stays open (the caller's to close) so it can be passed on. */
    public record SharedMapping(MemorySegment segment, int fd) {
    }

    /**
     * Maps {@code length} bytes of a new memfd named {@code name} (the name shows in /proc/PID/maps), shared, so
     * that another process mapping the same descriptor sees the same bytes. Pages are allocated when touched.
     */
    public static SharedMapping mapSharedMemfd(String name, long length) {
        int fd = Libc.memfdCreate(name);
        try {
            Libc.ftruncate(fd, length);
            return new SharedMapping(Libc.mmap(length, Libc.PROT_READ | Libc.PROT_WRITE,
                    Libc.MAP_SHARED | Libc.MAP_NORESERVE, fd, 0), fd);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
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
