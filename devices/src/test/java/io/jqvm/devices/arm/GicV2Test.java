package io.jqvm.devices.arm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GicV2Test {
    private final CapturedLog log = CapturedLog.start();

    @AfterEach
    void restoreLog() {
        log.close();
    }

    private final RecordingLine cpu0Pin = new RecordingLine();
    private final RecordingLine cpu1Pin = new RecordingLine();
    private int current;
    private final GicV2 gic = new GicV2(96, new IrqLine[] {cpu0Pin, cpu1Pin});
    private final BusDevice dist = gic.distributor();
    private final BusDevice cpuIf = gic.cpuInterface();

    private void enableAll() {
        dist.write(current, 0x000, 4, 1);
        for (int c = 0; c < 2; c++) {
            current = c;
            cpuIf.write(current, 0x00, 4, 1);
            cpuIf.write(current, 0x04, 4, 0xF0);
        }
        current = 0;
    }

    private void enable(int intid) {
        dist.write(current, 0x100 + intid / 32 * 4, 4, 1L << (intid % 32));
    }

    private int ack() {
        return (int) cpuIf.read(current, 0x0C, 4);
    }

    @Test
    void identificationAndType() {
        assertEquals(128, gic.lineCount());
        assertEquals(3 | (1 << 5), dist.read(current, 0x004, 4), "ITLinesNumber 3 (128 lines), CPUNumber 1 (two CPUs)");
        assertEquals(GicV2.IIDR, dist.read(current, 0x008, 4));
        assertEquals(2, dist.read(current, 0xFE8, 4) >> 4, "PIDR2 architecture revision");
        assertEquals(0xB1, dist.read(current, 0xFFC, 4));
        assertEquals(0x0002_043B, cpuIf.read(current, 0xFC, 4));
    }

    @Test
    void acknowledgeReturnsSpuriousWhenNothingIsPending() {
        enableAll();
        assertEquals(1023, ack());
        assertEquals(1023, cpuIf.read(current, 0x18, 4), "HPPIR");
        assertEquals(0xFF, cpuIf.read(current, 0x14, 4), "idle running priority");
    }

    @Test
    void levelInterruptStaysPendingWhileTheLineIsHigh() {
        enableAll();
        enable(33);
        dist.write(current, 0x820, 4, 0x0000_0100); // ITARGETSR8: INTID 33 -> CPU 0
        IrqLine uart = gic.line(33);
        uart.set(true);
        assertTrue(cpu0Pin.level());
        assertFalse(cpu1Pin.level());
        assertEquals(33, ack());
        assertFalse(cpu0Pin.level(), "active interrupt is not signalled again");
        assertEquals(2, dist.read(current, 0x204, 4) & 2, "still pending (line high)");
        assertEquals(2, dist.read(current, 0x304, 4) & 2, "and active");
        cpuIf.write(current, 0x10, 4, 33);
        assertTrue(cpu0Pin.level(), "line still high after EOI: pending again");
        uart.set(false);
        assertFalse(cpu0Pin.level());
        assertEquals(0, dist.read(current, 0x204, 4));
    }

    @Test
    void edgeInterruptLatchesOneRisingEdge() {
        enableAll();
        dist.write(current, 0xC08, 4, 0b10 << 2); // ICFGR2: INTID 33 edge
        assertEquals(0b10 << 2, dist.read(current, 0xC08, 4));
        dist.write(current, 0x820, 4, 0x0000_0100);
        enable(33);
        gic.line(33).pulse();
        assertTrue(cpu0Pin.level());
        assertEquals(33, ack());
        assertEquals(0, dist.read(current, 0x204, 4), "edge latch cleared by acknowledge");
        cpuIf.write(current, 0x10, 4, 33);
        assertFalse(cpu0Pin.level());
        assertEquals(1023, ack());
    }

    @Test
    void disabledInterruptIsPendingButNotSignalled() {
        enableAll();
        dist.write(current, 0x820, 4, 0x0000_0100);
        dist.write(current, 0x204, 4, 2); // ISPENDR1: INTID 33
        assertFalse(cpu0Pin.level());
        assertEquals(2, dist.read(current, 0x204, 4));
        enable(33);
        assertEquals(2, dist.read(current, 0x104, 4));
        assertTrue(cpu0Pin.level());
        dist.write(current, 0x184, 4, 2); // ICENABLER1
        assertEquals(0, dist.read(current, 0x104, 4));
        assertFalse(cpu0Pin.level());
        dist.write(current, 0x284, 4, 2); // ICPENDR1
        assertEquals(0, dist.read(current, 0x204, 4));
    }

    @Test
    void distributorAndCpuInterfaceEnablesGateTheSignal() {
        enable(40);
        dist.write(current, 0x828, 4, 1); // INTID 40 -> CPU 0
        dist.write(current, 0x204, 4, 1 << 8);
        cpuIf.write(current, 0x04, 4, 0xF0);
        assertFalse(cpu0Pin.level());
        dist.write(current, 0x000, 4, 1);
        assertEquals(1, dist.read(current, 0x000, 4));
        assertFalse(cpu0Pin.level());
        cpuIf.write(current, 0x00, 4, 1);
        assertTrue(cpu0Pin.level());
        dist.write(current, 0x080 + 4, 4, 1 << 8); // IGROUPR1: INTID 40 to group 1, which is disabled
        assertEquals(1 << 8, dist.read(current, 0x084, 4));
        assertFalse(cpu0Pin.level());
        cpuIf.write(current, 0x00, 4, 3);
        dist.write(current, 0x000, 4, 3);
        assertTrue(cpu0Pin.level());
    }

    @Test
    void priorityBytesAreByteAccessibleAndKeepFiveBits() {
        dist.write(current, 0x420, 1, 0xFF);
        dist.write(current, 0x421, 1, 0xA0);
        assertEquals(0xA0F8, dist.read(current, 0x420, 4));
        assertEquals(0xA0, dist.read(current, 0x421, 1));
        dist.write(current, 0x424, 4, 0x1020_3040);
        assertEquals(0x2030, dist.read(current, 0x425, 2));
    }

    @Test
    void pendingHigherPriorityWinsAndPriorityMaskBlocks() {
        enableAll();
        dist.write(current, 0x820, 4, 0x0101_0101); // 32-35 -> CPU 0
        dist.write(current, 0x420, 4, 0x0000_80A0); // INTID 32 prio 0xA0, 33 prio 0x80
        enable(32);
        enable(33);
        dist.write(current, 0x204, 4, 3);
        assertEquals(33, cpuIf.read(current, 0x18, 4), "HPPIR names the higher priority");
        cpuIf.write(current, 0x04, 4, 0x80);
        assertFalse(cpu0Pin.level(), "priority 0x80 is not below the mask 0x80");
        assertEquals(1023, ack());
        cpuIf.write(current, 0x04, 4, 0xF0);
        assertEquals(33, ack());
        assertEquals(0x80, cpuIf.read(current, 0x14, 4), "running priority");
        assertEquals(1 << (0x80 >> 3), cpuIf.read(current, 0xD0, 4), "active priority bit");
        assertFalse(cpu0Pin.level(), "0xA0 cannot preempt 0x80");
        assertEquals(1023, ack());
        cpuIf.write(current, 0x10, 4, 33);
        assertEquals(32, ack());
        cpuIf.write(current, 0x10, 4, 32);
        assertEquals(0xFF, cpuIf.read(current, 0x14, 4));
    }

    @Test
    void higherPriorityPreemptsAnActiveOne() {
        enableAll();
        dist.write(current, 0x820, 4, 0x0101_0101);
        dist.write(current, 0x420, 4, 0x0000_40A0);
        enable(32);
        enable(33);
        dist.write(current, 0x204, 4, 1);
        assertEquals(32, ack());
        dist.write(current, 0x204, 4, 2);
        assertTrue(cpu0Pin.level(), "0x40 preempts running 0xA0");
        assertEquals(33, ack());
        assertEquals(0x40, cpuIf.read(current, 0x14, 4));
        cpuIf.write(current, 0x10, 4, 33);
        assertEquals(0xA0, cpuIf.read(current, 0x14, 4));
        cpuIf.write(current, 0x10, 4, 32);
    }

    @Test
    void binaryPointGroupsPrioritiesForPreemption() {
        enableAll();
        cpuIf.write(current, 0x08, 4, 0);
        assertEquals(2, cpuIf.read(current, 0x08, 4), "minimum binary point for 5 priority bits");
        cpuIf.write(current, 0x08, 4, 5); // group priority bits [7:6]
        dist.write(current, 0x820, 4, 0x0101_0101);
        dist.write(current, 0x420, 4, 0x0000_5070); // 32: 0x70 (group 0x40), 33: 0x50 (group 0x40)
        enable(32);
        enable(33);
        dist.write(current, 0x204, 4, 1);
        assertEquals(32, ack());
        dist.write(current, 0x204, 4, 2);
        assertFalse(cpu0Pin.level(), "same group priority does not preempt");
    }

    @Test
    void aliasedBinaryPointAndActivePrioritiesAreRegisters() {
        cpuIf.write(current, 0x1C, 4, 0);
        assertEquals(3, cpuIf.read(current, 0x1C, 4), "GICC_ABPR minimum");
        cpuIf.write(current, 0x1C, 4, 6);
        assertEquals(6, cpuIf.read(current, 0x1C, 4));
        cpuIf.write(current, 0xD0, 4, 1 << 4);
        assertEquals(0x20, cpuIf.read(current, 0x14, 4), "GICC_APR0 bit 4 is running priority 0x20");
        cpuIf.write(current, 0xD0, 4, 0);
        assertEquals(0xFF, cpuIf.read(current, 0x14, 4));
    }

    @Test
    void theActivePriorityRegistersBeyondTheFirstReadAsZeroAndIgnoreWritesQuietly() {
        for (long apr = 0xD4; apr <= 0xDC; apr += 4) {
            cpuIf.write(current, apr, 4, 0xFFFF_FFFFL);
            assertEquals(0, cpuIf.read(current, apr, 4), "GICC_APR" + (apr - 0xD0) / 4);
        }
        assertEquals(java.util.List.of(), log.lines(), "Linux writes them at every CPU's start: nothing to report");
    }

    @Test
    void endOfInterruptListenersRunAtDeactivationOfTheirSpiOnly() {
        enableAll();
        enable(33);
        enable(34);
        dist.write(current, 0x820, 4, 0x0001_0100); // INTID 33, 34 -> CPU 0
        java.util.List<String> ends = new java.util.ArrayList<>();
        IrqLine passed = gic.line(33);
        gic.onEndOfInterrupt(33, () -> {
            ends.add("33");
            passed.set(false); // what a pass-through line does before re-arming its host source
        });
        passed.set(true);
        assertEquals(33, ack());
        assertEquals(java.util.List.of(), ends, "acknowledge is not the end");
        cpuIf.write(current, 0x10, 4, 33);
        assertEquals(java.util.List.of("33"), ends);
        assertFalse(cpu0Pin.level(), "the listener lowered the line within the EOI: not pending again");
        gic.line(34).set(true);
        assertEquals(34, ack());
        cpuIf.write(current, 0x10, 4, 34);
        assertEquals(java.util.List.of("33"), ends, "another line's EOI");
        assertThrows(IllegalArgumentException.class, () -> gic.onEndOfInterrupt(33, () -> { }), "one listener per line");
        assertThrows(IllegalArgumentException.class, () -> gic.onEndOfInterrupt(27, () -> { }), "a PPI");
        assertThrows(IllegalArgumentException.class, () -> gic.onEndOfInterrupt(128, () -> { }), "no such line");
    }

    @Test
    void splitEoiNeedsDeactivate() {
        enableAll();
        cpuIf.write(current, 0x00, 4, 1 | (1 << 9));
        assertEquals(1 | (1 << 9), cpuIf.read(current, 0x00, 4));
        dist.write(current, 0x820, 4, 1);
        enable(32);
        dist.write(current, 0x204, 4, 1);
        assertEquals(32, ack());
        cpuIf.write(current, 0x10, 4, 32);
        assertEquals(0xFF, cpuIf.read(current, 0x14, 4), "priority dropped");
        assertEquals(1, dist.read(current, 0x304, 4), "still active");
        cpuIf.write(current, 0x1000, 4, 32);
        assertEquals(0, dist.read(current, 0x304, 4));
    }

    @Test
    void activeRegistersSetAndClear() {
        dist.write(current, 0x304, 4, 0x10);
        assertEquals(0x10, dist.read(current, 0x304, 4));
        dist.write(current, 0x384, 4, 0x10);
        assertEquals(0, dist.read(current, 0x384, 4));
    }

    @Test
    void targetsRouteSpisToCpusAndBankedTargetsNameTheReader() {
        enableAll();
        assertEquals(0x0101_0101, dist.read(current, 0x800, 4));
        current = 1;
        assertEquals(0x0202_0202, dist.read(current, 0x81C, 4));
        current = 0;
        dist.write(current, 0x850, 1, 0xFF); // INTID 80 -> both CPUs (only two exist)
        assertEquals(3, dist.read(current, 0x850, 1));
        enable(80);
        gic.line(80).set(true);
        assertTrue(cpu0Pin.level());
        assertTrue(cpu1Pin.level());
        current = 1;
        assertEquals(80, ack());
        assertFalse(cpu0Pin.level(), "taken by CPU 1, active");
        dist.write(current, 0x850, 1, 1);
        cpuIf.write(current, 0x10, 4, 80);
        assertTrue(cpu0Pin.level());
        assertFalse(cpu1Pin.level());
    }

    @Test
    void softwareInterruptsCarryTheirSource() {
        enableAll();
        dist.write(current, 0x100, 4, 0xFFFF);
        current = 1;
        dist.write(current, 0x100, 4, 0xFFFF);
        current = 0;
        dist.write(current, 0xF00, 4, (2 << 16) | 5); // CPU 0 sends SGI 5 to CPU 1
        assertTrue(cpu1Pin.level());
        assertFalse(cpu0Pin.level());
        current = 1;
        assertEquals(1 << 5, dist.read(current, 0x200, 4));
        assertEquals(1L << 8, dist.read(current, 0xF24, 4), "SPENDSGIR1 byte 1: SGI 5 from CPU 0");
        assertEquals(5, cpuIf.read(current, 0x18, 4), "HPPIR names SGI 5 from CPU 0");
        assertEquals(5, ack(), "source CPU 0 in bits [12:10]");
        cpuIf.write(current, 0x10, 4, 5);
        dist.write(current, 0xF00, 4, (1 << 24) | 3); // all but self: CPU 1 sends to CPU 0
        current = 0;
        assertEquals(3 | (1 << 10), ack());
        cpuIf.write(current, 0x10, 4, 3 | (1 << 10));
        dist.write(current, 0xF00, 4, (2 << 24) | 7); // self
        assertEquals(7, ack());
        cpuIf.write(current, 0x10, 4, 7);
        dist.write(current, 0xF00, 4, (3 << 24) | 7); // reserved filter
        assertEquals(1023, ack());
    }

    @Test
    void sgiPendingRegistersSetAndClearSources() {
        enableAll();
        dist.write(current, 0x100, 4, 0xFFFF);
        dist.write(current, 0xF20, 4, 0x0000_0200); // SGI 1 pending from CPU 1
        assertEquals(0x0000_0200, dist.read(current, 0xF10, 4));
        assertTrue(cpu0Pin.level());
        dist.write(current, 0xF10, 4, 0x0000_0200);
        assertEquals(0, dist.read(current, 0xF20, 4));
        assertFalse(cpu0Pin.level());
        dist.write(current, 0x200, 4, 1 << 1);
        assertEquals(0, dist.read(current, 0x200, 4), "SGIs are not made pending through ISPENDR");
    }

    @Test
    void ppiInputsAreBankedPerCpu() {
        enableAll();
        current = 1;
        enable(27);
        current = 0;
        assertEquals(0, dist.read(current, 0x100, 4) & (1 << 27));
        gic.ppi(0, 27).set(true);
        assertFalse(cpu0Pin.level(), "PPI 27 disabled on CPU 0");
        gic.ppi(1, 27).set(true);
        assertTrue(cpu1Pin.level());
        current = 1;
        assertEquals(27, ack());
        assertThrows(IllegalArgumentException.class, () -> gic.ppi(2, 27));
        assertThrows(IllegalArgumentException.class, () -> gic.ppi(0, 40));
        assertThrows(IllegalArgumentException.class, () -> gic.line(-1));
        assertThrows(IllegalArgumentException.class, () -> gic.line(128));
    }

    @Test
    void aWireOnAnSgiNumberSendsItToCpuZero() {
        enableAll();
        dist.write(current, 0x100, 4, 1 << 3);
        gic.line(3).set(true);
        assertEquals(3, ack(), "as if sent by CPU 0");
        cpuIf.write(current, 0x10, 4, 3);
        gic.line(3).set(false);
        assertEquals(1023, ack());
    }

    @Test
    void concurrentDevicesAndCpusKeepTheStateConsistent() throws InterruptedException {
        GicV2 multi = new GicV2(32, new IrqLine[] {IrqLine.NONE, IrqLine.NONE});
        multi.distributor().write(current, 0x000, 4, 1);
        multi.distributor().write(current, 0x104, 4, 1);
        multi.distributor().write(current, 0x820, 4, 0x03); // INTID 32 -> either CPU
        multi.distributor().write(current, 0xC08, 4, 0x2); // INTID 32 edge-triggered
        AtomicInteger taken = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        Thread[] cpus = new Thread[2];
        for (int c = 0; c < 2; c++) {
            int cpu = c;
            cpus[c] = new Thread(() -> {
                multi.cpuInterface().write(cpu, 0x00, 4, 1);
                multi.cpuInterface().write(cpu, 0x04, 4, 0xF0);
                while (!done.get() || multi.distributor().read(cpu, 0x204, 4) != 0) {
                    int iar = (int) multi.cpuInterface().read(cpu, 0x0C, 4);
                    if (iar != 1023) {
                        taken.incrementAndGet();
                        multi.cpuInterface().write(cpu, 0x10, 4, iar);
                    } else {
                        Thread.yield();
                    }
                }
            });
        }
        for (Thread t : cpus) {
            t.start();
        }
        int delivered = 0;
        for (int i = 0; i < 5_000; i++) {
            // Pulse only when nothing is pending: a pending edge would absorb the next one.
            while (multi.distributor().read(current, 0x204, 4) != 0) {
                Thread.yield();
            }
            multi.line(32).pulse();
            delivered++;
        }
        done.set(true);
        for (Thread t : cpus) {
            t.join(10_000);
        }
        assertEquals(delivered, taken.get(), "every latched edge acknowledged exactly once");
        assertEquals(0, multi.distributor().read(current, 0x304, 4), "nothing left active");
    }

    @Test
    void sgiConfigurationIsFixedEdge() {
        dist.write(current, 0xC00, 4, 0);
        assertEquals(0xAAAA_AAAAL, dist.read(current, 0xC00, 4));
        dist.write(current, 0xC04, 4, 0);
        assertEquals(0, dist.read(current, 0xC04, 4));
    }

    @Test
    void uniprocessorTargetsReadAsZero() {
        RecordingLine pin = new RecordingLine();
        GicV2 up = new GicV2(32, new IrqLine[] {pin});
        assertEquals(0, up.distributor().read(current, 0x800, 4));
        up.distributor().write(current, 0x000, 4, 1);
        up.cpuInterface().write(current, 0x00, 4, 1);
        up.cpuInterface().write(current, 0x04, 4, 0xF0);
        up.distributor().write(current, 0x104, 4, 1);
        up.line(32).set(true);
        assertTrue(pin.level(), "SPIs reach the only CPU without programming targets");
        assertThrows(IllegalArgumentException.class, () -> new GicV2(32, new IrqLine[9]));
    }

    @Test
    void randomAccessesNeverThrow() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            int size = 1 << random.nextInt(4);
            current = random.nextInt(3) - 1 + 1;
            BusDevice target = random.nextBoolean() ? dist : cpuIf;
            long limit = target == dist ? GicV2.DISTRIBUTOR_SIZE : GicV2.CPU_INTERFACE_SIZE;
            long offset = random.nextLong(limit - size + 1);
            if (random.nextBoolean()) {
                target.read(current, offset, size);
            } else {
                target.write(current, offset, size, random.nextLong());
            }
            gic.line(32 + random.nextInt(96)).set(random.nextBoolean());
        }
        int logged = log.lines().size();
        assertTrue(logged > 0 && logged < 100, "bad accesses logged, rate-limited: " + logged + " lines");
    }
}
