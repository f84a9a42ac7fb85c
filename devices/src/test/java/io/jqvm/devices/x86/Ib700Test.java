package io.jqvm.devices.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.devices.RecordingVmControl;
import io.jqvm.devices.arm.ManualClock;
import io.jqvm.devices.watchdog.WatchdogAction;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Ib700Test {
    private static final long SECOND = 1_000_000_000L;
    private final ManualClock clock = new ManualClock();
    private final RecordingVmControl vm = new RecordingVmControl();
    private final Ib700 wdt = new Ib700(vm, clock, WatchdogAction.TERMINATE);

    @Test
    void timeoutTableIsThirtySecondsDownToZeroInStepsOfTwo() {
        assertEquals(30, Ib700.timeoutSeconds(0));
        assertEquals(16, Ib700.timeoutSeconds(7));
        assertEquals(0, Ib700.timeoutSeconds(15));
        assertEquals(30, Ib700.timeoutSeconds(0x10), "only the low four bits count");
    }

    @Test
    void startedWatchdogTerminatesWhenNotKicked() {
        wdt.write(0, Ib700.START, 1, 14); // 2 s
        assertTrue(wdt.running());
        clock.advance(SECOND);
        assertEquals(List.of(), vm.requests());
        clock.advance(SECOND);
        assertEquals(List.of("shutdown WATCHDOG: watchdog ib700 expired: not kicked within 2 s"), vm.requests());
        assertFalse(wdt.running());
    }

    @Test
    void kickingRestartsTheCountAndStopEndsIt() {
        wdt.write(0, Ib700.START, 1, 14);
        for (int i = 0; i < 10; i++) {
            clock.advance(SECOND + SECOND / 2);
            wdt.write(0, Ib700.START, 1, 14);
        }
        assertEquals(List.of(), vm.requests());
        wdt.write(0, Ib700.STOP, 1, 0);
        clock.advance(60 * SECOND);
        assertEquals(List.of(), vm.requests());
        assertEquals(0, clock.scheduledCount());
    }

    @Test
    void dumpThenResetAction() {
        Ib700 restart = new Ib700(vm, clock, WatchdogAction.of(List.of("dump", "reset")));
        restart.write(0, Ib700.START, 1, 15); // 0 s: fires at the next clock tick
        clock.advance(1);
        assertEquals(List.of("dump: watchdog ib700 expired: not kicked within 0 s",
                "reset: watchdog ib700 expired: not kicked within 0 s"), vm.requests());
    }

    @Test
    void fiqIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Ib700(vm, clock, WatchdogAction.of(List.of("fiq"))));
    }

    @Test
    void portsAreWriteOnly() {
        assertEquals(0xff, wdt.read(0, Ib700.STOP, 1));
        assertEquals(0xffff, wdt.read(0, Ib700.START, 2));
    }

    /** Whatever a guest writes where, the device never throws and fires at most once per start. */
    @Test
    void anyWritesNeverFailAndFireAtMostOncePerStart() {
        Random random = new Random(700);
        for (int i = 0; i < 500; i++) {
            int offset = random.nextInt(4);
            int value = random.nextInt();
            int seconds = random.nextInt(40);
            ManualClock c = new ManualClock();
            RecordingVmControl control = new RecordingVmControl();
            Ib700 w = new Ib700(control, c, WatchdogAction.TERMINATE);
            w.write(0, offset, 1 << random.nextInt(3), value);
            c.advance(seconds * SECOND);
            boolean due = offset == Ib700.START && Ib700.timeoutSeconds(value) <= seconds;
            assertEquals(due ? 1 : 0, control.requests().size(), "write " + value + " at " + offset + ", " + seconds + " s");
        }
    }
}
