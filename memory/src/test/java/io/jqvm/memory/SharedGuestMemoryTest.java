package io.jqvm.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.host.Libc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Shareable guest RAM: what a back end maps through the region's memfd is the guest's memory itself. */
class SharedGuestMemoryTest {
    @Test
    void aSecondMappingOfTheMemfdSeesAndChangesGuestRam() {
        try (GuestMemory m = GuestMemory.allocate(List.of(
                new GuestMemory.RegionSpec(0x4000_0000L, 0x20_0000, false, "ram")), true)) {
            List<GuestMemory.SharedRegion> shared = m.sharedRegions();
            assertEquals(1, shared.size());
            assertEquals(0x4000_0000L, shared.getFirst().region().base());
            MemorySegment backEnd = Libc.mmap(0x20_0000, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED,
                    shared.getFirst().fd(), 0);
            try {
                m.write64(0x4000_1000L, 0x1122_3344_5566_7788L);
                assertEquals(0x1122_3344_5566_7788L, backEnd.get(ValueLayout.JAVA_LONG_UNALIGNED, 0x1000));
                backEnd.set(ValueLayout.JAVA_INT_UNALIGNED, 0x1f_fffc, 0xcafe);
                assertEquals(0xcafe, m.read32(0x4000_0000L + 0x1f_fffc));
            } finally {
                Libc.munmap(backEnd);
            }
        }
    }

    @Test
    void privateMemoryHasNoSharedRegions() {
        try (GuestMemory m = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(0, 0x1000, false, "ram")))) {
            assertTrue(m.sharedRegions().isEmpty());
        }
    }
}
