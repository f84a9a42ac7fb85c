package io.jqvm.cpu.a64;

import java.util.Arrays;

/**
 * The self-hosted debug registers of one vCPU (ARMv8.0, no EL2/EL3): breakpoints, watchpoints, MDSCR_EL1 and
 * the OS lock, and the matching rules the CPU asks about. The CPU owns PSTATE.D, PSTATE.SS and the exceptions.
 *
 * <p>Breakpoints: BT 0 (address), 1 (address linked to a context breakpoint), 2 (context ID) and 3 (linked
 * context ID, matched only through a link); PMC selects EL1 and/or EL0. Watchpoints: LSC, PAC, BAS (one
 * contiguous run of bytes, as QEMU) or MASK, optionally linked to a context breakpoint.
 */
final class SelfHostedDebug {
    static final long MDSCR_SS = 1L;
    static final long MDSCR_KDE = 1L << 13;
    static final long MDSCR_MDE = 1L << 15;
    /** The writable MDSCR_EL1 bits: SS, TDCC, KDE, MDE (the DCC and external-debug bits are not modelled). */
    private static final long MDSCR_WRITABLE = MDSCR_SS | 1L << 12 | MDSCR_KDE | MDSCR_MDE;

    private final long[] bvr = new long[CoreIdentity.BREAKPOINTS];
    private final long[] bcr = new long[CoreIdentity.BREAKPOINTS];
    private final long[] wvr = new long[CoreIdentity.WATCHPOINTS];
    private final long[] wcr = new long[CoreIdentity.WATCHPOINTS];
    /** Each watchpoint's watched bytes [start, start + length); length 0 when it can never fire. */
    private final long[] watchStart = new long[CoreIdentity.WATCHPOINTS];
    private final long[] watchLength = new long[CoreIdentity.WATCHPOINTS];
    private long mdscr;
    private boolean osLock;
    private boolean osDoubleLock;
    private boolean breakpointsEnabled;
    private boolean watchpointsEnabled;

    /** The reset state: the OS lock set (a cold reset), everything else off. */
    void reset() {
        Arrays.fill(bvr, 0);
        Arrays.fill(bcr, 0);
        Arrays.fill(wvr, 0);
        Arrays.fill(wcr, 0);
        mdscr = 0;
        osLock = true;
        osDoubleLock = false;
        update();
    }

    /** True when some breakpoint could fire: the CPU then checks every instruction (and compiles none). */
    boolean breakpointsEnabled() {
        return breakpointsEnabled;
    }

    /** True when some watchpoint could fire: the CPU then sends every data access through its slow path. */
    boolean watchpointsEnabled() {
        return watchpointsEnabled;
    }

    boolean stepEnabled() {
        return (mdscr & MDSCR_SS) != 0;
    }

    /**
     * AArch64.GenerateDebugExceptions for the EL1&amp;0 regime: never with the OS lock or double lock set;
     * from EL0 always (the target, EL1, is higher); from EL1 only with MDSCR_EL1.KDE set and PSTATE.D clear.
     */
    boolean enabledFrom(int el, boolean pstateD) {
        if (osLock || osDoubleLock) {
            return false;
        }
        return el == 0 || ((mdscr & MDSCR_KDE) != 0 && !pstateD);
    }

    /** Whether the system register (op0 = 2, op1 = 0) is one of these; the others stay the CPU's. */
    static boolean claims(int key) {
        int crn = (key >>> 7) & 15;
        int crm = (key >>> 3) & 15;
        int op2 = key & 7;
        if (crn == 0 && op2 >= 4) {
            return crm < (op2 < 6 ? CoreIdentity.BREAKPOINTS : CoreIdentity.WATCHPOINTS);
        }
        return key == SysReg.MDSCR_EL1 || key == SysReg.OSLAR_EL1 || key == SysReg.OSLSR_EL1
                || key == SysReg.OSDLR_EL1 || key == SysReg.MDCCINT_EL1 || key == SysReg.MDRAR_EL1;
    }

    long read(int key) {
        int crn = (key >>> 7) & 15;
        int crm = (key >>> 3) & 15;
        int op2 = key & 7;
        if (crn == 0 && op2 >= 4) {
            return switch (op2) {
                case 4 -> bvr[crm];
                case 5 -> bcr[crm];
                case 6 -> wvr[crm];
                default -> wcr[crm];
            };
        }
        return switch (key) {
            case SysReg.MDSCR_EL1 -> mdscr;
            case SysReg.OSLSR_EL1 -> 0b1000 | (osLock ? 0b10 : 0); // OSLM: the OS lock is implemented
            case SysReg.OSDLR_EL1 -> osDoubleLock ? 1 : 0;
            default -> 0; // MDCCINT (no debug communications channel), MDRAR (no memory-mapped debug), OSLAR reads as 0
        };
    }

