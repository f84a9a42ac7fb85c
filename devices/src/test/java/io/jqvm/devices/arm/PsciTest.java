package io.jqvm.devices.arm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jqvm.common.ExitStatus;
import io.jqvm.device.VmControl;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PsciTest {
    private final CapturedLog log = CapturedLog.start();

    @AfterEach
    void restoreLog() {
        log.close();
    }

    private final List<String> powered = new ArrayList<>();
    private String shutdown;
    private String reset;
    private boolean acceptEntry = true;
    private final Psci psci = new Psci(4, (cpu, entry, ctx) -> {
        powered.add(cpu + "@" + Long.toHexString(entry) + "/" + ctx);
        return acceptEntry;
    }, new VmControl() {
        @Override
        public void shutdown(ExitStatus status, String reason) {
            shutdown = status + ": " + reason;
        }

        @Override
        public void reset(String reason) {
            reset = reason;
        }
    });

    private long[] call(int cpu, long fn, long a1, long a2, long a3, Psci.Outcome expected) {
        long[] x = {fn, a1, a2, a3};
        assertEquals(expected, psci.call(cpu, x));
        return x;
    }

    private long result(long fn, long a1, long a2, long a3) {
        return call(0, fn, a1, a2, a3, Psci.Outcome.RESUME)[0];
    }

    @Test
    void versionIsOnePointOne() {
        assertEquals(0x10001, result(0x8400_0000L, 0, 0, 0));
    }

    @Test
    void featuresListsImplementedFunctions() {
        assertEquals(0, result(0x8400_000AL, 0x8400_0000L, 0, 0));
        assertEquals(0, result(0x8400_000AL, 0xC400_0003L, 0, 0));
        assertEquals(0, result(0x8400_000AL, 0x8400_0003L, 0, 0));
        assertEquals(0, result(0x8400_000AL, 0x8400_0008L, 0, 0));
        assertEquals(-1L, result(0x8400_000AL, 0x8400_0001L, 0, 0), "CPU_SUSPEND not supported");
        assertEquals(-1L, result(0x8400_000AL, 0x8000_0000L, 0, 0), "SMCCC_VERSION not supported");
        assertEquals(-1L, result(0x8400_000AL, 0xC400_0008L, 0, 0), "no SMC64 SYSTEM_OFF");
    }

    @Test
    void cpuOnStartsAnOffCpuOnce() {
        assertEquals(0, result(0xC400_0003L, 0x2, 0x4008_0000L, 0x1234));
        assertEquals(List.of("2@40080000/4660"), powered);
        assertEquals(-4, result(0xC400_0003L, 0x2, 0x4008_0000L, 0));
        assertEquals(-4, result(0xC400_0003L, 0x0, 0x4008_0000L, 0), "the boot CPU is on");
        assertEquals(0, result(0xC400_0004L, 0x2, 0, 0), "AFFINITY_INFO: on");
        assertEquals(1, result(0xC400_0004L, 0x3, 0, 0), "AFFINITY_INFO: off");
    }

    @Test
    void cpuOnSmc32TruncatesArguments() {
        assertEquals(0, result(0x8400_0003L, 0xFFFF_FFFF_0000_0001L, 0xAAAA_AAAA_4000_0000L, 0));
        assertEquals(List.of("1@40000000/0"), powered);
    }

    @Test
    void cpuOnRejectsUnknownTargetsAndBadEntries() {
        assertEquals(-2, result(0xC400_0003L, 0x4, 0x4000_0000L, 0), "no CPU 4");
        assertEquals(-2, result(0xC400_0003L, 0x1_0000_0001L, 0x4000_0000L, 0), "Aff3 set");
        assertEquals(-2, result(0xC400_0003L, 0x8000_0001L, 0x4000_0000L, 0), "non-affinity bits set");
        acceptEntry = false;
        assertEquals(-9, result(0xC400_0003L, 0x1, 0x10, 0));
        assertEquals(1, result(0xC400_0004L, 0x1, 0, 0), "still off");
    }

    @Test
    void aCpuThatTurnsItselfOffDuringPowerOnStaysOff() {
        Psci[] self = new Psci[1];
        self[0] = new Psci(2, (cpu, entry, ctx) -> {
            assertEquals(2L, affinity(self[0], cpu), "pending while the CPU starts");
            self[0].call(cpu, new long[] {0x8400_0002L, 0, 0, 0}); // the new CPU runs CPU_OFF at once
            return true;
        }, new VmControl() {
            @Override
            public void shutdown(ExitStatus status, String reason) {
            }

            @Override
            public void reset(String reason) {
            }
        });
        long[] x = {0xC400_0003L, 1, 0x4000_0000L, 0};
        self[0].call(0, x);
        assertEquals(0, x[0]);
        assertEquals(1L, affinity(self[0], 1), "off, not overwritten to on");
    }

    private static long affinity(Psci p, int cpu) {
        long[] x = {0xC400_0004L, cpu, 0, 0};
        p.call(0, x);
        return x[0];
    }

    @Test
    void cpuOffStopsTheCaller() {
        result(0xC400_0003L, 1, 0x4000_0000L, 0);
        call(1, 0x8400_0002L, 0, 0, 0, Psci.Outcome.CPU_OFF);
        assertEquals(1, result(0xC400_0004L, 1, 0, 0));
        assertEquals(0, result(0xC400_0003L, 1, 0x4000_0000L, 0), "can be turned on again");
    }

    @Test
    void affinityInfoOnlyAtLevelZero() {
        assertEquals(-2, result(0xC400_0004L, 0, 1, 0));
        assertEquals(0, result(0x8400_0004L, 0, 0, 0));
    }

    @Test
    void migrateInfoTypeSaysNoTrustedOs() {
        assertEquals(2, result(0x8400_0006L, 0, 0, 0));
    }

    @Test
    void systemOffAndResetGoToTheVm() {
        call(0, 0x8400_0008L, 0, 0, 0, Psci.Outcome.STOP);
        assertEquals("NORMAL: guest requested PSCI SYSTEM_OFF", shutdown);
        assertNull(reset);
        call(0, 0x8400_0009L, 0, 0, 0, Psci.Outcome.STOP);
        assertEquals("guest requested PSCI SYSTEM_RESET", reset);
    }

    @Test
    void everythingElseIsNotSupported() {
        assertEquals(-1L, result(0x8400_0001L, 0, 0, 0), "CPU_SUSPEND");
        assertEquals(-1L, result(0x8000_0000L, 0, 0, 0), "SMCCC_VERSION");
        assertEquals(-1, result(0xC400_0000L, 0, 0, 0), "SMC64 VERSION");
        assertEquals(-1, result(0x1_8400_0000L, 0, 0, 0), "not a 32-bit function id");
        assertEquals(-1, result(0xC400_0001L, 0, 0, 0));
    }
}
