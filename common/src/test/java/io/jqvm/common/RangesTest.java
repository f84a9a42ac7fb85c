package io.jqvm.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RangesTest {
    @Test
    void lastAddressAndWrapping() {
        assertEquals(0xfff, Ranges.last(0, 0x1000));
        assertEquals(-1L, Ranges.last(-4096L, 4096));
        assertThrows(IllegalArgumentException.class, () -> Ranges.last(-4096L, 4097));
        assertThrows(IllegalArgumentException.class, () -> Ranges.last(0, 0));
    }

    @Test
    void containsIsUnsignedAndOverflowSafe() {
        assertTrue(Ranges.contains(0x1000, 0x1000, 0x1ff8, 8));
        assertFalse(Ranges.contains(0x1000, 0x1000, 0x1ff9, 8));
        assertFalse(Ranges.contains(0x1000, 0x1000, 0xfff, 1));
        assertFalse(Ranges.contains(0x1000, 0x1000, 0x1800, Long.MAX_VALUE));
        assertTrue(Ranges.contains(0xffff_ffff_ffff_f000L, 0x1000, 0xffff_ffff_ffff_fff8L, 8));
    }

    @Test
    void overlap() {
        assertTrue(Ranges.overlap(0, 0x1000, 0xfff, 1));
        assertFalse(Ranges.overlap(0, 0x1000, 0x1000, 1));
        assertTrue(Ranges.overlap(0x8000_0000_0000_0000L, 16, 0x8000_0000_0000_000fL, 1));
    }

    @Test
    void hexFormatting() {
        assertEquals("0x00001000", Hex.of(0x1000, 8));
        assertEquals("128M", Hex.size(128L << 20));
        assertEquals("4K", Hex.size(4096));
        assertEquals("1000", Hex.size(1000));
    }
}