    void write(int key, long value) {
        int crn = (key >>> 7) & 15;
        int crm = (key >>> 3) & 15;
        int op2 = key & 7;
        if (crn == 0 && op2 >= 4) {
            switch (op2) {
                case 4 -> bvr[crm] = value;
                case 5 -> bcr[crm] = value & 0x00FFE1E7L; // BT, LBN, SSC, HMC, BAS, PMC, E
                // bits [1:0] are RES0; bits [63:49] copy bit 48 (an IMPLEMENTATION DEFINED choice QEMU makes too)
                case 6 -> wvr[crm] = (value << 15 >> 15) & ~3L;
                default -> wcr[crm] = value & 0x1F1FFFFFL; // MASK, WT, LBN, SSC, HMC, BAS, LSC, PAC, E
            }
            update();
            return;
        }
        switch (key) {
            case SysReg.MDSCR_EL1 -> mdscr = value & MDSCR_WRITABLE;
            case SysReg.OSLAR_EL1 -> osLock = (value & 1) != 0;
            case SysReg.OSDLR_EL1 -> osDoubleLock = (value & 1) != 0;
            default -> {
                // MDCCINT, MDRAR: nothing they control is modelled
            }
        }
        update();
    }

    private void update() {
        boolean mde = (mdscr & MDSCR_MDE) != 0;
        boolean anyBreakpoint = false;
        for (long control : bcr) {
            int type = (int) (control >>> 20) & 15;
            anyBreakpoint |= (control & 1) != 0 && type <= 2;
        }
        boolean anyWatchpoint = false;
        for (int n = 0; n < wcr.length; n++) {
            watchLength[n] = 0;
            long control = wcr[n];
            int mask = (int) (control >>> 24) & 31;
            if ((control & 1) == 0 || (control & (3 << 3)) == 0 || mask == 1 || mask == 2) {
                continue; // disabled, LSC reserved, or a reserved MASK: never fires
            }
            if (mask != 0) {
                watchLength[n] = 1L << mask;
                watchStart[n] = wvr[n] & -watchLength[n];
            } else {
                int bas = (int) (control >>> 5) & 0xFF;
                if ((wvr[n] & 4) != 0) {
                    bas &= 0xF; // a word-aligned address: BAS[7:4] are ignored
                }
                if (bas == 0) {
                    continue;
                }
                int first = Integer.numberOfTrailingZeros(bas);
                watchStart[n] = wvr[n] + first;
                watchLength[n] = Integer.numberOfTrailingZeros(~(bas >>> first)); // the first run of ones only
            }
            anyWatchpoint = true;
        }
        breakpointsEnabled = mde && anyBreakpoint;
        watchpointsEnabled = mde && anyWatchpoint;
    }

    /** Whether a breakpoint matches the instruction at {@code pc} executed at {@code el} (PMC checked). */
    boolean breakpointAt(long pc, int el, long contextidr) {
        for (int n = 0; n < bcr.length; n++) {
            long control = bcr[n];
            if ((control & 1) == 0 || !privilegeMatches(control, el)) {
                continue;
            }
            boolean hit = switch ((int) (control >>> 20) & 15) {
                case 0 -> pc == addressOf(bvr[n]);
                case 1 -> pc == addressOf(bvr[n]) && linkedContextMatches(control, contextidr);
                case 2 -> n >= bcr.length - CoreIdentity.CONTEXT_BREAKPOINTS && (bvr[n] & 0xFFFFFFFFL) == contextidr;
                default -> false;
            };
            if (hit) {
                return true;
            }
        }
        return false;
    }

    /**
     * The address a watchpoint reports for a {@code size}-byte access at {@code va} (a load, or a store when
     * {@code write}) at {@code el}: the first watched byte of the access; -1 when no watchpoint matches.
     */
    long watchpointHit(long va, int size, boolean write, int el, long contextidr) {
        for (int n = 0; n < wcr.length; n++) {
            long control = wcr[n];
            long start = watchStart[n];
            long length = watchLength[n];
            if (length == 0 || va + size <= start || va >= start + length
                    || (control & (write ? 1 << 4 : 1 << 3)) == 0 || !privilegeMatches(control, el)) {
                continue;
            }
            if ((control & (1L << 20)) != 0 && !linkedContextMatches(control, contextidr)) {
                continue;
            }
            return Math.max(va, start);
        }
        return -1;
    }

    /** PMC/PAC: bit 1 matches EL1, bit 2 EL0. */
    private static boolean privilegeMatches(long control, int el) {
        return (control & (el == 0 ? 4 : 2)) != 0;
    }

    /** A breakpoint address: bits [48:2], sign-extended from bit 48. */
    private static long addressOf(long value) {
        return (value << 15 >> 15) & ~3L;
    }

    /** The linked breakpoint (LBN) is an enabled linked context-ID breakpoint matching CONTEXTIDR_EL1. */
    private boolean linkedContextMatches(long control, long contextidr) {
        int lbn = (int) (control >>> 16) & 15;
        if (lbn >= bcr.length) {
            return false;
        }
        long linked = bcr[lbn];
        return (linked & 1) != 0 && ((linked >>> 20) & 15) == 3 && bvr[lbn] == contextidr;
    }
}
