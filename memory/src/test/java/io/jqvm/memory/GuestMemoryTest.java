package io.jqvm.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {
    private static GuestMemory board() {
        return GuestMemory.allocate(List.of(
                new GuestMemory.RegionSpec(0x0, 0xa0000, false, "low ram"),
                new GuestMemory.RegionSpec(0xc0000, 0x40000, true, "bios rom"),
                new GuestMemory.RegionSpec(0x100000, 0x100000, false, "ram")));
    }

    @Test
    void memoryIsZeroFilledAndLittleEndian() {
        try (GuestMemory m = board()) {
            assertEquals(0, m.read64(0x100000));
            m.write32(0x100000, 0x11223344);
            assertEquals(0x44, m.read8(0x100000));
            assertEquals(0x3344, m.read16(0x100000));
            assertEquals(0x11223344L, m.read64(0x100000));
        }
    }

    @Test
    void romIsReadOnlyToTheGuestButLoadable() {
        try (GuestMemory m = board()) {
            GuestMemoryException e = assertThrows(GuestMemoryException.class, () -> m.write8(0xf0000, 1));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            m.load(0xf0000, new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, m.read(0xf0000, 3));
            assertThrows(GuestMemoryException.class, () -> m.sliceForWrite(0xf0000, 1));
        }
    }

    @Test
    void writeListenersHearEveryWriteAfterItLandsButNotRefusedOnes() {
        try (GuestMemory m = board()) {
            List<String> heard = new java.util.ArrayList<>();
            m.addWriteListener((gpa, length) -> heard.add(Long.toHexString(gpa) + "+" + length + "=" + m.read8(gpa)));
            m.write8(0x1000, 7);
            m.write16(0x1002, 8);
            m.write32(0x1004, 9);
            m.write64(0x1008, 10);
            m.write(0x1010, new byte[] {11, 12, 13});
            m.copyIn(0x1020, java.lang.foreign.MemorySegment.ofArray(new byte[] {0, 14}), 1, 1);
            assertThrows(GuestMemoryException.class, () -> m.write8(0xf0000, 1));
            assertEquals(List.of("1000+1=7", "1002+2=8", "1004+4=9", "1008+8=10", "1010+3=11", "1020+1=14"), heard);
        }
    }

    @Test
    void accessesOutsideOrAcrossRegionsAreRefused() {
        try (GuestMemory m = board()) {
            assertThrows(GuestMemoryException.class, () -> m.read8(0xa0000));
            assertThrows(GuestMemoryException.class, () -> m.read64(0x9fffc));
            assertThrows(GuestMemoryException.class, () -> m.sliceForRead(0x100000, 0x100001));
            assertThrows(GuestMemoryException.class, () -> m.sliceForRead(0x100000, -1));
            assertThrows(GuestMemoryException.class, () -> m.read8(-1L));
            assertNull(m.regionAt(0xbffff));
            assertFalse(m.isBacked(0xfffff, 2));
            assertTrue(m.isBacked(0x1ffff8, 8));
        }
    }

    @Test
    void overlappingOrUnalignedRegionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(List.of(
                new GuestMemory.RegionSpec(0, 0x2000, false, "a"), new GuestMemory.RegionSpec(0x1000, 0x1000, false, "b"))));
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(List.of(
                new GuestMemory.RegionSpec(0x800, 0x1000, false, "a"))));
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(List.of(
                new GuestMemory.RegionSpec(0, 0x1800, false, "a"))));
    }

    /** Whatever address and length a guest supplies, a slice is either wholly inside one region or refused. */
    /** One board for all property tries: mapping per try would dominate the run time. */
    private static final GuestMemory SHARED = board();

    @Property(tries = 2000)
    void slicesNeverLeaveTheirRegion(@ForAll long gpa, @ForAll long length) {
        MemorySegmentCheck.assertInsideOrRefused(SHARED, gpa, length);
    }

    @Property(tries = 2000)
    void slicesNearRegionEdgesNeverLeaveTheirRegion(@ForAll("edges") long gpa, @ForAll("lengths") long length) {
        MemorySegmentCheck.assertInsideOrRefused(SHARED, gpa, length);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Long> edges() {
        return net.jqwik.api.Arbitraries.of(0L, 0x9ffffL, 0xa0000L, 0xbffffL, 0xc0000L, 0xfffffL, 0x100000L, 0x1fffffL,
                0x200000L, -1L, Long.MAX_VALUE).flatMap(base -> net.jqwik.api.Arbitraries.longs().between(-16, 16).map(d -> base + d));
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Long> lengths() {
        return net.jqwik.api.Arbitraries.longs().between(-2, 0x200000);
    }

    /** Checks a slice against the region table by unsigned arithmetic independent of the implementation. */
    static final class MemorySegmentCheck {
        static void assertInsideOrRefused(GuestMemory m, long gpa, long length) {
            GuestRegion r = m.regionAt(gpa);
            boolean fits = r != null && length >= 0 && Long.compareUnsigned(gpa - r.base(), r.size()) < 0
                    && Long.compareUnsigned(length, r.size() - (gpa - r.base())) <= 0;
            if (fits) {
                var s = m.sliceForRead(gpa, length);
                assertEquals(length, s.byteSize());
                assertEquals(r.host().address() + (gpa - r.base()), s.address());
            } else {
                assertThrows(GuestMemoryException.class, () -> m.sliceForRead(gpa, length));
            }
        }
    }
}
