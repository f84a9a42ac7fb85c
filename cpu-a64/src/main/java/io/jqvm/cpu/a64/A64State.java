package io.jqvm.cpu.a64;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import io.jqvm.cpu.a64.simd.FpSimdState;
import io.jqvm.cpu.a64.simd.GeneralRegisters;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The architectural state of one AArch64 vCPU (general and system registers, PSTATE, the local exclusive
 * monitor) and the interpreter's loop state, with the small helpers every part of the CPU uses.
 *
 * <p>The CPU is one object whose class is a chain of layers, one concern per file, each extending the one
 * before: this state, {@link Exceptions}, {@link Stage1Walk}, {@link SoftTlb}, {@link RegionContract},
 * {@link LoadStore}, {@link SystemRegisters}, {@link Interpreter} and {@link A64Cpu} (the run loop and the
 * vCPU interface). One object, not collaborating ones, because the interpreter's hot paths read this state
 * and the soft TLB on every instruction: as fields of {@code this} they cost C2 no extra loads, and the
 * layers' methods are final, so calls bind statically and inline as the old single class's private ones.
 */
abstract sealed class A64State implements GeneralRegisters permits Exceptions {
    // Exception classes (ESR_ELx.EC)
    static final int EC_UNKNOWN = 0x00;
    static final int EC_WFX = 0x01;
    static final int EC_FP_TRAP = 0x07;
    static final int EC_ILLEGAL_STATE = 0x0E;
    static final int EC_SVC = 0x15;
    static final int EC_SYSREG = 0x18;
    static final int EC_IABORT_LOWER = 0x20;
    static final int EC_IABORT_SAME = 0x21;
    static final int EC_PC_ALIGN = 0x22;
    static final int EC_DABORT_LOWER = 0x24;
    static final int EC_DABORT_SAME = 0x25;
    static final int EC_SP_ALIGN = 0x26;
    static final int EC_BREAKPOINT_LOWER = 0x30;
    static final int EC_BREAKPOINT_SAME = 0x31;
    static final int EC_STEP_LOWER = 0x32;
    static final int EC_STEP_SAME = 0x33;
    static final int EC_WATCHPOINT_LOWER = 0x34;
    static final int EC_WATCHPOINT_SAME = 0x35;
    static final int EC_BRK = 0x3C;

    // Fault status codes (DFSC/IFSC); the level is added to the level-based ones
    static final int FSC_ADDRESS_SIZE = 0x00;
    static final int FSC_TRANSLATION = 0x04;
    static final int FSC_ACCESS_FLAG = 0x08;
    static final int FSC_PERMISSION = 0x0C;
    static final int FSC_EXTERNAL = 0x10;
    static final int FSC_EXTERNAL_WALK = 0x14;
    static final int FSC_ALIGNMENT = 0x21;
    static final int FSC_DEBUG = 0x22;
    static final int READ = 0;
    static final int WRITE = 1;
    static final int EXEC = 2;

    static final long M32 = 0xFFFFFFFFL;

    // Guest memory is little-endian
    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // SCTLR_EL1 bits
    static final long SCTLR_M = 1L;
    static final long SCTLR_A = 1L << 1;
    static final long SCTLR_SA = 1L << 3;
    static final long SCTLR_SA0 = 1L << 4;
    static final long SCTLR_UMA = 1L << 9;
    static final long SCTLR_DZE = 1L << 14;
    static final long SCTLR_UCT = 1L << 15;
    static final long SCTLR_NTWI = 1L << 16;
    static final long SCTLR_NTWE = 1L << 18;
    static final long SCTLR_WXN = 1L << 19;
    static final long SCTLR_UCI = 1L << 26;
    static final long SCTLR_RESET = 0x30D00800L; // the RES1 bits of ARMv8.0

    // PSTATE.DAIF as the 4-bit mask of MSR DAIFSet/DAIFClr
    static final int DAIF_D = 8;
    static final int DAIF_I = 2;
    static final int DAIF_F = 1;

    final int index;
    final PhysicalMemory phys;
    final ExclusiveMonitor monitor;
    final GuestIo io;
    final ExitCounters counters;
    final GenericTimer timer;
    final FpSimdState fp = new FpSimdState();
    SimdUnit simd = SimdUnit.NONE;
    final SelfHostedDebug debug = new SelfHostedDebug();

    /** A breakpoint or software step is enabled: instructions run one at a time through the debug checks. */
    boolean debugChecks;

