package io.jqvm.virtio.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MacAddressTest {
    @Test
    void takesTheFortyEightBitsMostSignificantByteFirst() {
        MacAddress m = MacAddress.of(0x525400abcdefL);
        assertEquals("52:54:00:ab:cd:ef", m.toString());
        assertEquals(0x52, m.byteAt(0));
        assertEquals(0xef, m.byteAt(5));
        assertEquals(m, MacAddress.of(0x525400abcdefL));
    }

    @Test
    void refusesWhatIsNotAUnicastAddress() {
        assertEquals("01:00:5e:00:00:01 is a multicast address; a network card needs a unicast one",
                assertThrows(IllegalArgumentException.class, () -> MacAddress.of(0x01005e000001L)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> MacAddress.of(1L << 48));
    }

    @Test
    void derivedAddressesAreStableQemuStyleAndDifferPerSeed() {
        MacAddress a = MacAddress.derived("vm1/0x0a000000");
        assertEquals(a, MacAddress.derived("vm1/0x0a000000"));
        assertTrue(a.toString().startsWith("52:54:00:"));
        assertNotEquals(a, MacAddress.derived("vm1/0x0a000200"));
    }
}
