package io.jqvm.host;

import java.lang.foreign.MemorySegment;

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

    public static void unmap(MemorySegment mapping) {
        Libc.munmap(mapping);
    }
}
