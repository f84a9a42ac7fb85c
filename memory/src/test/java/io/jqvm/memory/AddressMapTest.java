package io.jqvm.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AddressMapTest {
    private static AddressMap.Claim claim(Space s, long base, long size, AddressMap.Kind kind, String owner, String origin) {
        return new AddressMap.Claim(s, base, size, kind, owner, origin);
    }

    @Test
    void conflictNamesBothClaimantsAndTheirLines() {
        AddressMap map = new AddressMap();
        map.claim(claim(Space.MEM, 0, 0x100000, AddressMap.Kind.RAM, "ram", "a.qvmconf:3:1"));
        AddressMap.AddressConflictException e = assertThrows(AddressMap.AddressConflictException.class,
                () -> map.claim(claim(Space.MEM, 0xff000, 0x1000, AddressMap.Kind.DEVICE, "pl011", "a.qvmconf:9:1")));
        assertTrue(e.getMessage().contains("pl011") && e.getMessage().contains("a.qvmconf:9:1")
                && e.getMessage().contains("ram") && e.getMessage().contains("a.qvmconf:3:1"), e.getMessage());
    }

    @Test
    void spacesAreSeparateAndReservationsOnlyStopAutomaticPlacement() {
        AddressMap map = new AddressMap();
        map.claim(claim(Space.MEM, 0x3f8, 8, AddressMap.Kind.RAM, "ram", "x"));
        map.claim(claim(Space.IO, 0x3f8, 8, AddressMap.Kind.DEVICE, "ser8250", "y"));
        map.claim(claim(Space.MEM, 0xa0000, 0x20000, AddressMap.Kind.RESERVED, "reserve", "z"));
        map.claim(claim(Space.MEM, 0xb8000, 0x1000, AddressMap.Kind.DEVICE, "explicit", "w"));
        assertEquals(0xc0000, map.findFree(Space.MEM, 0xa0000, 0x1000, 0x1000));
        assertEquals(4, map.claims().size());
        assertEquals(Space.MEM, map.claims().getFirst().space());
    }

    @Test
    void endOfMemoryFollowsTheHighestRamOrRom() {
        AddressMap map = new AddressMap();
        map.claim(claim(Space.MEM, 0x40000000, 0x1000, AddressMap.Kind.RAM, "ram", "x"));
        map.claim(claim(Space.MEM, 0x80000000L, 0x1000, AddressMap.Kind.DEVICE, "dev", "x"));
        assertEquals(0x40001000, map.endOfMemory());
    }
}
