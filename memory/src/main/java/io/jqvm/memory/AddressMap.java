package io.jqvm.memory;

import io.jqvm.common.Hex;
import io.jqvm.common.Ranges;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every claim on guest-physical memory or I/O space — RAM, ROM, vdev locations, pass-through regions,
 * reservations — in one map that refuses two claimants answering the same address. The map is what
 * dryrun prints and what the accelerator and bus are built from.
 */
public final class AddressMap {
    /** What kind of thing owns a range. {@code RESERVED} ranges only stop automatic placement. */
    public enum Kind {
        RAM, ROM, DEVICE, PASS, RESERVED
    }

    /** One claim: a range in a space, its kind, its owner (e.g. {@code ser8250 com1}) and where it was configured. */
    public record Claim(Space space, long base, long size, Kind kind, String owner, String origin) {
        public Claim {
            Ranges.last(base, size);
        }

        public long end() {
            return base + size;
        }

        public String describe() {
            return owner + " at " + space.label() + ":"
                    + Hex.of(base) + "-" + Hex.of(base + size - 1) + " (" + origin + ")";
        }
    }

    private final List<Claim> claims = new ArrayList<>();

    /**
     * Adds a claim. A reservation may lie under an explicit claim (qvm: reserve only stops the automatic
     * allocator); anything else overlapping an existing claim is refused, naming both.
     */
    public void claim(Claim c) {
        for (Claim other : claims) {
            if (other.space == c.space && Ranges.overlap(other.base, other.size, c.base, c.size)
                    && other.kind != Kind.RESERVED && c.kind != Kind.RESERVED) {
                throw new AddressConflictException(c, other);
            }
        }
        claims.add(c);
    }

    /** All claims sorted by space then address. */
    public List<Claim> claims() {
        List<Claim> sorted = new ArrayList<>(claims);
        sorted.sort(Comparator.comparing(Claim::space).thenComparing(Claim::base, Long::compareUnsigned));
        return sorted;
    }

    /** The end of the highest RAM or ROM claim, where {@code ram len} without a start is placed. */
    public long endOfMemory() {
        long end = 0;
        for (Claim c : claims) {
            if ((c.kind == Kind.RAM || c.kind == Kind.ROM) && Long.compareUnsigned(c.end(), end) > 0) {
                end = c.end();
            }
        }
        return end;
    }

    /**
     * The lowest address at or above {@code from}, aligned to {@code align}, where {@code size} bytes
     * overlap no claim (reservations included). Used for automatic placement of devices.
     */
    public long findFree(Space space, long from, long size, long align) {
        long candidate = alignUp(from, align);
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Claim c : claims) {
                if (c.space == space && Ranges.overlap(c.base, c.size, candidate, size)) {
                    candidate = alignUp(c.end(), align);
                    moved = true;
                }
            }
        }
        return candidate;
    }

    private static long alignUp(long v, long align) {
        return (v + align - 1) & -align;
    }

    /** Two claimants answer the same address. */
    public static final class AddressConflictException extends RuntimeException {
        private final Claim claim;
        private final Claim existing;

        AddressConflictException(Claim claim, Claim existing) {
            super(claim.describe() + " overlaps " + existing.describe());
            this.claim = claim;
            this.existing = existing;
        }

        public Claim claim() {
            return claim;
        }

        public Claim existing() {
            return existing;
        }
    }
}
