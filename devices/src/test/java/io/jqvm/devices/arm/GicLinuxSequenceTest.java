package io.jqvm.devices.arm;

import io.jqvm.common.Mpidr;
import static io.jqvm.devices.arm.GicV3.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;
import io.jqvm.device.SystemRegisterDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The register sequences Linux 6.1's irq-gic.c and irq-gic-v3.c run at boot (probe, distributor and CPU
 * interface set-up, a level-triggered timer PPI, a UART SPI, an IPI), replayed against the models: what
 * the guest kernel will do first, so a mismatch shows here rather than as a silent boot hang.
 */
class GicLinuxSequenceTest {
    private final CapturedLog log = CapturedLog.start();

    @AfterEach
    void restoreLog() {
        log.close();
    }

    private int current;

    @Test
    void gicV2BootSequence() {
        RecordingLine[] pins = {new RecordingLine(), new RecordingLine()};
        GicV2 gic = new GicV2(96, pins);
        BusDevice d = gic.distributor();
        BusDevice c = gic.cpuInterface();

        // gic_init_bases / gic_dist_init
        int irqs = (int) Math.min(1020, ((d.read(current, 0x004, 4) & 0x1F) + 1) * 32);
        assertEquals(128, irqs);
        d.write(current, 0x000, 4, 0);
        long mask = 0;
        for (int i = 0; i < 32 && mask == 0; i += 4) {
            mask = d.read(current, 0x800 + i, 4);
            mask |= mask >> 16;
            mask |= mask >> 8;
        }
        assertEquals(1, mask & 0xFF, "gic_get_cpumask finds CPU 0");
        long cpumask = (mask & 0xFF) * 0x0101_0101L;
        for (int i = 32; i < irqs; i += 4) {
            d.write(current, 0x800 + i, 4, cpumask);
        }
        for (int i = 32; i < irqs; i += 16) {
            d.write(current, 0xC00 + i / 4, 4, 0); // all level-triggered
        }
        for (int i = 32; i < irqs; i += 4) {
            d.write(current, 0x400 + i, 4, 0xA0A0_A0A0L);
        }
        for (int i = 32; i < irqs; i += 32) {
            d.write(current, 0x380 + i / 8, 4, 0xFFFF_FFFFL);
            d.write(current, 0x180 + i / 8, 4, 0xFFFF_FFFFL);
        }
        d.write(current, 0x000, 4, 1);

        // gic_cpu_init on each CPU
        for (int cpu = 0; cpu < 2; cpu++) {
            current = cpu;
            d.write(current, 0x380, 4, 0xFFFF_FFFFL);
            d.write(current, 0x180, 4, 0xFFFF_0000L);
            d.write(current, 0x100, 4, 0x0000_FFFFL);
            for (int i = 0; i < 32; i += 4) {
                d.write(current, 0x400 + i, 4, 0xA0A0_A0A0L);
            }
            c.write(current, 0x04, 4, 0xF0);
            long bypass = c.read(current, 0x00, 4) & 0x1E0;
            c.write(current, 0x00, 4, bypass | 1);
        }
        current = 0;

        // arch timer: virtual timer PPI 27, level, enabled on CPU 0
        long cfg = d.read(current, 0xC04, 4);
        d.write(current, 0xC04, 4, cfg & ~(2L << ((27 - 16) * 2)));
        assertEquals(0, d.read(current, 0xC04, 4) & (2L << ((27 - 16) * 2)), "PPI configuration reads back");
        d.write(current, 0x100, 4, 1L << 27);
        gic.ppi(0, 27).set(true);
        assertTrue(pins[0].level());
        long iar = c.read(current, 0x0C, 4);
        assertEquals(27, iar & 0x3FF);
        gic.ppi(0, 27).set(false); // the handler reprograms the timer
        c.write(current, 0x10, 4, iar);
        assertFalse(pins[0].level());

        // pl011 on SPI 1 (INTID 33): gic_set_affinity byte write, enable, interrupt, EOI
        d.write(current, 0x800 + 33, 1, 1);
        d.write(current, 0x104, 4, 1L << 1);
        gic.line(33).set(true);
        assertEquals(33, c.read(current, 0x0C, 4));
        gic.line(33).set(false);
        c.write(current, 0x10, 4, 33);
        assertEquals(1023, c.read(current, 0x0C, 4));

        // IPI from CPU 0 to CPU 1 (SGI 1), acknowledged with the source in the IAR
        d.write(current, 0xF00, 4, (2L << 16) | 1);
        current = 1;
        assertTrue(pins[1].level());
        iar = c.read(current, 0x0C, 4);
        assertEquals(1, iar & 0x3FF);
        assertEquals(0, (iar >> 10) & 7, "sent by CPU 0");
        c.write(current, 0x10, 4, iar);
        assertFalse(pins[1].level());
    }

