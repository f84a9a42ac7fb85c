package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The debug registers' matching rules, apart from the CPU (the corpus program {@code debug} checks the whole). */
class SelfHostedDebugTest {
    private static final long E = 1;
    private static final long EL1 = 1 << 1;
    private static final long EL0 = 1 << 2;
    private static final long LOAD = 1 << 3;
    private static final long STORE = 2 << 3;

    private final SelfHostedDebug debug = new SelfHostedDebug();

    private static int bvr(int n) {
        return 2 << 14 | n << 3 | 4;
    }

    private static int bcr(int n) {
        return 2 << 14 | n << 3 | 5;
    }

    private static int wvr(int n) {
        return 2 << 14 | n << 3 | 6;
    }

    private static int wcr(int n) {
        return 2 << 14 | n << 3 | 7;
    }

    @BeforeEach
    void unlockAndEnable() {
        debug.reset();
        debug.write(SysReg.OSLAR_EL1, 0);
        debug.write(SysReg.MDSCR_EL1, SelfHostedDebug.MDSCR_MDE | SelfHostedDebug.MDSCR_KDE);
    }

    @Test
    void resetLocksTheOsLockWhichDisablesDebugExceptions() {
        debug.reset();
        assertEquals(0b1010, debug.read(SysReg.OSLSR_EL1));
        assertFalse(debug.enabledFrom(0, false));
        debug.write(SysReg.OSLAR_EL1, 0);
        assertEquals(0b1000, debug.read(SysReg.OSLSR_EL1));
        assertTrue(debug.enabledFrom(0, true), "from EL0 always (the target EL1 is higher)");
        assertFalse(debug.enabledFrom(1, false), "from EL1 only with KDE");
        debug.write(SysReg.MDSCR_EL1, SelfHostedDebug.MDSCR_KDE);
        assertTrue(debug.enabledFrom(1, false));
        assertFalse(debug.enabledFrom(1, true), "PSTATE.D masks them at EL1");
        debug.write(SysReg.OSDLR_EL1, 1);
        assertFalse(debug.enabledFrom(0, false), "the OS double lock");
    }

    @Test
    void breakpointMatchesItsAddressAtTheSelectedLevels() {
        debug.write(bvr(3), 0x4000_1000L);
        debug.write(bcr(3), E | EL1 | 0xF << 5);
        assertTrue(debug.breakpointsEnabled());
        assertTrue(debug.breakpointAt(0x4000_1000L, 1, 0));
        assertFalse(debug.breakpointAt(0x4000_1004L, 1, 0));
        assertFalse(debug.breakpointAt(0x4000_1000L, 0, 0), "PMC selects EL1 only");
        debug.write(SysReg.MDSCR_EL1, SelfHostedDebug.MDSCR_KDE);
        assertFalse(debug.breakpointsEnabled(), "MDE clear: none can fire");
    }

    @Test
    void breakpointAddressIsSignExtendedFromBit48() {
        debug.write(bvr(0), 0x0001_FFFF_F000_0000L);
        debug.write(bcr(0), E | EL1 | EL0 | 0xF << 5);
        assertTrue(debug.breakpointAt(0xFFFF_FFFF_F000_0000L, 1, 0));
    }

    @Test
    void linkedBreakpointNeedsItsContextBreakpointToMatch() {
        debug.write(bvr(4), 0x42);
        debug.write(bcr(4), E | EL1 | 0xF << 5 | 3L << 20);
        debug.write(bvr(0), 0x8000L);
        debug.write(bcr(0), E | EL1 | 0xF << 5 | 1L << 20 | 4L << 16);
        assertTrue(debug.breakpointAt(0x8000L, 1, 0x42));
        assertFalse(debug.breakpointAt(0x8000L, 1, 0x43));
        assertFalse(debug.breakpointAt(0x8004L, 1, 0x42), "the linked context breakpoint alone never fires");
    }

