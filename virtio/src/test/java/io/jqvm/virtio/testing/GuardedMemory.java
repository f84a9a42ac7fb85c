package io.jqvm.virtio.testing;

import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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

    /** Fills RAM with {@code bytes}, repeated: random contents for fuzzing. */
    public void fillRam(byte[] bytes) {
        if (bytes.length == 0) {
            return;
        }
        MemorySegment ram = whole.asSlice(GUARD, size);
        for (long at = 0; at < size; at += bytes.length) {
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, ram, at, Math.min(bytes.length, size - at));
        }
    }

    /** True when no byte of either guard was changed. */
    public boolean guardsIntact() {
        long romEnd = whole.byteSize() - GUARD;
        for (long i = 0; i < GUARD; i++) {
            if (whole.get(ValueLayout.JAVA_BYTE, i) != PATTERN || whole.get(ValueLayout.JAVA_BYTE, romEnd + i) != PATTERN) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        arena.close();
    }
}