    @Test
    void gicV3BootSequence() {
        RecordingLine[] pins = {new RecordingLine(), new RecordingLine()};
        GicV3 gic = new GicV3(96, pins);
        BusDevice d = gic.distributor();
        BusDevice r = gic.redistributors();
        SystemRegisterDevice icc = gic.cpuInterface();

        // gic_init_bases: probe
        assertEquals(3, (d.read(current, 0xFFE8, 4) >> 4) & 0xF);
        long typer = d.read(current, 0x004, 4);
        int irqs = (int) Math.min(1020, ((typer & 0x1F) + 1) * 32);
        assertTrue((d.read(current, 0x000, 4) & (1 << 6)) != 0, "security disabled (DS)");

        // gic_dist_init
        d.write(current, 0x000, 4, 0);
        assertEquals(0, d.read(current, 0x000, 4) & (1L << 31), "RWP clear");
        for (int i = 32; i < irqs; i += 32) {
            d.write(current, 0x080 + i / 8, 4, 0xFFFF_FFFFL);
        }
        for (int i = 32; i < irqs; i += 16) {
            d.write(current, 0xC00 + i / 4, 4, 0);
        }
        for (int i = 32; i < irqs; i += 4) {
            d.write(current, 0x400 + i, 4, 0xA0A0_A0A0L);
        }
        for (int i = 32; i < irqs; i += 32) {
            d.write(current, 0x380 + i / 8, 4, 0xFFFF_FFFFL);
            d.write(current, 0x180 + i / 8, 4, 0xFFFF_FFFFL);
        }
        d.write(current, 0x000, 4, (1 << 4) | 2 | 1); // ARE_NS, EnableGrp1A, EnableGrp1
        for (int i = 32; i < irqs; i++) {
            d.write(current, 0x6000 + 8L * i, 8, 0); // route to CPU 0
        }

        for (int cpu = 0; cpu < 2; cpu++) {
            // gic_populate_rdist: walk the frames until ours
            long frame = 0;
            while (true) {
                assertEquals(3, (r.read(current, frame + 0xFFE8, 4) >> 4) & 0xF);
                long t = r.read(current, frame + 0x8, 8);
                if ((t >>> 32) == Mpidr.affinity(cpu)) {
                    break;
                }
                assertEquals(0, t & (1 << 4), "not the last before finding CPU " + cpu);
                frame += 0x2_0000;
            }
            // gic_enable_redist
            r.write(current, frame + 0x14, 4, r.read(current, frame + 0x14, 4) & ~2L);
            assertEquals(0, r.read(current, frame + 0x14, 4) & 4, "children awake");
            // gic_cpu_init
            r.write(current, frame + 0x1_0080, 4, 0xFFFF_FFFFL);
            r.write(current, frame + 0x1_0380, 4, 0xFFFF_FFFFL);
            r.write(current, frame + 0x1_0180, 4, 0xFFFF_0000L);
            r.write(current, frame + 0x1_0100, 4, 0x0000_FFFFL);
            for (int i = 0; i < 32; i += 4) {
                r.write(current, frame + 0x1_0400 + i, 4, 0xA0A0_A0A0L);
            }
            // gic_cpu_sys_reg_init
            icc.write(cpu, ICC_SRE, icc.read(cpu, ICC_SRE) | 1);
            assertEquals(1, icc.read(cpu, ICC_SRE) & 1);
            int pribits = (int) ((icc.read(cpu, ICC_CTLR) >> 8) & 7) + 1;
            icc.write(cpu, ICC_PMR, 1L << (8 - pribits));
            boolean group0 = icc.read(cpu, ICC_PMR) != 0;
            icc.write(cpu, ICC_PMR, 0xF0);
            icc.write(cpu, ICC_BPR1, 0);
            icc.write(cpu, ICC_CTLR, 0);
            if (group0) {
                icc.write(cpu, ICC_AP0R0, 0);
            }
            icc.write(cpu, ICC_AP1R0, 0);
            icc.write(cpu, ICC_IGRPEN1, 1);
        }

        // virtual timer on CPU 1
        r.write(current, 0x2_0000 + 0x1_0C04, 4, 0);
        r.write(current, 0x2_0000 + 0x1_0100, 4, 1L << 27);
        gic.ppi(1, 27).set(true);
        assertTrue(pins[1].level());
        assertEquals(27, icc.read(1, ICC_IAR1));
        gic.ppi(1, 27).set(false);
        icc.write(1, ICC_EOIR1, 27);
        assertFalse(pins[1].level());

        // pl011 SPI routed to CPU 1 by gic_set_affinity
        d.write(current, 0x6000 + 8L * 33, 8, Mpidr.affinity(1));
        d.write(current, 0x104, 4, 1L << 1);
        gic.line(33).set(true);
        assertFalse(pins[0].level());
        assertEquals(33, icc.read(1, ICC_IAR1));
        gic.line(33).set(false);
        icc.write(1, ICC_EOIR1, 33);

        // IPI (SGI 2) from CPU 1 to CPU 0: gic_send_sgi with target list bit 0, Aff1..3 = 0
        icc.write(1, ICC_SGI1R, (2L << 24) | 1);
        assertTrue(pins[0].level());
        assertEquals(2, icc.read(0, ICC_IAR1));
        icc.write(0, ICC_EOIR1, 2);
        assertEquals(1023, icc.read(0, ICC_IAR1));
        assertEquals(0xFF, icc.read(0, ICC_RPR));
    }

    @Test
    void wiredNothingIsSignalledBeforeLinuxEnablesIt() {
        RecordingLine pin = new RecordingLine();
        GicV2 gic = new GicV2(32, new IrqLine[] {pin});
        gic.line(40).set(true);
        gic.ppi(0, 27).set(true);
        assertFalse(pin.level(), "reset state: everything disabled, both interfaces off");
    }
}