    @Test
    void contextIdBreakpointOnlyOnContextAwareNumbers() {
        debug.write(bvr(5), 0x77);
        debug.write(bcr(5), E | EL1 | EL0 | 0xF << 5 | 2L << 20);
        assertTrue(debug.breakpointAt(0x1234L, 0, 0x77));
        assertFalse(debug.breakpointAt(0x1234L, 0, 0x78));
        debug.write(bcr(5), 0);
        debug.write(bvr(0), 0x77);
        debug.write(bcr(0), E | EL1 | EL0 | 0xF << 5 | 2L << 20);
        assertFalse(debug.breakpointAt(0x1234L, 0, 0x77), "breakpoint 0 is not context-aware");
    }

    @Test
    void watchpointBasSelectsBytesAndReportsTheFirstWatchedByte() {
        debug.write(wvr(1), 0x1000L);
        debug.write(wcr(1), E | EL1 | LOAD | 0x30L << 5); // bytes 4 and 5
        assertTrue(debug.watchpointsEnabled());
        assertEquals(0x1004L, debug.watchpointHit(0x1000L, 8, false, 1, 0));
        assertEquals(0x1005L, debug.watchpointHit(0x1005L, 1, false, 1, 0));
        assertEquals(-1, debug.watchpointHit(0x1006L, 2, false, 1, 0));
        assertEquals(-1, debug.watchpointHit(0x1000L, 4, false, 1, 0));
        assertEquals(-1, debug.watchpointHit(0x1004L, 4, true, 1, 0), "LSC: loads only");
        assertEquals(-1, debug.watchpointHit(0x1004L, 4, false, 0, 0), "PAC: EL1 only");
    }

    @Test
    void watchpointWithWordAlignedAddressUsesTheLowBasBitsAndOnlyTheFirstRun() {
        debug.write(wvr(0), 0x2004L);
        debug.write(wcr(0), E | EL1 | LOAD | 0x36L << 5); // BAS[3:0] = 0b0110: bytes 5 and 6
        assertEquals(-1, debug.watchpointHit(0x2004L, 1, false, 1, 0));
        assertEquals(0x2005L, debug.watchpointHit(0x2005L, 1, false, 1, 0));
        assertEquals(0x2006L, debug.watchpointHit(0x2006L, 1, false, 1, 0));
        assertEquals(-1, debug.watchpointHit(0x2007L, 1, false, 1, 0));
        debug.write(wvr(0), 0x2000L);
        debug.write(wcr(0), E | EL1 | LOAD | 0x0BL << 5); // 0b1011: the first run, bytes 0 and 1
        assertEquals(0x2001L, debug.watchpointHit(0x2001L, 1, false, 1, 0));
        assertEquals(-1, debug.watchpointHit(0x2003L, 1, false, 1, 0));
    }

    @Test
    void watchpointMaskCoversAnAlignedPowerOfTwo() {
        debug.write(wvr(2), 0x3040L);
        debug.write(wcr(2), E | EL1 | LOAD | STORE | 0xFFL << 5 | 6L << 24);
        assertEquals(0x3040L, debug.watchpointHit(0x3040L, 1, true, 1, 0));
        assertEquals(0x307FL, debug.watchpointHit(0x307FL, 1, false, 1, 0));
        assertEquals(-1, debug.watchpointHit(0x3080L, 1, false, 1, 0));
        assertEquals(-1, debug.watchpointHit(0x303FL, 1, false, 1, 0));
        debug.write(wcr(2), E | EL1 | LOAD | 0xFFL << 5 | 1L << 24);
        assertFalse(debug.watchpointsEnabled(), "MASK 1 is reserved: the watchpoint never fires");
    }

    @Test
    void randomRegisterWritesNeverThrowAndOnlyClaimedRegistersAreHandled() {
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            int key = 2 << 14 | random.nextInt(1 << 14) & ~(7 << 11); // op0 = 2, op1 = 0
            if (SelfHostedDebug.claims(key)) {
                debug.write(key, random.nextLong());
                debug.read(key);
            }
            debug.breakpointAt(random.nextLong(), random.nextInt(2), random.nextInt(4));
            debug.watchpointHit(random.nextLong() & 0xFFFF, 1 << random.nextInt(4), random.nextBoolean(),
                    random.nextInt(2), 0);
        }
        assertFalse(SelfHostedDebug.claims(2 << 14 | 6 << 3 | 4), "DBGBVR6 does not exist");
        assertFalse(SelfHostedDebug.claims(2 << 14 | 4 << 3 | 6), "nor DBGWVR4");
    }
}
