package io.jqvm.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BusTest {
    private static final BusDevice DEVICE = new BusDevice() {
        @Override
        public long read(int vcpu, long offset, int size) {
            return offset;
        }

        @Override
        public void write(int vcpu, long offset, int size, long value) {
        }
    };

    @Test
    void findsTheWindowAndRefusesAccessesCrossingItsEnd() {
        Bus bus = new Bus();
        bus.register(0x1000, 0x100, DEVICE, "a");
        bus.register(0x2000, 0x10, DEVICE, "b");
        assertSame(DEVICE, bus.find(0x1000, 4).device());
        assertEquals("a", bus.find(0x10fc, 4).name());
        assertNull(bus.find(0x10fd, 4));
        assertNull(bus.find(0xfff, 1));
        assertNull(bus.find(0x1100, 1));
        assertEquals("b", bus.find(0x200f, 1).name());
    }

    @Test
    void overlappingWindowsAreRejected() {
        Bus bus = new Bus();
        bus.register(0x1000, 0x100, DEVICE, "a");
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x10ff, 1, DEVICE, "b"));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x800, 0x1000, DEVICE, "c"));
        bus.register(0x1100, 1, DEVICE, "d");
    }

    @Test
    void highAddressesCompareUnsigned() {
        Bus bus = new Bus();
        bus.register(0xffff_ffff_0000_0000L, 0x1000, DEVICE, "high");
        bus.register(0x1000, 0x1000, DEVICE, "low");
        assertEquals("high", bus.find(0xffff_ffff_0000_0ff8L, 8).name());
        assertEquals("low", bus.find(0x1ff8, 8).name());
    }
}
