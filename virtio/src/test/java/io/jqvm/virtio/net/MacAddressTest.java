package io.jqvm.virtio.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class MacAddressTest {
    @Test
    void parsesColonsAndDashes() {
        assertEquals("52:54:00:ab:cd:ef", MacAddress.parse("52:54:00:AB:CD:EF").toString());
        assertEquals(MacAddress.parse("02-00-00-00-00-01"), MacAddress.parse("02:00:00:00:00:01"));
    }

    @Test
    void refusesWhatIsNotAUnicastAddress() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("52:54:00:12:34"))
                .getMessage().contains("want six hex bytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("52:54:00:12:34:5g"))
                .getMessage().contains("byte 6 '5g'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("01:00:5e:00:00:01"))
                .getMessage().contains("multicast"));
    }

    @Test
    void derivedAddressesAreStableQemuStyleAndDifferPerSeed() {
        MacAddress a = MacAddress.derived("vm1/0x0a000000");
        assertEquals(a, MacAddress.derived("vm1/0x0a000000"));
        assertTrue(a.toString().startsWith("52:54:00:"));
        assertNotEquals(a, MacAddress.derived("vm1/0x0a000200"));
    }

    @Property
    void anythingParsedPrintsBackTheSame(@ForAll String text) {
        try {
            MacAddress m = MacAddress.parse(text);
            assertEquals(text.toLowerCase().replace('-', ':'), m.toString());
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith("'"), e.getMessage());
        }
    }
}
