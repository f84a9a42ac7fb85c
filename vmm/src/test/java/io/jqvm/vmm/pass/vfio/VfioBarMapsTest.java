package io.jqvm.vmm.pass.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which parts of a BAR are mapped: all of it but the whole pages any emulated range touches. */
class VfioBarMapsTest {
    private final MemorySegment bar = Arena.ofAuto().allocate(0x10000, 4096);

    private List<String> pieces(List<long[]> trapped) {
        return VfioBarMaps.split(bar, trapped).stream()
                .map(p -> Long.toHexString(p.offset()) + "+" + Long.toHexString(p.host().byteSize())).toList();
    }

    @Test
    void trappedRangesTakeTheirWholePagesOutOfTheMapping() {
        assertEquals(List.of("0+10000"), pieces(List.of()));
        assertEquals(List.of("1000+f000"), pieces(List.of(new long[] {0, 0x40}, new long[] {0x800, 8})),
                "table and pending bits in the first page");
        assertEquals(List.of("0+2000", "5000+9000", "f000+1000"), pieces(List.of(new long[] {0xe008, 8},
                new long[] {0x2ff0, 0x1020})), "a table across page boundaries takes every page it touches (0x2000-0x4fff); unsorted input");
        assertEquals(List.of("0+f000"), pieces(List.of(new long[] {0xfff8, 8})), "the last page");
    }
}
