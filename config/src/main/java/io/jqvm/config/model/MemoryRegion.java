package io.jqvm.config.model;

import io.jqvm.common.Hex;
import io.jqvm.config.Origin;

/**
 * A {@code ram} or {@code rom} entry with its base resolved: when the configuration gave no start, the
 * region follows the highest RAM/ROM declared before it (or starts at 0).
 *
 * @param baseGiven whether the configuration wrote the start address
 */
public record MemoryRegion(Kind kind, long base, long size, boolean baseGiven, Origin origin) {
    public enum Kind {
        RAM, ROM
    }

    /** One past the last byte; never wraps (checked when the region is parsed). */
    public long end() {
        return base + size;
    }

    /** Whether {@code address} lies inside the region (unsigned comparison). */
    public boolean contains(long address) {
        return Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address - base, size) < 0;
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + Hex.of(base) + "," + Hex.size(size);
    }
}
