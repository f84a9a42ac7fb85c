package io.jqvm.virtio.testing;

import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Guest RAM for device tests, placed in the middle of a larger host segment whose guard bytes on both sides
 * hold a known pattern: if any device or queue code wrote outside the guest's memory, {@link #guardsIntact}
 * turns false. (Reads outside cannot be seen this way; they are refused by {@link GuestMemory}'s checks, which
 * the same tests exercise.) Optionally a read-only region (ROM) right after RAM, to check device writes to ROM.
 */
public final class GuardedMemory implements AutoCloseable {
    public static final long GUARD = 4096;
    private static final byte PATTERN = (byte) 0xa5;
    private static final MemorySegment GUARD_PATTERN = Arena.global().allocate(GUARD).fill(PATTERN);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment whole;
    private final GuestMemory memory;
    private final long base;
    private final long size;

    /** {@code size} bytes of RAM at guest-physical {@code base}, then {@code romSize} bytes of ROM (0 for none). */
    public GuardedMemory(long base, long size, long romSize) {
        this.base = base;
        this.size = size;
        this.whole = arena.allocate(GUARD + size + romSize + GUARD, 4096);
        whole.fill(PATTERN);
        whole.asSlice(GUARD, size + romSize).fill((byte) 0);
        GuestRegion ram = new GuestRegion(base, size, false, whole.asSlice(GUARD, size), "test ram");
        this.memory = romSize == 0 ? GuestMemory.wrap(List.of(ram))
                : GuestMemory.wrap(List.of(ram, new GuestRegion(base + size, romSize, true,
                        whole.asSlice(GUARD + size, romSize), "test rom")));
    }

    public GuardedMemory(long base, long size) {
        this(base, size, 0);
    }

    public GuestMemory memory() {
        return memory;
    }

    public long base() {
        return base;
    }

    public long size() {
        return size;
    }

    /** Copies {@code bytes} from {@code offset} into RAM at its start, as many as fit: fuzzed guest memory. */
    public void loadRam(byte[] bytes, int offset) {
        long n = Math.min(bytes.length - (long) offset, size);
        if (n > 0) {
            MemorySegment.copy(MemorySegment.ofArray(bytes), offset, whole, GUARD, n);
        }
    }

    /** True when no byte of either guard was changed. */
    public boolean guardsIntact() {
        long romEnd = whole.byteSize() - GUARD;
        return whole.asSlice(0, GUARD).mismatch(GUARD_PATTERN) < 0
                && whole.asSlice(romEnd, GUARD).mismatch(GUARD_PATTERN) < 0;
    }

    /** Zeroes RAM, for the next fuzz input. */
    public void clearRam() {
        whole.asSlice(GUARD, size).fill((byte) 0);
    }

    @Override
    public void close() {
        arena.close();
    }
}
