package io.jqvm.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ConfigSpaceTest {
    private static final byte[] BYTES = {0x11, 0x22, 0x33, 0x44, (byte) 0x88};

    @Test
    void readsAnyWidthAtAnyOffsetLittleEndian() {
        assertEquals(0x11, ConfigSpace.read(BYTES, 0, 1));
        assertEquals(0x3322, ConfigSpace.read(BYTES, 1, 2));
        assertEquals(0x88443322L, ConfigSpace.read(BYTES, 1, 4), "a high byte stays unsigned");
    }

    @Test
    void bytesOutsideTheSpaceReadAsZero() {
        assertEquals(0x88, ConfigSpace.read(BYTES, 4, 4));
        assertEquals(0, ConfigSpace.read(BYTES, 5, 4));
        assertEquals(0x1100, ConfigSpace.read(BYTES, -1, 2));
    }
}
