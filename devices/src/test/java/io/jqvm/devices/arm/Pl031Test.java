package io.jqvm.devices.arm;

import static io.jqvm.devices.arm.Pl031.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Pl031Test {
    private final CapturedLog log = CapturedLog.start();

    @AfterEach
    void restoreLog() {
        log.close();
    }

    private static final long HOST_SECONDS = 1_700_000_000L;
    private final RecordingLine irq = new RecordingLine();
    private final ManualClock clock = new ManualClock();
    private final Pl031 rtc = new Pl031(irq, clock);

    @Test
    void primeCellIds() {
        int[] expected = {0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], rtc.read(0, 0xFE0 + 4L * i, 4));
        }
        long amba = 0;
        for (int i = 0; i < 4; i++) {
            amba |= rtc.read(0, 0xFE0 + 4L * i, 4) << (8 * i);
        }
        assertEquals(0x0004_1031, amba & 0x000F_FFFF, "rtc-pl031 matches id 0x00041031 under mask 0x000fffff");
    }

    @Test
    void counterFollowsTheHostClock() {
        assertEquals(HOST_SECONDS, rtc.read(0, DR, 4));
        clock.advance(2_500_000_000L);
        assertEquals(HOST_SECONDS + 2, rtc.read(0, DR, 4));
    }

    @Test
    void loadSetsTheCounterAndReadsBack() {
        rtc.write(0, LR, 4, 1000);
        assertEquals(1000, rtc.read(0, DR, 4));
        assertEquals(1000, rtc.read(0, LR, 4));
        clock.advanceSeconds(5);
        assertEquals(1005, rtc.read(0, DR, 4));
        assertEquals(1000, rtc.read(0, LR, 4));
        rtc.write(0, LR, 4, 0xFFFF_FFFFL);
        clock.advanceSeconds(1);
        assertEquals(0, rtc.read(0, DR, 4), "the counter wraps at 32 bits");
    }

    @Test
    void matchRaisesTheInterruptWhenReached() {
        rtc.write(0, LR, 4, 100);
        rtc.write(0, IMSC, 4, 1);
        rtc.write(0, MR, 4, 103);
        assertEquals(103, rtc.read(0, MR, 4));
        clock.advance(2_999_999_999L);
        assertEquals(0, rtc.read(0, RIS, 4));
        assertFalse(irq.level());
        clock.advance(1);
        assertEquals(1, rtc.read(0, RIS, 4));
        assertEquals(1, rtc.read(0, MIS, 4));
        assertTrue(irq.level());
        rtc.write(0, ICR, 4, 1);
        assertEquals(0, rtc.read(0, RIS, 4));
        assertFalse(irq.level());
    }

    @Test
    void maskedMatchIsRawOnly() {
        rtc.write(0, LR, 4, 5);
        rtc.write(0, MR, 4, 6);
        assertEquals(0, rtc.read(0, RIS, 4));
        clock.advanceSeconds(1);
        assertEquals(1, rtc.read(0, RIS, 4));
        assertEquals(0, rtc.read(0, MIS, 4));
        assertFalse(irq.level());
        rtc.write(0, IMSC, 4, 1);
        assertTrue(irq.level());
    }

    @Test
    void reloadingTheCounterMovesTheMatch() {
        rtc.write(0, LR, 4, 1);
        rtc.write(0, IMSC, 4, 1);
        rtc.write(0, MR, 4, 10);
        rtc.write(0, LR, 4, 8);
        assertEquals(1, clock.scheduledCount(), "the callback for the old counter was cancelled");
        clock.advanceSeconds(1);
        assertFalse(irq.level());
        clock.advanceSeconds(1);
        assertTrue(irq.level());
        assertEquals(0, clock.scheduledCount());
    }

    @Test
    void matchEqualToTheCounterIsImmediate() {
        rtc.write(0, LR, 4, 50);
        rtc.write(0, MR, 4, 50);
        assertEquals(1, rtc.read(0, RIS, 4));
    }

    @Test
    void startBitReadsOneFromResetAndIsSticky() {
        assertEquals(1, rtc.read(0, CR, 4));
        rtc.write(0, CR, 4, 1);
        rtc.write(0, CR, 4, 0);
        assertEquals(1, rtc.read(0, CR, 4));
    }

    @Test
    void badAccessesAreHarmless() {
        assertEquals(0, rtc.read(0, ICR, 4), "write-only");
        assertEquals(0, rtc.read(0, DR, 2));
        rtc.write(0, DR, 4, 5);
        assertEquals(HOST_SECONDS, rtc.read(0, DR, 4), "DR is read-only");
        Random random = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            int size = 1 << random.nextInt(4);
            long offset = random.nextLong(Pl031.SIZE - size + 1);
            if (random.nextBoolean()) {
                rtc.read(0, offset, size);
            } else {
                rtc.write(0, offset, size, random.nextLong());
            }
            clock.advance(random.nextInt(2_000_000_000));
        }
        int logged = log.lines().size();
        assertTrue(logged > 0 && logged < 100, "bad accesses logged, rate-limited: " + logged + " lines");
    }

    @Test
    void stateShowsTheCounterAndTheMatch() {
        rtc.write(0, LR, 4, 1000);
        rtc.write(0, MR, 4, 1003);
        rtc.write(0, IMSC, 4, 1);
        assertEquals(new Pl031.State(1000, 1003, true, false), rtc.state());
        clock.advanceSeconds(3);
        assertEquals(new Pl031.State(1003, 1003, true, true), rtc.state());
    }
}
