package io.jqvm.devices.arm;

import static io.jqvm.devices.arm.GicV3.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;
import io.jqvm.device.SystemRegisterDevice;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GicV3Test {
    private final CapturedLog log = CapturedLog.start();

    @AfterEach
    void restoreLog() {
        log.close();
    }

    private static final long SGI = 0x1_0000;
    private final RecordingLine[] pins = {new RecordingLine(), new RecordingLine(), new RecordingLine()};
    private final GicV3 gic = new GicV3(64, pins);
    private final BusDevice dist = gic.distributor();
    private final BusDevice redist = gic.redistributors();
    private final SystemRegisterDevice icc = gic.cpuInterface();

    private static long rd(int cpu) {
        return cpu * GicV3.REDISTRIBUTOR_STRIDE;
    }

    private void enableCpuInterfaces() {
        dist.write(0, 0x0, 4, 0x13); // EnableGrp0 | EnableGrp1 | ARE, as Linux writes it
        for (int c = 0; c < 3; c++) {
            icc.write(c, ICC_PMR, 0xF0);
            icc.write(c, ICC_IGRPEN1, 1);
        }
    }

    private void group1AndEnable(int intid) {
        dist.write(0, 0x80 + intid / 32 * 4, 4, 0xFFFF_FFFFL);
        dist.write(0, 0x100 + intid / 32 * 4, 4, 1L << (intid % 32));
    }

    @Test
    void distributorIdentification() {
        assertEquals(96, gic.lineCount());
        long typer = dist.read(0, 0x4, 4);
        assertEquals(2, typer & 0x1F, "ITLinesNumber: 96 lines");
        assertEquals(9, (typer >> 19) & 0x1F, "10 INTID bits");
        assertEquals(0x50, dist.read(0, 0x0, 4), "ARE and DS read as one");
        assertEquals(3, dist.read(0, 0xFFE8, 4) >> 4, "PIDR2 architecture revision 3");
        assertEquals(GicV3.IIDR, dist.read(0, 0x8, 4));
        assertEquals(0x0D, dist.read(0, 0xFFF0, 4));
    }

    @Test
    void redistributorTyperAndWaker() {
        assertEquals(0L, redist.read(0, rd(0) + 8, 8) >>> 32, "CPU 0 affinity");
        assertEquals(2L, redist.read(0, rd(2) + 8, 8) >>> 32);
        assertEquals(2L << 8 | 1 << 4, redist.read(0, rd(2) + 8, 4), "processor number and Last");
        assertEquals(1L << 8, redist.read(0, rd(1) + 8, 4), "not the last");
        assertEquals(1L, redist.read(0, rd(1) + 0xC, 4));
        assertEquals(6, redist.read(0, rd(1) + 0x14, 4), "asleep after reset");
        redist.write(0, rd(1) + 0x14, 4, 0);
        assertEquals(0, redist.read(0, rd(1) + 0x14, 4), "ChildrenAsleep follows ProcessorSleep");
        assertEquals(3, redist.read(0, rd(1) + 0xFFE8, 4) >> 4);
        assertEquals(GicV3.IIDR, redist.read(0, rd(1) + 4, 4));
    }

    @Test
    void systemRegisterInterfaceIsAlwaysOn() {
        assertEquals(7, icc.read(0, ICC_SRE));
        icc.write(0, ICC_SRE, 0);
        assertEquals(7, icc.read(0, ICC_SRE));
        assertEquals(4, icc.read(0, ICC_CTLR) >> 8 & 7, "PRIbits: 5 bits");
        assertTrue(icc.claims(ICC_IAR1));
        assertTrue(icc.claims(ICC_AP0R0));
        assertFalse(icc.claims(SystemRegisterDevice.encoding(3, 0, 1, 0, 0)));
        assertEquals(SystemRegisterDevice.encoding(3, 0, 12, 12, 0), ICC_IAR1);
    }

    @Test
    void priorityMaskProbeReadsBackTheLowestImplementedBit() {
        icc.write(0, ICC_PMR, 0x08); // what Linux writes to find out whether group 0 is accessible
        assertEquals(0x08, icc.read(0, ICC_PMR));
        icc.write(0, ICC_PMR, 0xFF);
        assertEquals(0xF8, icc.read(0, ICC_PMR));
    }

    @Test
    void spiRoutedByAffinity() {
        enableCpuInterfaces();
        group1AndEnable(40);
        dist.write(0, 0x6000 + 8 * 40, 8, 2);
        assertEquals(2, dist.read(0, 0x6000 + 8 * 40, 8));
        dist.write(0, 0x6000 + 8 * 40 + 4, 4, 0xFFFF_FFFFL);
        assertEquals(0xFFL, dist.read(0, 0x6000 + 8 * 40 + 4, 4), "only Aff3 kept in the high word");
        dist.write(0, 0x6000 + 8 * 40 + 4, 4, 0);
        gic.line(40).set(true);
        assertFalse(pins[0].level());
        assertTrue(pins[2].level());
        assertEquals(40, icc.read(2, ICC_HPPIR1));
        assertEquals(40, icc.read(2, ICC_IAR1));
        assertFalse(pins[2].level());
        icc.write(2, ICC_EOIR1, 40);
        assertTrue(pins[2].level(), "level still high");
        gic.line(40).set(false);
        assertFalse(pins[2].level());
    }

    @Test
    void anyCpuRoutingOffersTheSpiToAll() {
        enableCpuInterfaces();
        group1AndEnable(50);
        dist.write(0, 0x6000 + 8 * 50, 4, 1L << 31);
        dist.write(0, 0xC0C, 4, 2L << ((50 - 48) * 2)); // edge
        gic.line(50).pulse();
        for (RecordingLine pin : pins) {
            assertTrue(pin.level());
        }
        assertEquals(50, icc.read(1, ICC_IAR1));
        assertEquals(1023, icc.read(0, ICC_IAR1));
    }

    @Test
    void group0IsNeverSignalled() {
        enableCpuInterfaces();
        dist.write(0, 0x104, 4, 1); // INTID 32 enabled, left in group 0
        dist.write(0, 0x204, 4, 1);
        assertFalse(pins[0].level());
        assertEquals(1023, icc.read(0, ICC_IAR0));
        assertEquals(1023, icc.read(0, ICC_IAR1));
        assertEquals(1023, icc.read(0, ICC_HPPIR0));
    }

    @Test
    void distributorEnableGatesGroup1() {
        enableCpuInterfaces();
        group1AndEnable(33);
        dist.write(0, 0x204, 4, 2);
        assertTrue(pins[0].level());
        dist.write(0, 0x0, 4, 0x10);
        assertEquals(0x50, dist.read(0, 0x0, 4));
        assertFalse(pins[0].level());
        icc.write(0, ICC_IGRPEN1, 0);
        dist.write(0, 0x0, 4, 0x12);
        assertFalse(pins[0].level());
        assertEquals(0, icc.read(0, ICC_IGRPEN1));
        icc.write(0, ICC_IGRPEN1, 1);
        assertTrue(pins[0].level());
    }

    @Test
    void bankedInterruptsLiveInTheRedistributors() {
        enableCpuInterfaces();
        redist.write(0, rd(1) + SGI + 0x80, 4, 0xFFFF_FFFFL);
        redist.write(0, rd(1) + SGI + 0x100, 4, 1L << 27);
        assertEquals(1L << 27, redist.read(0, rd(1) + SGI + 0x100, 4));
        assertEquals(0, redist.read(0, rd(0) + SGI + 0x100, 4));
        redist.write(0, rd(1) + SGI + 0x41B, 1, 0xA0);
        assertEquals(0xA0, redist.read(0, rd(1) + SGI + 0x41B, 1));
        redist.write(0, rd(1) + SGI + 0xC04, 4, 0); // PPIs level
        assertEquals(0, redist.read(0, rd(1) + SGI + 0xC04, 4));
        assertEquals(0xAAAA_AAAAL, redist.read(0, rd(1) + SGI + 0xC00, 4), "SGIs are edge");
        gic.ppi(1, 27).set(true);
        assertTrue(pins[1].level());
        assertEquals(1L << 27, redist.read(0, rd(1) + SGI + 0x200, 4));
        assertEquals(27, icc.read(1, ICC_IAR1));
        assertEquals(0xA0, icc.read(1, ICC_RPR));
        assertEquals(1L << (0xA0 >> 3), icc.read(1, ICC_AP1R0));
        assertEquals(1L << 27, redist.read(0, rd(1) + SGI + 0x300, 4));
        icc.write(1, ICC_EOIR1, 27);
        assertEquals(0xFF, icc.read(1, ICC_RPR));
        assertEquals(0, redist.read(0, rd(1) + SGI + 0x300, 4));
        redist.write(0, rd(1) + SGI + 0x180, 4, 1L << 27);
        assertFalse(pins[1].level());
        assertEquals(0, dist.read(0, 0x100, 4), "distributor copy of the banked word is RAZ");
        redist.write(0, rd(0) + SGI + 0x100, 4, 1L << 20);
        redist.write(0, rd(0) + SGI + 0x80, 4, 0xFFFF_FFFFL);
        assertEquals(0, dist.read(0, 0x100, 4), "even where CPU 0 has an enabled PPI");
        dist.write(0, 0x180, 4, 0xFFFF_FFFFL);
        dist.write(0, 0x080, 4, 0);
        assertEquals(1L << 20, redist.read(0, rd(0) + SGI + 0x100, 4), "and ignores writes");
        assertEquals(0xFFFF_FFFFL, redist.read(0, rd(0) + SGI + 0x80, 4));
    }

    @Test
    void sgiTargetListAndBroadcast() {
        enableCpuInterfaces();
        for (int c = 0; c < 3; c++) {
            redist.write(0, rd(c) + SGI + 0x80, 4, 0xFFFF_FFFFL);
            redist.write(0, rd(c) + SGI + 0x100, 4, 0xFFFF);
        }
        icc.write(0, ICC_SGI1R, (3L << 24) | 0b110);
        assertFalse(pins[0].level());
        assertTrue(pins[1].level());
        assertTrue(pins[2].level());
        assertEquals(3, icc.read(1, ICC_IAR1), "no source bits in GICv3");
        icc.write(1, ICC_EOIR1, 3);
        assertEquals(3, icc.read(2, ICC_IAR1));
        icc.write(2, ICC_EOIR1, 3);
        icc.write(2, ICC_SGI1R, (1L << 40) | (9L << 24));
        assertTrue(pins[0].level());
        assertTrue(pins[1].level());
        assertFalse(pins[2].level());
        icc.write(0, ICC_SGI1R, (1L << 16) | 1); // Aff1 = 1: no such CPU
        assertEquals(1L << 9, redist.read(0, rd(0) + SGI + 0x200, 4));
        redist.write(0, rd(0) + SGI + 0x280, 4, 1L << 9);
        assertEquals(0, redist.read(0, rd(0) + SGI + 0x200, 4), "SGI pending cleared through ICPENDR0");
    }

    @Test
    void cpusBeyondSixteenAreReachedThroughAff1() {
        RecordingLine[] many = new RecordingLine[20];
        for (int i = 0; i < many.length; i++) {
            many[i] = new RecordingLine();
        }
        GicV3 big = new GicV3(32, many);
        assertEquals(0x101L, big.redistributors().read(0, 17 * GicV3.REDISTRIBUTOR_STRIDE + 8, 8) >>> 32);
        big.distributor().write(0, 0x0, 4, 0x12);
        big.redistributors().write(0, 17 * GicV3.REDISTRIBUTOR_STRIDE + SGI + 0x80, 4, 0xFFFF_FFFFL);
        big.redistributors().write(0, 17 * GicV3.REDISTRIBUTOR_STRIDE + SGI + 0x100, 4, 0xFFFF);
        big.cpuInterface().write(17, ICC_PMR, 0xF0);
        big.cpuInterface().write(17, ICC_IGRPEN1, 1);
        big.cpuInterface().write(0, ICC_SGI1R, (1L << 16) | (4L << 24) | (1 << 1)); // Aff1 = 1, CPU Aff0 1
        assertTrue(many[17].level());
        assertFalse(many[1].level());
        assertEquals(4, big.cpuInterface().read(17, ICC_IAR1));
        big.distributor().write(0, 0x6000 + 8 * 32, 8, 0x103); // SPI 32 to CPU 19
        big.distributor().write(0, 0x104, 4, 1);
        big.distributor().write(0, 0x84, 4, 1);
        big.cpuInterface().write(19, ICC_PMR, 0xF0);
        big.cpuInterface().write(19, ICC_IGRPEN1, 1);
        big.line(32).set(true);
        assertTrue(many[19].level());
    }

    @Test
    void splitEoiAndDeactivate() {
        enableCpuInterfaces();
        icc.write(0, ICC_CTLR, 2);
        assertEquals(2, icc.read(0, ICC_CTLR) & 2);
        group1AndEnable(33);
        dist.write(0, 0x204, 4, 2);
        assertEquals(33, icc.read(0, ICC_IAR1));
        icc.write(0, ICC_EOIR1, 33);
        assertEquals(2, dist.read(0, 0x304, 4));
        icc.write(0, ICC_DIR, 33);
        assertEquals(0, dist.read(0, 0x304, 4));
    }

    @Test
    void binaryPointsClampToTheImplementedPriorityBits() {
        icc.write(0, ICC_BPR1, 0);
        assertEquals(3, icc.read(0, ICC_BPR1));
        icc.write(0, ICC_BPR0, 0);
        assertEquals(2, icc.read(0, ICC_BPR0));
        icc.write(0, ICC_AP0R0, 0);
        assertEquals(0, icc.read(0, ICC_AP0R0));
    }

    @Test
    void randomAccessesNeverThrow() {
        Random random = new Random(3);
        int[] encodings = {ICC_PMR, ICC_IAR0, ICC_EOIR0, ICC_HPPIR0, ICC_BPR0, ICC_AP0R0, ICC_AP1R0, ICC_DIR, ICC_RPR,
            ICC_SGI1R, ICC_ASGI1R, ICC_SGI0R, ICC_IAR1, ICC_EOIR1, ICC_HPPIR1, ICC_BPR1, ICC_CTLR, ICC_SRE,
            ICC_IGRPEN0, ICC_IGRPEN1};
        for (int i = 0; i < 30_000; i++) {
            int size = 1 << random.nextInt(4);
            int which = random.nextInt(3);
            if (which == 2) {
                int cpu = random.nextInt(3);
                int enc = encodings[random.nextInt(encodings.length)];
                if (random.nextBoolean()) {
                    icc.read(cpu, enc);
                } else {
                    icc.write(cpu, enc, random.nextLong());
                }
                continue;
            }
            BusDevice target = which == 0 ? dist : redist;
            long limit = which == 0 ? GicV3.DISTRIBUTOR_SIZE : gic.redistributorsSize();
            long offset = random.nextLong(limit - size + 1);
            if (random.nextBoolean()) {
                target.read(0, offset, size);
            } else {
                target.write(0, offset, size, random.nextLong());
            }
            gic.line(32 + random.nextInt(64)).set(random.nextBoolean());
        }
        int logged = log.lines().size();
        assertTrue(logged > 0 && logged < 100, "bad accesses logged, rate-limited: " + logged + " lines");
    }

    @Test
    void linesAreSpisAndCpuZeroPpis() {
        IrqLine ppi = gic.line(27);
        enableCpuInterfaces();
        redist.write(0, rd(0) + SGI + 0x80, 4, 0xFFFF_FFFFL);
        redist.write(0, rd(0) + SGI + 0x100, 4, 1L << 27);
        ppi.set(true);
        assertTrue(pins[0].level());
    }
}
