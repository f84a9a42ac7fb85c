package io.jqvm.memory;

import io.jqvm.common.Hex;
import java.lang.foreign.MemorySegment;

/**
 * One contiguous piece of guest-physical memory (RAM or ROM) and the host mapping behind it.
 * ROM is read-only to the guest; loaders still fill it through {@link GuestMemory#load}.
 */
public record GuestRegion(long base, long size, boolean readOnly, MemorySegment host, String owner) {
    public GuestRegion {
        if (host.byteSize() != size) {
            throw new IllegalArgumentException("host mapping of " + host.byteSize() + " bytes for a region of " + size);
        }
    }

    public long end() {
        return base + size;
    }

    public boolean contains(long gpa) {
        return Long.compareUnsigned(gpa - base, size) < 0;
    }

    @Override
    public String toString() {
        return (readOnly ? "rom " : "ram ") + Hex.of(base) + "+" + Hex.size(size) + " (" + owner + ")";
    }
}
