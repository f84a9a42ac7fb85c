package io.jqvm.devices.arm;

import static io.jqvm.devices.arm.Pl061.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Pl061Test {
    private final CapturedLog log = CapturedLog.start();

    @AfterEach
    void restoreLog() {
        log.close();
    }

    private final RecordingLine irq = new RecordingLine();
    private final ManualClock clock = new ManualClock();
    private final Pl061 gpio = new Pl061(irq, clock);

    @Test
    void primeCellIdsMatchLinuxsDriver() {
        long amba = 0;
        for (int i = 0; i < 4; i++) {
            amba |= gpio.read(0, 0xFE0 + 4L * i, 4) << (8 * i);
        }
        assertEquals(0x0004_1061, amba & 0x000F_FFFF, "gpio-pl061 matches id 0x00041061 under mask 0x000fffff");
        assertEquals(0xB1, gpio.read(0, 0xFFC, 4));
    }

    @Test
    void dataAddressBitsMaskTheLines() {
        gpio.write(0, DIR, 4, 0x0F);
        gpio.write(0, 0x3FC, 4, 0xFF); // all lines: only the outputs take it
        assertEquals(0x0F, gpio.read(0, 0x3FC, 4));
        gpio.write(0, 0x04 << 2, 4, 0x00); // mask 0x04: only line 2
        assertEquals(0x0B, gpio.read(0, 0x3FC, 4));
        assertEquals(0x01, gpio.read(0, 0x01 << 2, 4));
        gpio.setInput(7, true);
        assertEquals(0x8B, gpio.read(0, 0x3FC, 4));
        gpio.setInput(0, false); // an output ignores the board
        assertEquals(0x01, gpio.read(0, 0x01 << 2, 4));
    }

    /** As Linux's gpio-keys sets it up: both edges, unmasked; the handler reads MIS and clears through IC. */
    @Test
    void powerKeyPressAndReleaseAsLinuxSeesThem() {
        gpio.write(0, IS, 4, 0);
        gpio.write(0, IBE, 4, 1 << 3);
        gpio.write(0, IE, 4, 1 << 3);
        assertFalse(irq.level());
        gpio.pressKey(3);
        assertTrue(irq.level());
        assertEquals(1 << 3, gpio.read(0, MIS, 4));
        assertEquals(1 << 3, gpio.read(0, (1 << 3) << 2, 4), "the key reads pressed");
        gpio.write(0, IC, 4, 1 << 3);
        assertFalse(irq.level());
        clock.advance(KEY_PRESS_NANOS);
        assertTrue(irq.level(), "the release is an edge too");
        assertEquals(0, gpio.read(0, 0x3FC, 4));
        gpio.write(0, IC, 4, 1 << 3);
        assertFalse(irq.level());
        assertEquals(2, irq.risingEdges());
    }

    @Test
    void singleEdgeAndLevelSense() {
        gpio.write(0, IEV, 4, 1 << 1); // line 1: rising edges only
        gpio.write(0, IE, 4, 0xFF);
        gpio.setInput(1, true);
        assertEquals(1 << 1, gpio.read(0, RIS, 4));
        gpio.write(0, IC, 4, 0xFF);
        gpio.setInput(1, false);
        assertEquals(0, gpio.read(0, RIS, 4), "a falling edge does not count");
        gpio.write(0, IS, 4, 1 << 4); // line 4: level, low (IEV bit clear)
        assertEquals(1 << 4, gpio.read(0, RIS, 4));
        gpio.write(0, IC, 4, 1 << 4);
        assertEquals(1 << 4, gpio.read(0, RIS, 4), "a level interrupt stays while the level does");
        gpio.setInput(4, true);
        assertEquals(0, gpio.read(0, RIS, 4));
        assertFalse(irq.level());
    }

    @Test
    void masksGateTheLineNotTheRawStatus() {
        gpio.write(0, IBE, 4, 0xFF);
        gpio.setInput(5, true);
        assertEquals(1 << 5, gpio.read(0, RIS, 4));
        assertEquals(0, gpio.read(0, MIS, 4));
        assertFalse(irq.level());
        gpio.write(0, IE, 4, 1 << 5);
        assertTrue(irq.level());
    }

    /** Whatever the guest writes wherever, reads stay 8-bit and the interrupt line follows MIS. */
    @Property(tries = 500)
    void anyAccessSequenceKeepsTheLineEqualToMis(@ForAll @IntRange(max = 0xFFF) int offset, @ForAll int value,
                                                 @ForAll @IntRange(max = 7) int line, @ForAll boolean high) {
        gpio.write(0, offset & ~3, 4, value);
        gpio.setInput(line, high);
        long mis = gpio.read(0, MIS, 4);
        assertTrue(mis >= 0 && mis <= 0xFF);
        assertEquals(mis != 0, irq.level());
        assertTrue(gpio.read(0, offset & ~3, 4) <= 0xFF);
    }
}
