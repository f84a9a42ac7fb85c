package io.jqvm.devices.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.DeviceClock;
import io.jqvm.devices.RecordingIrq;
import io.jqvm.devices.RecordingVmControl;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AcpiPmBlockTest {
    private long now = 5_000_000_000L;
    private final RecordingIrq sci = new RecordingIrq();
    private final RecordingVmControl vm = new RecordingVmControl();
    /** The PM timer reads {@code now}; the block schedules nothing. */
    private final DeviceClock clock = new DeviceClock() {
        @Override public long nanoTime() { return now; }
        @Override public long epochNanos() { return now; }
        @Override public Timer schedule(long delayNanos, Runnable task) { throw new AssertionError("the PM block schedules nothing"); }
    };
    private final AcpiPmBlock pm = new AcpiPmBlock(sci, vm, clock);

    @Test
    void s5SleepRequestShutsDown() {
        assertEquals(0x600, AcpiPmBlock.windowBaseForControlPort(0x604));
        pm.write(0, AcpiPmBlock.CONTROL, 2, 1);
        assertEquals(List.of(), vm.requests(), "SLP_TYP 0 without SLP_EN does nothing");
        pm.write(0, AcpiPmBlock.CONTROL, 2, 1 << 13); // what guests built for QEMU's pc write: SLP_EN, SLP_TYP 0
        assertEquals(List.of("shutdown NORMAL: guest requested ACPI S5 (soft off)"), vm.requests());
        assertEquals(1, pm.read(0, AcpiPmBlock.CONTROL, 2), "SLP_EN reads 0, SCI_EN reads 1");
    }

    @Test
    void s5WrittenByteWiseAlsoShutsDown() {
        pm.write(0, AcpiPmBlock.CONTROL, 1, 0);
        pm.write(0, AcpiPmBlock.CONTROL + 1, 1, (1 << 13) >> 8);
        assertEquals(1, vm.requests().size());
    }

    @Test
    void otherSleepTypesAreIgnored() {
        pm.write(0, AcpiPmBlock.CONTROL, 2, 3 << 10 | 1 << 13);
        pm.write(0, AcpiPmBlock.CONTROL, 2, 5 << 10 | 1 << 13);
        pm.write(0, AcpiPmBlock.CONTROL, 2, 5 << 10);
        assertEquals(List.of(), vm.requests());
        assertEquals(5 << 10 | 1, pm.read(0, AcpiPmBlock.CONTROL, 2), "SLP_TYP reads back");
    }

    @Test
    void powerButtonRaisesSciWhenEnabledAndClearsOnWriteOne() {
        pm.pressPowerButton();
        assertFalse(sci.level());
        assertEquals(0x100, pm.read(0, AcpiPmBlock.STATUS, 2));
        pm.write(0, AcpiPmBlock.ENABLE, 2, 0x100);
        assertTrue(sci.level());
        pm.write(0, AcpiPmBlock.STATUS, 2, 0x0001);
        assertTrue(sci.level(), "writing 0 to PWRBTN_STS leaves it");
        pm.write(0, AcpiPmBlock.STATUS, 2, 0x0100);
        assertFalse(sci.level());
        assertEquals(0, pm.read(0, AcpiPmBlock.STATUS, 2));
        assertEquals(0x100, pm.read(0, AcpiPmBlock.ENABLE, 2));
    }

    @Test
    void pmTimerCountsAt3579545HzIn24Bits() {
        assertEquals(0, pm.read(0, AcpiPmBlock.TIMER, 4));
        now += 1_000_000_000L;
        assertEquals(3_579_545, pm.read(0, AcpiPmBlock.TIMER, 4));
        now += 4_000_000_000L;
        assertEquals(5L * 3_579_545 & 0xffffff, pm.read(0, AcpiPmBlock.TIMER, 4));
        pm.write(0, AcpiPmBlock.TIMER, 4, 0);
        assertEquals(5L * 3_579_545 & 0xffffff, pm.read(0, AcpiPmBlock.TIMER, 4), "read-only");
    }

    @Test
    void randomAccessesNeverThrow() {
        Random random = new Random(3);
        int[] sizes = {1, 2, 4};
        for (int i = 0; i < 20_000; i++) {
            int size = sizes[random.nextInt(3)];
            long offset = random.nextInt(AcpiPmBlock.WINDOW_SIZE + 4); // a window registered too large
            if (random.nextBoolean()) {
                pm.write(0, offset, size, random.nextLong());
            } else {
                pm.read(0, offset, size);
            }
        }
        assertTrue(vm.requests().stream().allMatch(r -> r.equals("shutdown NORMAL: guest requested ACPI S5 (soft off)")));
    }
}
