package io.jqvm.common;

/** Overflow-safe arithmetic on unsigned [base, base+size) ranges of a 64-bit address space. */
public final class Ranges {
    private Ranges() {
    }

    /** Inclusive last address of a non-empty range, or throws if the range wraps past 2^64. */
    public static long last(long base, long size) {
        if (size == 0) {
            throw new IllegalArgumentException("empty range at " + Hex.of(base));
        }
        long last = base + (size - 1);
        if (Long.compareUnsigned(last, base) < 0) {
            throw new IllegalArgumentException("range " + Hex.of(base) + "+" + Hex.of(size) + " wraps the address space");
        }
        return last;
    }

    /** True when [base, base+size) fits entirely within [outerBase, outerBase+outerSize). Sizes are non-zero. */
    public static boolean contains(long outerBase, long outerSize, long base, long size) {
        if (Long.compareUnsigned(base, outerBase) < 0) {
            return false;
        }
        long offset = base - outerBase;
        return Long.compareUnsigned(offset, outerSize) < 0 && Long.compareUnsigned(size, outerSize - offset) <= 0;
    }

    /** True when the two non-empty ranges share at least one address. */
    public static boolean overlap(long aBase, long aSize, long bBase, long bSize) {
        return Long.compareUnsigned(aBase, last(bBase, bSize)) <= 0 && Long.compareUnsigned(bBase, last(aBase, aSize)) <= 0;
    }
}