    /** A debugger's breakpoint or step is set (A64Cpu.setGuestDebug): no compiled region may run past one. */
    boolean debuggerChecks;

    /**
     * A watchpoint is enabled or SCTLR_EL1.A is set: the read and write TLBs stay empty, so every data access
     * takes the slow path, which checks them. Nothing on the fast path (interpreted or compiled) pays for it.
     */
    boolean dataChecks;

    // Architectural state. x[31] is always 0 (XZR); the stack pointer in use lives in sp.
    final long[] x = new long[32];
    long sp;
    long spEl0;
    long spEl1;
    long pc;
    int nzcv;
    int daif;
    int el;
    int spsel;
    boolean illegalState;
    /** PSTATE.SS, the software-step state: set means active-not-pending when stepping is active. */
    boolean pstateSs;

    long sctlr;
    long tcr;
    long ttbr0;
    long ttbr1;
    long mair;
    long vbar;
    long esr;
    long far;
    long elr;
    long spsr;
    long par;
    long contextidr;
    long tpidrEl1;
    long tpidrEl0;
    long tpidrroEl0;
    long cpacr;
    long cntkctl;
    long csselr;

    // Exclusive monitor (local part)
    boolean exclusiveActive;
    long exclusiveAddress;
    int exclusiveSize;
    long exclusiveValue;
    long exclusiveValueHigh;
    MemorySegment exclusiveSegment;
    long exclusiveOffset;

    // Interpreter loop state
    CodePage currentPage;
    long currentPageNumber = -1;
    int batchLeft;
    long retired;
    long undefinedCount;
    long timerDeadline = Long.MIN_VALUE;

    // Run-loop control
    enum Wait { NONE, INTERRUPT, EVENT }

    Wait waiting = Wait.NONE;
    boolean poweredOff;
    volatile boolean stopRequested;
    volatile boolean irqLevel;
    volatile boolean fiqLevel;
    volatile boolean eventRegister;

    A64State(int index, PhysicalMemory phys, ExclusiveMonitor monitor, GuestIo io, ExitCounters counters, long epochNanos) {
        this.index = index;
        this.phys = phys;
        this.monitor = monitor;
        this.io = io;
        this.counters = counters;
        this.timer = new GenericTimer(epochNanos);
    }

    // ---------------------------------------------------------------- GeneralRegisters

    @Override
    public final long x(int n) {
        return x[n];
    }

    @Override
    public final void setX(int n, long value) {
        if (n != 31) {
            x[n] = value;
        }
    }

    @Override
    public final int nzcv() {
        return nzcv;
    }

    @Override
    public final void setNzcv(int value) {
        nzcv = value & 0xF;
    }

    /** Ends the batch after the current instruction, so the run loop looks at interrupts. */
    final void endBatch() {
        retired -= batchLeft;
        batchLeft = 0;
    }

    static int rd(int insn) {
        return insn & 31;
    }

    static int rn(int insn) {
        return (insn >>> 5) & 31;
    }

    static int rm(int insn) {
        return (insn >>> 16) & 31;
    }

    final long xsp(int n) {
        return n == 31 ? sp : x[n];
    }

    final void setXsp(int n, long value) {
        if (n == 31) {
            sp = value;
        } else {
            x[n] = value;
        }
    }

    // ---------------------------------------------------------------- branches and PSTATE

    /** Bits 63:56 of a branch target are replaced by bit 55's sign when top-byte-ignore applies to it. */
    final long branchAddress(long target) {
        boolean upper = (target & (1L << 55)) != 0;
        boolean tbi = (tcr & (upper ? 1L << 38 : 1L << 37)) != 0;
        return tbi ? (target << 8) >> 8 : target;
    }

    final long branchTo(long target) {
        long address = branchAddress(target);
        if ((address & 3) != 0) {
            currentPageNumber = -1; // the fetch raises the PC alignment fault
        }
        return address;
    }

    final int pstate() {
        return nzcv << 28 | (pstateSs ? 1 << 21 : 0) | (illegalState ? 1 << 20 : 0) | daif << 6 | el << 2 | spsel;
    }

    final void saveSp() {
        if (el == 0 || spsel == 0) {
            spEl0 = sp;
        } else {
            spEl1 = sp;
        }
    }

    final void loadSp() {
        sp = el == 0 || spsel == 0 ? spEl0 : spEl1;
    }
}
