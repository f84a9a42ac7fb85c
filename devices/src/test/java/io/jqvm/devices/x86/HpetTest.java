package io.jqvm.devices.x86;

import io.jqvm.device.DeviceClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.IrqLine;
import io.jqvm.devices.RecordingIrq;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HpetTest {
    private static final long PERIOD_FS = 69_841_279;
    private static final long ROUTE_CAPABILITY = 1L << 11 | 1L << 20 | 1L << 21;

    /** The clock the test moves by hand ({@code now}), running each task when it reaches it. */
    private final class ManualScheduler implements DeviceClock {
        private record Pending(long due, long order, Runnable task) {
        }

        private final PriorityQueue<Pending> pending =
                new PriorityQueue<>(Comparator.comparingLong(Pending::due).thenComparingLong(Pending::order));
        private long scheduled;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public long epochNanos() {
            return now;
        }

        @Override
        public Timer schedule(long delayNanos, Runnable task) {
            assertTrue(delayNanos >= 0, "delay " + delayNanos);
            Pending p = new Pending(now + delayNanos, scheduled++, task);
            pending.add(p);
            return () -> pending.remove(p);
        }

        /** Moves the clock, running each task at its due time. */
        void advance(long nanos) {
            long end = now + nanos;
            while (!pending.isEmpty() && pending.peek().due <= end) {
                Pending next = pending.poll();
                now = Math.max(now, next.due);
                next.task.run();
            }
            now = end;
        }

        /** Runs the tasks already due, as a host timer thread that woke late would. */
        void runDue() {
            advance(0);
        }

        /** Delays of the tasks not run yet, from now. */
        List<Long> delays() {
            return pending.stream().map(p -> p.due - now).sorted().toList();
        }
    }

    private long now = 7_000_000_000L;
    private final ManualScheduler scheduler = new ManualScheduler();
    private final RecordingIrq irq11 = new RecordingIrq();
    private final RecordingIrq irq20 = new RecordingIrq();
    private final RecordingIrq irq21 = new RecordingIrq();
    private final RecordingIrq legacy0 = new RecordingIrq();
    private final RecordingIrq legacy8 = new RecordingIrq();
    private final Hpet hpet = new Hpet(Hpet.DEFAULT_TIMERS, Hpet.DEFAULT_FREQUENCY, 0x8086, routes(), legacy0, legacy8, scheduler);

    private IrqLine[] routes() {
        IrqLine[] routes = new IrqLine[24];
        routes[11] = irq11;
        routes[20] = irq20;
        routes[21] = irq21;
        return routes;
    }

    /** The first nanosecond at which the counter, enabled at tick 0, reads {@code ticks}. */
    private static long nanosAt(long ticks) {
        return Math.ceilDiv(ticks * PERIOD_FS, 1_000_000);
    }

    private static long timer(int n, int register) {
        return Hpet.TIMER_BASE + Hpet.TIMER_STRIDE * n + register;
    }

    private static long routeTo(int input) {
        return (long) input << Hpet.INT_ROUTE_SHIFT;
    }

    private long read64(long offset) {
        return hpet.read(0, offset, 8);
    }

    private void write64(long offset, long value) {
        hpet.write(0, offset, 8, value);
    }

    private static int pulses(RecordingIrq line) {
        List<Boolean> transitions = line.transitions();
        for (int i = 0; i < transitions.size(); i++) {
            assertEquals(i % 2 == 0, transitions.get(i), "edge interrupts are pulses: " + transitions);
        }
        return transitions.size() / 2;
    }

    private void enable() {
        write64(Hpet.CONFIGURATION, Hpet.ENABLE_CNF);
    }

    @Test
    void capabilitiesDescribeTheBlock() {
        long expected = PERIOD_FS << 32 | 0x8086L << 16 | 1 << 15 | 1 << 13 | 2 << 8 | 1;
        assertEquals(expected, read64(Hpet.CAPABILITIES));
        assertEquals(expected & 0xffff_ffffL, hpet.read(0, Hpet.CAPABILITIES, 4));
        assertEquals(PERIOD_FS, hpet.read(0, Hpet.CAPABILITIES + 4, 4), "COUNTER_CLK_PERIOD in the upper half");
        assertEquals(0x86, hpet.read(0, Hpet.CAPABILITIES + 2, 1));
        write64(Hpet.CAPABILITIES, 0);
        assertEquals(expected, read64(Hpet.CAPABILITIES), "read-only");
        Hpet slow = new Hpet(24, 10_000_000, 0x1234, new IrqLine[0], IrqLine.NONE, IrqLine.NONE, new ManualScheduler());
        assertEquals(100_000_000L << 32 | 0x1234L << 16 | 1 << 15 | 1 << 13 | 23 << 8 | 1, slow.read(0, 0, 8));
    }

    @Test
    void constructorRejectsWhatTheSpecificationForbids() {
        IrqLine[] none = new IrqLine[0];
        assertEquals("HPET frequency 9999999 Hz gives a period of 100000010 fs; the specification needs 1 to"
                        + " 100000000 fs (at least 10 MHz)",
                assertThrows(IllegalArgumentException.class, () -> new Hpet(3, 9_999_999, 0, none, IrqLine.NONE,
                        IrqLine.NONE, new ManualScheduler())).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Hpet(3, 0, 0, none, IrqLine.NONE, IrqLine.NONE, new ManualScheduler()));
        assertThrows(IllegalArgumentException.class,
                () -> new Hpet(3, 3_000_000_000_000_000L, 0, none, IrqLine.NONE, IrqLine.NONE, new ManualScheduler()));
        assertThrows(IllegalArgumentException.class,
                () -> new Hpet(2, 14_318_180, 0, none, IrqLine.NONE, IrqLine.NONE, new ManualScheduler()));
        assertThrows(IllegalArgumentException.class,
                () -> new Hpet(25, 14_318_180, 0, none, IrqLine.NONE, IrqLine.NONE, new ManualScheduler()));
        assertThrows(IllegalArgumentException.class,
                () -> new Hpet(3, 14_318_180, 0x10000, none, IrqLine.NONE, IrqLine.NONE, new ManualScheduler()));
        assertThrows(IllegalArgumentException.class, () -> new Hpet(3, 14_318_180, 0, new IrqLine[33],
                IrqLine.NONE, IrqLine.NONE, new ManualScheduler()));
        assertEquals(24, Hpet.MAX_TIMERS);
    }

    @Test
    void counterRunsAtTheFrequencyOnlyWhileEnabled() {
        now += 1_000_000_000L;
        assertEquals(0, read64(Hpet.MAIN_COUNTER), "halted at reset");
        enable();
        assertEquals(Hpet.ENABLE_CNF, read64(Hpet.CONFIGURATION));
        now += 1_000_000_000L;
        assertEquals(14_318_179, read64(Hpet.MAIN_COUNTER), "10^15 fs / 69841279 fs");
        now += 3_599_000_000_000L;
        assertEquals(51_545_447_785L, read64(Hpet.MAIN_COUNTER), "an hour, computed without overflow");
        write64(Hpet.CONFIGURATION, 0);
        now += 5_000_000_000L;
        assertEquals(51_545_447_785L, read64(Hpet.MAIN_COUNTER), "halted");
        enable();
        now += 1_000_000_000L;
        assertEquals(51_545_447_785L + 14_318_179, read64(Hpet.MAIN_COUNTER), "resumes where it halted");
    }

    @Test
    void counterIsWritableOnlyWhileHaltedAndIn32BitHalves() {
        hpet.write(0, Hpet.MAIN_COUNTER, 4, 0x89ab_cdefL);
        hpet.write(0, Hpet.MAIN_COUNTER + 4, 4, 0x0123_4567L);
        assertEquals(0x0123_4567_89ab_cdefL, read64(Hpet.MAIN_COUNTER));
        assertEquals(0x0123_4567L, hpet.read(0, Hpet.MAIN_COUNTER + 4, 4));
        hpet.write(0, Hpet.MAIN_COUNTER + 1, 1, 0x00);
        assertEquals(0x0123_4567_89ab_00efL, read64(Hpet.MAIN_COUNTER), "a byte write changes one byte");
        write64(Hpet.MAIN_COUNTER, -2);
        enable();
        now += nanosAt(3);
        assertEquals(1, read64(Hpet.MAIN_COUNTER), "64-bit counter wraps");
        write64(Hpet.MAIN_COUNTER, 1000);
        assertEquals(1, read64(Hpet.MAIN_COUNTER), "a write while running is ignored");
    }

    @Test
    void generalConfigurationHoldsOnlyItsTwoBits() {
        write64(Hpet.CONFIGURATION, -1);
        assertEquals(Hpet.ENABLE_CNF | Hpet.LEG_RT_CNF, read64(Hpet.CONFIGURATION));
        hpet.write(0, Hpet.CONFIGURATION, 1, 0);
        assertEquals(0, read64(Hpet.CONFIGURATION));
        assertEquals(0, read64(0x008), "reserved");
        assertEquals(0, read64(0x0f8), "reserved");
    }

    @Test
    void timerConfigurationShowsCapabilitiesAndKeepsWritableBits() {
        assertEquals(ROUTE_CAPABILITY << 32 | Hpet.PER_INT_CAP | Hpet.SIZE_CAP, read64(timer(0, Hpet.TIMER_CONFIG)));
        assertEquals(ROUTE_CAPABILITY << 32, read64(timer(1, Hpet.TIMER_CONFIG)), "32-bit, one-shot only");
        assertEquals(ROUTE_CAPABILITY, hpet.read(0, timer(2, Hpet.TIMER_CONFIG) + 4, 4), "INT_ROUTE_CAP");

        write64(timer(0, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | Hpet.INT_ENB_CNF | Hpet.TYPE_CNF | Hpet.MODE32_CNF
                | routeTo(20) | 1 | 1 << 7 | 1 << 14 | 1 << 15);
        assertEquals(ROUTE_CAPABILITY << 32 | Hpet.PER_INT_CAP | Hpet.SIZE_CAP | Hpet.INT_TYPE_CNF | Hpet.INT_ENB_CNF
                | Hpet.TYPE_CNF | Hpet.MODE32_CNF | routeTo(20), read64(timer(0, Hpet.TIMER_CONFIG)),
                "reserved, FSB and capability bits are not writable");
        write64(timer(1, Hpet.TIMER_CONFIG), Hpet.TYPE_CNF | Hpet.VAL_SET_CNF | Hpet.MODE32_CNF | Hpet.INT_ENB_CNF);
        assertEquals(ROUTE_CAPABILITY << 32 | Hpet.INT_ENB_CNF, read64(timer(1, Hpet.TIMER_CONFIG)),
                "a one-shot 32-bit timer has no periodic, VAL_SET or 32-bit mode bits");
        assertEquals(0, read64(timer(3, Hpet.TIMER_CONFIG)), "no timer 3");
    }

    @Test
    void routeOutsideTheCapabilityIsIgnored() {
        write64(timer(2, Hpet.TIMER_CONFIG), routeTo(21) | Hpet.INT_ENB_CNF);
        assertEquals(routeTo(21) | Hpet.INT_ENB_CNF, read64(timer(2, Hpet.TIMER_CONFIG)) & 0xffff);
        write64(timer(2, Hpet.TIMER_CONFIG), routeTo(5) | Hpet.INT_TYPE_CNF);
        assertEquals(routeTo(21) | Hpet.INT_TYPE_CNF, read64(timer(2, Hpet.TIMER_CONFIG)) & 0xffff,
                "input 5 is not wired: the route stays, the other bits apply");
        write64(timer(2, Hpet.TIMER_CONFIG), routeTo(31));
        assertEquals(routeTo(21), read64(timer(2, Hpet.TIMER_CONFIG)) & 0xffff);
        write64(timer(2, Hpet.TIMER_CONFIG), routeTo(11));
        assertEquals(routeTo(11), read64(timer(2, Hpet.TIMER_CONFIG)) & 0xffff);
        write64(timer(1, Hpet.TIMER_CONFIG), Hpet.INT_ENB_CNF);
        assertEquals(Hpet.INT_ENB_CNF, read64(timer(1, Hpet.TIMER_CONFIG)) & 0xffff,
                "the reset route 0 may be written back unchanged though input 0 is not wired");
    }

    @Test
    void oneShotFiresWhenTheCounterReachesTheComparator() {
        write64(timer(0, Hpet.TIMER_COMPARATOR), 1000);
        write64(timer(0, Hpet.TIMER_CONFIG), Hpet.INT_ENB_CNF | routeTo(20));
        assertEquals(List.of(), scheduler.delays(), "nothing planned while halted");
        enable();
        assertEquals(List.of(nanosAt(1000)), scheduler.delays());
        scheduler.advance(nanosAt(1000) - 1);
        assertEquals(999, read64(Hpet.MAIN_COUNTER));
        assertEquals(0, pulses(irq20));
        scheduler.advance(1);
        assertEquals(1, pulses(irq20));
        assertEquals(0, read64(Hpet.INTERRUPT_STATUS), "edge-triggered timers leave the status alone");
        assertEquals(1000, read64(timer(0, Hpet.TIMER_COMPARATOR)), "a one-shot comparator stays");
        assertEquals(List.of(), scheduler.delays(), "a 64-bit comparator behind the counter never matches");
        scheduler.advance(10_000_000_000L);
        assertEquals(1, pulses(irq20));
    }

    @Test
    void comparatorAheadAfterEnablingFiresOnce() {
        enable();
        scheduler.advance(nanosAt(5000));
        write64(timer(0, Hpet.TIMER_CONFIG), Hpet.INT_ENB_CNF | routeTo(20));
        write64(timer(0, Hpet.TIMER_COMPARATOR), 4000);
        assertEquals(List.of(), scheduler.delays(), "behind the counter");
        write64(timer(0, Hpet.TIMER_COMPARATOR), 6000);
        scheduler.advance(nanosAt(6000) - nanosAt(5000));
        assertEquals(1, pulses(irq20));
    }

    @Test
    void reprogrammingCancelsTheStaleWakeUp() {
        write64(timer(0, Hpet.TIMER_COMPARATOR), 1000);
        write64(timer(0, Hpet.TIMER_CONFIG), Hpet.INT_ENB_CNF | routeTo(20));
        enable();
        write64(timer(0, Hpet.TIMER_COMPARATOR), 5000);
        assertEquals(2, scheduler.delays().size(), "the first wake-up is still queued");
        scheduler.advance(nanosAt(4999));
        assertEquals(0, pulses(irq20), "the stale wake-up did nothing");
        scheduler.advance(nanosAt(5000) - nanosAt(4999));
        assertEquals(1, pulses(irq20));
        write64(timer(0, Hpet.TIMER_COMPARATOR), 9000);
        write64(timer(0, Hpet.TIMER_CONFIG), routeTo(20));
        scheduler.advance(nanosAt(9000));
        assertEquals(1, pulses(irq20), "interrupt disabled: no pulse");
    }

    @Test
    void thirtyTwoBitTimerMatchesAgainAfterTheLowHalfWraps() {
        write64(timer(1, Hpet.TIMER_COMPARATOR), 0xffff_ffff_0000_0010L);
        assertEquals(0x10, read64(timer(1, Hpet.TIMER_COMPARATOR)), "a 32-bit comparator");
        hpet.write(0, timer(1, Hpet.TIMER_COMPARATOR) + 4, 4, 0x1234);
        assertEquals(0x10, read64(timer(1, Hpet.TIMER_COMPARATOR)), "its upper half does not exist");
        write64(timer(1, Hpet.TIMER_CONFIG), Hpet.INT_ENB_CNF | routeTo(11));
        write64(Hpet.MAIN_COUNTER, 0x5_0000_0000L);
        enable();
        scheduler.advance(nanosAt(16));
        assertEquals(1, pulses(irq11), "matches the counter's low 32 bits");
        assertEquals(List.of(nanosAt(1L << 32 | 16) - nanosAt(16)), scheduler.delays());
        scheduler.advance(300_000_000_000L);
        assertEquals(2, pulses(irq11));
    }

    @Test
    void periodicTimerAdvancesItsComparatorByThePeriod() {
        write64(timer(0, Hpet.TIMER_CONFIG), Hpet.TYPE_CNF | Hpet.VAL_SET_CNF | Hpet.INT_ENB_CNF | routeTo(20));
        // Linux's sequence: the first write (with VAL_SET) sets the comparator, the second only the period.
        write64(timer(0, Hpet.TIMER_COMPARATOR), 5000);
        assertEquals(0, read64(timer(0, Hpet.TIMER_CONFIG)) & Hpet.VAL_SET_CNF, "VAL_SET clears itself");
        write64(timer(0, Hpet.TIMER_COMPARATOR), 10_000);
        assertEquals(5000, read64(timer(0, Hpet.TIMER_COMPARATOR)));
        enable();
        scheduler.advance(nanosAt(5000));
        assertEquals(1, pulses(irq20));
        assertEquals(15_000, read64(timer(0, Hpet.TIMER_COMPARATOR)));
        scheduler.advance(nanosAt(15_000) - nanosAt(5000));
        assertEquals(2, pulses(irq20));
        assertEquals(25_000, read64(timer(0, Hpet.TIMER_COMPARATOR)));
        scheduler.advance(nanosAt(45_000) - nanosAt(15_000));
        assertEquals(5, pulses(irq20));
        assertEquals(55_000, read64(timer(0, Hpet.TIMER_COMPARATOR)));
    }

    @Test
    void lateHostFiresOnceAndCatchesThePeriodicComparatorUp() {
        write64(timer(0, Hpet.TIMER_CONFIG), Hpet.TYPE_CNF | Hpet.VAL_SET_CNF | Hpet.INT_ENB_CNF | routeTo(20));
        write64(timer(0, Hpet.TIMER_COMPARATOR), 10_000);
        enable();
        now += nanosAt(65_000); // the host's timer thread slept through five and a half periods
        scheduler.runDue();
        assertEquals(1, pulses(irq20), "one interrupt, no burst");
        assertEquals(70_000, read64(timer(0, Hpet.TIMER_COMPARATOR)), "the next period after the counter");
        assertEquals(List.of(nanosAt(70_000) - nanosAt(65_000)), scheduler.delays());
    }

    @Test
    void registerAccessFindsAMatchTheHostHasNotWokenFor() {
        write64(timer(2, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | routeTo(21));
        write64(timer(2, Hpet.TIMER_COMPARATOR), 100);
        enable();
        now += nanosAt(100);
        assertEquals(1 << 2, read64(Hpet.INTERRUPT_STATUS), "status up to date before the wake-up ran");
    }

    @Test
    void tinyPeriodsDoNotFloodTheHost() {
        write64(timer(0, Hpet.TIMER_CONFIG), Hpet.TYPE_CNF | Hpet.VAL_SET_CNF | Hpet.INT_ENB_CNF | routeTo(20));
        write64(timer(0, Hpet.TIMER_COMPARATOR), 1);
        enable();
        assertEquals(List.of(Hpet.MIN_PERIODIC_WAKE_NANOS), scheduler.delays());
        scheduler.advance(1_000_000);
        assertEquals(20, pulses(irq20), "one interrupt per wake-up, at most 20 per millisecond");
    }

    @Test
    void levelTriggeredTimerHoldsItsLineUntilTheStatusIsCleared() {
        write64(timer(1, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | Hpet.INT_ENB_CNF | routeTo(21));
        write64(timer(1, Hpet.TIMER_COMPARATOR), 500);
        enable();
        scheduler.advance(nanosAt(500));
        assertTrue(irq21.level());
        assertEquals(1 << 1, read64(Hpet.INTERRUPT_STATUS));
        write64(Hpet.INTERRUPT_STATUS, 1 << 0 | 1 << 2);
        assertTrue(irq21.level(), "other bits leave it");
        write64(Hpet.CONFIGURATION, 0);
        assertFalse(irq21.level(), "a halted HPET interrupts nothing");
        enable();
        assertTrue(irq21.level(), "the status is still set");
        hpet.write(0, Hpet.INTERRUPT_STATUS, 4, 1 << 1);
        assertFalse(irq21.level());
        assertEquals(0, read64(Hpet.INTERRUPT_STATUS));
        assertEquals(List.of(true, false, true, false), irq21.transitions());
    }

    @Test
    void levelStatusIsSetEvenWithTheInterruptDisabled() {
        write64(timer(2, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | routeTo(21));
        write64(timer(2, Hpet.TIMER_COMPARATOR), 500);
        enable();
        scheduler.advance(nanosAt(500));
        assertEquals(1 << 2, read64(Hpet.INTERRUPT_STATUS));
        assertFalse(irq21.level());
        write64(timer(2, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | Hpet.INT_ENB_CNF | routeTo(21));
        assertTrue(irq21.level(), "enabling the interrupt delivers the pending status");
        write64(timer(2, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | Hpet.INT_ENB_CNF | routeTo(11));
        assertFalse(irq21.level(), "rerouting moves the level");
        assertTrue(irq11.level());
        write64(timer(2, Hpet.TIMER_CONFIG), Hpet.INT_ENB_CNF | routeTo(11));
        assertFalse(irq11.level(), "switching to edge drops the status");
        assertEquals(0, read64(Hpet.INTERRUPT_STATUS));
    }

    @Test
    void levelTimersSharingALineHoldItUntilBothAreCleared() {
        write64(timer(1, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | Hpet.INT_ENB_CNF | routeTo(21));
        write64(timer(2, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | Hpet.INT_ENB_CNF | routeTo(21));
        write64(timer(1, Hpet.TIMER_COMPARATOR), 100);
        write64(timer(2, Hpet.TIMER_COMPARATOR), 200);
        enable();
        scheduler.advance(nanosAt(200));
        write64(Hpet.INTERRUPT_STATUS, 1 << 1);
        assertTrue(irq21.level());
        write64(Hpet.INTERRUPT_STATUS, 1 << 2);
        assertFalse(irq21.level());
        assertEquals(List.of(true, false), irq21.transitions());
    }

    @Test
    void legacyReplacementRoutesTimers0And1ToIrq0AndIrq8() {
        write64(timer(0, Hpet.TIMER_CONFIG), Hpet.INT_ENB_CNF | routeTo(20));
        write64(timer(1, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | Hpet.INT_ENB_CNF | routeTo(20));
        write64(timer(2, Hpet.TIMER_CONFIG), Hpet.INT_ENB_CNF | routeTo(11));
        write64(timer(0, Hpet.TIMER_COMPARATOR), 100);
        write64(timer(1, Hpet.TIMER_COMPARATOR), 100);
        write64(timer(2, Hpet.TIMER_COMPARATOR), 100);
        write64(Hpet.CONFIGURATION, Hpet.ENABLE_CNF | Hpet.LEG_RT_CNF);
        scheduler.advance(nanosAt(100));
        assertEquals(1, pulses(legacy0));
        assertTrue(legacy8.level());
        assertEquals(1, pulses(irq11), "timer 2 keeps its route");
        assertEquals(List.of(), irq20.transitions());
        write64(Hpet.CONFIGURATION, Hpet.ENABLE_CNF);
        assertFalse(legacy8.level());
        assertTrue(irq20.level(), "leaving legacy mode moves timer 1's level to its route");
    }

    @Test
    void comparatorHalvesAndThirtyTwoBitMode() {
        hpet.write(0, timer(0, Hpet.TIMER_COMPARATOR), 4, 0x89ab_cdefL);
        hpet.write(0, timer(0, Hpet.TIMER_COMPARATOR) + 4, 4, 0x0123_4567L);
        assertEquals(0x0123_4567_89ab_cdefL, read64(timer(0, Hpet.TIMER_COMPARATOR)));
        assertEquals(0x0123_4567L, hpet.read(0, timer(0, Hpet.TIMER_COMPARATOR) + 4, 4));
        write64(timer(0, Hpet.TIMER_CONFIG), Hpet.MODE32_CNF | Hpet.INT_ENB_CNF | routeTo(20));
        assertEquals(0x89ab_cdefL, read64(timer(0, Hpet.TIMER_COMPARATOR)), "32-bit mode keeps the low half");
        hpet.write(0, timer(0, Hpet.TIMER_COMPARATOR) + 4, 4, 1);
        assertEquals(0x89ab_cdefL, read64(timer(0, Hpet.TIMER_COMPARATOR)));
        hpet.write(0, timer(0, Hpet.TIMER_COMPARATOR), 4, 50);
        write64(Hpet.MAIN_COUNTER, 0x7_0000_0000L);
        enable();
        scheduler.advance(nanosAt(50));
        assertEquals(1, pulses(irq20), "timer 0 in 32-bit mode matches the counter's low half");
    }

    @Test
    void fsbRouteAndReservedRegistersReadZero() {
        write64(timer(1, Hpet.TIMER_FSB_ROUTE), -1);
        assertEquals(0, read64(timer(1, Hpet.TIMER_FSB_ROUTE)));
        assertEquals(0, hpet.read(0, timer(1, Hpet.TIMER_FSB_ROUTE) + 4, 4));
        write64(timer(1, 0x18), -1);
        assertEquals(0, read64(timer(1, 0x18)));
        write64(0x300, -1);
        assertEquals(0, read64(0x300));
        assertEquals(0, read64(0x3f8));
    }

    @Test
    void stateRestoresCounterTimersAndPendingLevels() {
        write64(timer(0, Hpet.TIMER_CONFIG), Hpet.TYPE_CNF | Hpet.VAL_SET_CNF | Hpet.INT_ENB_CNF | routeTo(20));
        write64(timer(0, Hpet.TIMER_COMPARATOR), 10_000);
        write64(timer(1, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | Hpet.INT_ENB_CNF | routeTo(21));
        write64(timer(1, Hpet.TIMER_COMPARATOR), 500);
        enable();
        now += nanosAt(500);
        Hpet.State saved = hpet.state();
        assertEquals(1 << 1, saved.status(), "a match due when saving is in the state");

        now += 60_000_000_000L;
        RecordingIrq other20 = new RecordingIrq();
        RecordingIrq other21 = new RecordingIrq();
        IrqLine[] otherRoutes = new IrqLine[22];
        otherRoutes[20] = other20;
        otherRoutes[21] = other21;
        Hpet copy = new Hpet(Hpet.DEFAULT_FREQUENCY, 0x8086, otherRoutes, IrqLine.NONE, IrqLine.NONE, scheduler, saved);
        assertEquals(500, copy.read(0, Hpet.MAIN_COUNTER, 8), "time stood still while saved");
        assertFalse(other21.level());
        copy.resume();
        assertTrue(other21.level(), "the pending level interrupt is raised again");
        assertEquals(Hpet.ENABLE_CNF, copy.read(0, Hpet.CONFIGURATION, 8));
        scheduler.advance(nanosAt(9_500));
        assertEquals(1, pulses(other20));
        assertEquals(20_000, copy.read(0, timer(0, Hpet.TIMER_COMPARATOR), 8), "the period came along");
        assertThrows(IllegalArgumentException.class,
                () -> new Hpet.State(false, false, 0, 0, new long[3], new long[3], new long[2]));
    }

    @Test
    void randomAccessesNeverThrowAndLeaveAWorkingDevice() {
        Random random = new Random(11);
        int[] sizes = {1, 2, 4, 8};
        for (int i = 0; i < 50_000; i++) {
            int size = sizes[random.nextInt(sizes.length)];
            long offset = random.nextInt(Hpet.WINDOW_SIZE - size + 1);
            if (random.nextInt(4) == 0) {
                offset &= 0x1ff; // where the registers are
            }
            if (random.nextBoolean()) {
                hpet.write(0, offset, size, random.nextLong());
            } else {
                hpet.read(0, offset, size);
            }
            if (random.nextInt(50) == 0) {
                scheduler.advance(random.nextInt(2_000_000));
            }
        }
        write64(Hpet.CONFIGURATION, 0);
        write64(Hpet.INTERRUPT_STATUS, -1);
        write64(Hpet.MAIN_COUNTER, 0);
        write64(timer(2, Hpet.TIMER_CONFIG), Hpet.INT_TYPE_CNF | Hpet.INT_ENB_CNF | routeTo(21));
        write64(timer(2, Hpet.TIMER_COMPARATOR), 100);
        enable();
        scheduler.advance(nanosAt(100));
        assertEquals(1 << 2, read64(Hpet.INTERRUPT_STATUS) & 1 << 2);
        assertTrue(irq21.level());
    }
}
