package io.jqvm.devices.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.DeviceClock;
import io.jqvm.devices.RecordingIrq;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Mc146818Test {
    private static final long MIB = 1 << 20;

    /** A host wall clock the test moves by hand; wake-ups are collected for the test to run. */
    private static final class ManualClock implements DeviceClock {
        Instant now;
        final List<Long> delays;
        final List<Runnable> wakeUps;

        ManualClock(Instant now, List<Long> delays, List<Runnable> wakeUps) {
            this.now = now;
            this.delays = delays;
            this.wakeUps = wakeUps;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        Instant instant() {
            return now;
        }

        @Override
        public long nanoTime() {
            return epochNanos();
        }

        @Override
        public long epochNanos() {
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public Timer schedule(long delayNanos, Runnable task) {
            delays.add(delayNanos);
            wakeUps.add(task);
            return () -> wakeUps.remove(task);
        }
    }

    private final List<Runnable> wakeUps = new ArrayList<>();
    private final List<Long> delays = new ArrayList<>();
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-22T15:42:07.250Z"), delays, wakeUps);
    private final RecordingIrq irq = new RecordingIrq();
    private final Mc146818 rtc = new Mc146818(irq, clock, 512 * MIB, 1024 * MIB);

    private int in(int register) {
        rtc.write(0, 0, 1, register);
        return (int) rtc.read(0, 1, 1);
    }

    private void out(int register, int value) {
        rtc.write(0, 0, 1, register);
        rtc.write(0, 1, 1, value);
    }

    private void runWakeUps() {
        List<Runnable> due = new ArrayList<>(wakeUps);
        wakeUps.clear();
        due.forEach(Runnable::run);
    }

    @Test
    void readsHostTimeInBcd24Hour() {
        assertEquals(0x07, in(Mc146818.SECONDS));
        assertEquals(0x42, in(Mc146818.MINUTES));
        assertEquals(0x15, in(Mc146818.HOURS));
        assertEquals(1, in(Mc146818.DAY_OF_WEEK), "a Sunday");
        assertEquals(0x22, in(Mc146818.DAY_OF_MONTH));
        assertEquals(0x11, in(Mc146818.MONTH));
        assertEquals(0x26, in(Mc146818.YEAR));
        assertEquals(0x20, in(Mc146818.CENTURY));
        assertEquals(0x80, in(Mc146818.REG_D), "valid RAM and time");
    }

    @Test
    void binaryAnd12HourFormatsFollowRegisterB() {
        rtc.preset(Mc146818.REG_B, 0x04);
        assertEquals(0x83, in(Mc146818.HOURS), "3 PM");
        assertEquals(42, in(Mc146818.MINUTES));
        assertEquals(22, in(Mc146818.DAY_OF_MONTH));
        out(Mc146818.HOURS, 0x80 | 12);
        assertEquals(0x8c, in(Mc146818.HOURS), "12 PM is noon");
        out(Mc146818.HOURS, 12);
        assertEquals(12, in(Mc146818.HOURS), "12 AM is midnight, read as 12");
        out(Mc146818.REG_B, 0x06);
        assertEquals(0, in(Mc146818.HOURS));
    }

    @Test
    void settingTheTimeMovesOnlyTheGuestClock() {
        out(Mc146818.REG_B, 0x82);
        out(Mc146818.DAY_OF_MONTH, 0x31); // impossible in November, fine while SET is on
        out(Mc146818.MONTH, 0x03);
        out(Mc146818.YEAR, 0x30);
        out(Mc146818.HOURS, 0x23);
        out(Mc146818.MINUTES, 0x59);
        out(Mc146818.SECONDS, 0x58);
        clock.advance(Duration.ofSeconds(30));
        assertEquals(0x58, in(Mc146818.SECONDS), "frozen while SET");
        out(Mc146818.REG_B, 0x02);
        clock.advance(Duration.ofSeconds(3));
        assertEquals(0x01, in(Mc146818.SECONDS));
        assertEquals(0x00, in(Mc146818.HOURS));
        assertEquals(0x01, in(Mc146818.DAY_OF_MONTH));
        assertEquals(0x04, in(Mc146818.MONTH));
        assertEquals(0x30, in(Mc146818.YEAR));
        assertEquals(Instant.parse("2026-11-22T15:42:40.250Z"), clock.instant(), "host clock untouched");
    }

    @Test
    void impossibleTimesAreIgnored() {
        out(Mc146818.MONTH, 0x13);
        out(Mc146818.SECONDS, 0x5a);
        assertEquals(0x11, in(Mc146818.MONTH));
        assertEquals(0x07, in(Mc146818.SECONDS));
        out(Mc146818.REG_B, 0x82);
        out(Mc146818.DAY_OF_MONTH, 0x31);
        out(Mc146818.REG_B, 0x02);
        assertEquals(0x22, in(Mc146818.DAY_OF_MONTH), "November 31 dropped when SET clears");
    }

    @Test
    void uipIsSetOnlyJustBeforeTheSecondBoundary() {
        assertEquals(0x26, in(Mc146818.REG_A));
        clock.now = Instant.parse("2026-11-22T15:42:07.999900Z");
        assertEquals(0xa6, in(Mc146818.REG_A));
        clock.advance(Duration.ofMillis(1));
        assertEquals(0x26, in(Mc146818.REG_A));
        out(Mc146818.REG_A, 0xff);
        assertEquals(0x7f, in(Mc146818.REG_A), "UIP is read-only; divider off stops updates");
    }

    @Test
    void updateEndedInterruptAndRegisterCReadClears() {
        out(Mc146818.REG_A, 0x20); // periodic rate off, so only UF is flagged
        out(Mc146818.REG_B, 0x12);
        assertEquals(1, wakeUps.size());
        assertEquals(750_000_000L, delays.getFirst(), "woken at the next second boundary");
        clock.advance(Duration.ofMillis(750));
        runWakeUps();
        assertTrue(irq.level());
        assertEquals(0x90, in(Mc146818.REG_C));
        assertFalse(irq.level());
        assertEquals(0x00, in(Mc146818.REG_C));
        assertEquals(1, wakeUps.size(), "next update scheduled after the read");
    }

    @Test
    void periodicInterruptAtTheRateOfRegisterA() {
        assertEquals(976_562, Mc146818.periodNanos(6));
        assertEquals(3_906_250, Mc146818.periodNanos(1));
        assertEquals(500_000_000, Mc146818.periodNanos(15));
        assertEquals(0, Mc146818.periodNanos(0));
        out(Mc146818.REG_B, 0x42);
        assertTrue(delays.getFirst() <= 976_562);
        clock.advance(Duration.ofMillis(1));
        runWakeUps();
        assertTrue(irq.level());
        assertEquals(0xc0, in(Mc146818.REG_C) & 0xc0);
    }

    @Test
    void alarmFiresWhenTheTimeMatches() {
        out(Mc146818.SECONDS_ALARM, 0x09);
        out(Mc146818.MINUTES_ALARM, 0x42);
        out(Mc146818.HOURS_ALARM, 0xc0); // any hour
        out(Mc146818.REG_A, 0x20);
        out(Mc146818.REG_B, 0x22);
        clock.advance(Duration.ofMillis(750));
        runWakeUps();
        assertFalse(irq.level(), "15:42:08 does not match");
        assertEquals(0x10, in(Mc146818.REG_C), "update-ended flag set, not enabled");
        clock.advance(Duration.ofSeconds(1));
        runWakeUps();
        assertTrue(irq.level());
        assertEquals(0xb0, in(Mc146818.REG_C), "IRQF, AF and UF");
    }

    @Test
    void cmosHoldsMemorySizesAndStorage() {
        assertEquals(0x80, in(0x15));
        assertEquals(0x02, in(0x16));
        assertEquals(0xff, in(0x17));
        assertEquals(0xff, in(0x18));
        assertEquals(0xff, in(0x30));
        assertEquals(0xff, in(0x31));
        assertEquals(0x00, in(0x34), "(512 - 16) MiB / 64 KiB = 0x1f00");
        assertEquals(0x1f, in(0x35));
        assertEquals(0x00, in(0x5b), "1 GiB / 64 KiB = 0x4000");
        assertEquals(0x40, in(0x5c));
        assertEquals(0x00, in(0x5d));
        out(0x7f, 0xa5);
        assertEquals(0xa5, in(0x7f));
        Mc146818 small = new Mc146818(irq, new ManualClock(clock.now, new ArrayList<>(), new ArrayList<>()), 8 * MIB, 0);
        small.write(0, 0, 1, 0x17);
        assertEquals(7 * 1024 & 0xff, small.read(0, 1, 1));
        small.write(0, 0, 1, 0x34);
        assertEquals(0, small.read(0, 1, 1), "nothing above 16 MiB");
    }

    @Test
    void presetsAndNmiMask() {
        rtc.preset(0x0b, 0x12);
        assertEquals(1, wakeUps.size(), "update interrupt enabled by the preset");
        rtc.preset(0x40, 0x12);
        assertEquals(0x12, in(0x40));
        assertThrows(IllegalArgumentException.class, () -> rtc.preset(0x00, 1));
        assertThrows(IllegalArgumentException.class, () -> rtc.preset(0x0c, 1));
        assertEquals("mc146818 register 0x32 cannot be preset: only A (0x0a), B (0x0b) and CMOS bytes 0x0e-0x7f"
                + " except 0x32 can", assertThrows(IllegalArgumentException.class, () -> rtc.preset(0x32, 1)).getMessage());
        rtc.write(0, 0, 1, 0x80 | 0x40);
        assertTrue(rtc.nmiMasked());
        assertEquals(0x12, rtc.read(0, 1, 1));
        assertEquals(0xff, rtc.read(0, 0, 1), "index port is write-only");
        rtc.write(0, 0, 1, 0x40);
        assertFalse(rtc.nmiMasked());
    }

    @Test
    void stateRestoresGuestTimeAndCmos() {
        out(Mc146818.YEAR, 0x31);
        out(0x50, 0x77);
        out(Mc146818.REG_B, 0x12);
        Mc146818.State saved = rtc.state();
        RecordingIrq otherIrq = new RecordingIrq();
        List<Runnable> otherWakeUps = new ArrayList<>();
        Mc146818 copy = new Mc146818(otherIrq, new ManualClock(clock.now, new ArrayList<>(), otherWakeUps), saved);
        copy.resume();
        assertEquals(1, otherWakeUps.size(), "update interrupt timer restarted");
        copy.write(0, 0, 1, Mc146818.YEAR);
        assertEquals(0x31, copy.read(0, 1, 1));
        copy.write(0, 0, 1, 0x50);
        assertEquals(0x77, copy.read(0, 1, 1));
        copy.write(0, 0, 1, 0x17);
        assertEquals(0xff, copy.read(0, 1, 1), "memory-size bytes come from the state");
        assertThrows(IllegalArgumentException.class, () -> new Mc146818.State(0, 0, false, 0, 0, 0, new byte[4]));
    }

    @Test
    void randomAccessesNeverThrow() {
        Random random = new Random(5);
        for (int i = 0; i < 30_000; i++) {
            long offset = random.nextInt(3);
            if (random.nextBoolean()) {
                rtc.write(0, offset, 1, random.nextInt(256));
            } else {
                rtc.read(0, offset, 1);
            }
            if (random.nextInt(100) == 0) {
                clock.advance(Duration.ofMillis(random.nextInt(3000)));
                runWakeUps();
            }
        }
        out(Mc146818.REG_B, 0x02);
        out(Mc146818.REG_A, 0x26);
        int seconds = in(Mc146818.SECONDS);
        assertTrue((seconds >> 4) <= 5 && (seconds & 0xf) <= 9, "the clock still reads valid BCD");
    }
}
