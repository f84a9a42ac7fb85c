package io.jqvm.devices.arm;

import static io.jqvm.devices.arm.Sp805.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.device.IrqLine;
import io.jqvm.device.VmControl;
import io.jqvm.devices.watchdog.WatchdogAction;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Sp805Test {
    private final CapturedLog log = CapturedLog.start();

    @AfterEach
    void restoreLog() {
        log.close();
    }

    private static final long HZ = 1000; // one tick per millisecond keeps the arithmetic readable
    private static final long MS = 1_000_000L;
    private final RecordingLine irq = new RecordingLine();
    private final RecordingLine fiq = new RecordingLine();
    private final ManualClock clock = new ManualClock();
    private String stopped;
    private String dumped;
    private final VmControl vm = new VmControl() {
        @Override
        public void dumpGuest(String reason) {
            assertNull(stopped, "the dump comes before the VM stops");
            dumped = reason;
        }

        @Override
        public void shutdown(ExitStatus status, String reason) {
            stopped = status + ": " + reason;
        }

        @Override
        public void reset(String reason) {
            stopped = "reset: " + reason;
        }
    };

    private Sp805 watchdog(WatchdogAction action) {
        return new Sp805(irq, vm, clock, HZ, action, action.kind() == WatchdogAction.Kind.FIQ ? fiq : IrqLine.NONE);
    }

    private final Sp805 wdt = watchdog(WatchdogAction.TERMINATE);

    @Test
    void primeCellIdsAndResetValues() {
        int[] expected = {0x05, 0x18, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], wdt.read(0, 0xFE0 + 4L * i, 4));
        }
        long amba = 0;
        for (int i = 0; i < 4; i++) {
            amba |= wdt.read(0, 0xFE0 + 4L * i, 4) << (8 * i);
        }
        assertEquals(0x0014_1805, amba & 0x00FF_FFFF, "sp805-wdt matches id 0x00141805 under mask 0x00ffffff");
        assertEquals(0xFFFF_FFFFL, wdt.read(0, LOAD, 4));
        assertEquals(0xFFFF_FFFFL, wdt.read(0, VALUE, 4));
        assertEquals(0, wdt.read(0, CONTROL, 4));
        assertEquals(0, wdt.read(0, LOCK, 4));
    }

    @Test
    void countsDownOnlyWhileEnabled() {
        wdt.write(0, LOAD, 4, 1000);
        clock.advance(100 * MS);
        assertEquals(1000, wdt.read(0, VALUE, 4), "stopped while INTEN is clear");
        wdt.write(0, CONTROL, 4, INTEN);
        clock.advance(250 * MS);
        assertEquals(750, wdt.read(0, VALUE, 4));
        wdt.write(0, CONTROL, 4, 0);
        clock.advance(250 * MS);
        assertEquals(750, wdt.read(0, VALUE, 4), "frozen when disabled");
    }

    @Test
    void firstExpiryInterruptsSecondTerminates() {
        wdt.write(0, LOAD, 4, 100);
        wdt.write(0, CONTROL, 4, INTEN | RESEN);
        clock.advance(99 * MS);
        assertFalse(irq.level());
        clock.advance(MS);
        assertTrue(irq.level());
        assertEquals(1, wdt.read(0, RIS, 4));
        assertEquals(1, wdt.read(0, MIS, 4));
        assertEquals(100, wdt.read(0, VALUE, 4), "reloaded");
        assertNull(stopped);
        clock.advance(100 * MS);
        assertEquals("WATCHDOG: watchdog sp805 expired: its counter reached zero twice without a kick", stopped);
    }

    @Test
    void kickingKeepsTheGuestAlive() {
        wdt.write(0, LOAD, 4, 100);
        wdt.write(0, CONTROL, 4, INTEN | RESEN);
        for (int i = 0; i < 10; i++) {
            clock.advance(150 * MS);
            assertTrue(irq.level());
            wdt.write(0, INTCLR, 4, 0);
            assertFalse(irq.level());
        }
        assertNull(stopped);
    }

    @Test
    void withoutResetEnableOnlyInterrupts() {
        wdt.write(0, LOAD, 4, 10);
        wdt.write(0, CONTROL, 4, INTEN);
        clock.advance(1000 * MS);
        assertTrue(irq.level());
        assertNull(stopped);
    }

    @Test
    void lockIgnoresWritesUntilUnlocked() {
        wdt.write(0, LOCK, 4, 0);
        assertEquals(1, wdt.read(0, LOCK, 4));
        wdt.write(0, LOAD, 4, 5);
        assertEquals(0xFFFF_FFFFL, wdt.read(0, LOAD, 4));
        wdt.write(0, LOCK, 4, UNLOCK_KEY);
        assertEquals(0, wdt.read(0, LOCK, 4));
        wdt.write(0, LOAD, 4, 5);
        assertEquals(5, wdt.read(0, LOAD, 4));
    }

    @Test
    void dumpActionDumpsThenTerminates() {
        Sp805 dump = watchdog(new WatchdogAction(true, WatchdogAction.Kind.TERMINATE));
        dump.write(0, LOAD, 4, 1);
        dump.write(0, CONTROL, 4, INTEN | RESEN);
        clock.advance(10 * MS);
        assertEquals("watchdog sp805 expired: its counter reached zero twice without a kick", dumped);
        assertEquals("WATCHDOG: watchdog sp805 expired: its counter reached zero twice without a kick", stopped);
    }

    @Test
    void resetActionRestartsTheMachine() {
        Sp805 restart = watchdog(new WatchdogAction(false, WatchdogAction.Kind.RESET));
        restart.write(0, LOAD, 4, 1);
        restart.write(0, CONTROL, 4, INTEN | RESEN);
        clock.advance(10 * MS);
        assertNull(dumped);
        assertEquals("reset: watchdog sp805 expired: its counter reached zero twice without a kick", stopped);
    }

    @Test
    void fiqActionAssertsFiqAndKeepsRunning() {
        Sp805 f = watchdog(new WatchdogAction(false, WatchdogAction.Kind.FIQ));
        f.write(0, LOAD, 4, 10);
        f.write(0, CONTROL, 4, INTEN | RESEN);
        clock.advance(20 * MS);
        assertTrue(fiq.level());
        assertNull(stopped);
        f.write(0, INTCLR, 4, 1);
        assertFalse(fiq.level());
    }

    @Test
    void constructorRejectsAnImpossibleFrequency() {
        assertThrows(IllegalArgumentException.class, () -> new Sp805(irq, vm, clock, 0, WatchdogAction.TERMINATE, IrqLine.NONE));
    }

    @Test
    void frequencyScalesTheCount() {
        Sp805 fast = new Sp805(irq, vm, clock, Sp805.DEFAULT_FREQUENCY, WatchdogAction.TERMINATE, IrqLine.NONE);
        fast.write(0, LOAD, 4, 25_000_000);
        fast.write(0, CONTROL, 4, INTEN);
        clock.advance(500 * MS);
        assertEquals(12_500_000, fast.read(0, VALUE, 4));
    }

    @Test
    void randomAccessesNeverThrow() {
        Random random = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            int size = 1 << random.nextInt(4);
            long offset = random.nextLong(Sp805.SIZE - size + 1);
            if (random.nextBoolean()) {
                wdt.read(0, offset, size);
            } else {
                wdt.write(0, offset, size, random.nextLong());
            }
            clock.advance(random.nextInt(1000) * MS);
        }
        int logged = log.lines().size();
        assertTrue(logged > 0 && logged < 100, "bad accesses logged, rate-limited: " + logged + " lines");
    }

    @Test
    void stateShowsTheCounter() {
        assertEquals(new Sp805.State(0xFFFF_FFFFL, 0xFFFF_FFFFL, false, false, false, false, false), wdt.state());
        wdt.write(0, LOAD, 4, 1000);
        wdt.write(0, CONTROL, 4, INTEN | RESEN);
        clock.advance(250 * MS);
        assertEquals(new Sp805.State(1000, 750, true, true, false, false, false), wdt.state());
        wdt.write(0, LOCK, 4, 0);
        assertEquals(true, wdt.state().locked());
    }
}
