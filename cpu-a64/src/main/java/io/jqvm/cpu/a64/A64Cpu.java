package io.jqvm.cpu.a64;

import io.jqvm.common.Mpidr;
import io.jqvm.accel.A64Entry;
import io.jqvm.accel.A64Registers;
import io.jqvm.accel.EntryState;
import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestFault;
import io.jqvm.accel.GuestIo;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.aarch64.A64Vcpu;
import io.jqvm.common.Log;
import io.jqvm.cpu.a64.simd.FpSimdState;
import io.jqvm.cpu.a64.simd.GeneralRegisters;
import io.jqvm.device.IrqLine;
import io.jqvm.device.SystemRegisterDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * One AArch64 vCPU (EL0 and EL1, AArch64 only) run by a predecoding interpreter: instructions are
 * decoded once per guest-physical page into {@link CodePage}s and dispatched by a {@code switch} on
 * dense {@link Op} ids; data accesses go through a direct-mapped soft TLB that maps guest-virtual pages
 * to host {@link MemorySegment}s. Guest exceptions update the state and unwind with the preallocated
 * {@link ExceptionTaken}. See {@code cpu-a64/README.md}.
 *
 * <p>All methods except {@link #requestStop}, the IRQ/FIQ pins and {@link #signalEvent} run on the
 * vCPU's thread.
 */
public final class A64Cpu implements A64Vcpu, GeneralRegisters {
    private static final long M32 = 0xFFFFFFFFL;
    private static final int BATCH = 4096;
    private static final long MAX_PARK_NANOS = 100_000_000L;
    private static final long WFE_MAX_PARK_NANOS = 1_000_000L;
    private static final int UNDEFINED_LOG_LIMIT = 16;

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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

    private static final int READ = 0;
    private static final int WRITE = 1;
    private static final int EXEC = 2;

    // SCTLR_EL1 bits
    private static final long SCTLR_M = 1L;
    private static final long SCTLR_A = 1L << 1;
    private static final long SCTLR_SA = 1L << 3;
    private static final long SCTLR_SA0 = 1L << 4;
    private static final long SCTLR_UMA = 1L << 9;
    private static final long SCTLR_DZE = 1L << 14;
    private static final long SCTLR_UCT = 1L << 15;
    private static final long SCTLR_NTWI = 1L << 16;
    private static final long SCTLR_NTWE = 1L << 18;
    private static final long SCTLR_WXN = 1L << 19;
    private static final long SCTLR_UCI = 1L << 26;
    private static final long SCTLR_RESET = 0x30D00800L; // the RES1 bits of ARMv8.0

    // PSTATE.DAIF as the 4-bit mask of MSR DAIFSet/DAIFClr
    private static final int DAIF_D = 8;
    private static final int DAIF_I = 2;
    private static final int DAIF_F = 1;

    // Soft TLB: 256 entries per exception level, direct-mapped by virtual page number
    private static final int TLB_BITS = 8;
    private static final int TLB_MASK = (1 << TLB_BITS) - 1;
    private static final int TLB_SIZE = 2 << TLB_BITS;

    // Identification values (see /work/shared/aarch64-notes.md 1.2)

    private static final int[] CRC32_TABLE = crcTable(0xEDB88320);
    private static final int[] CRC32C_TABLE = crcTable(0x82F63B78);

    private final int index;
    private final PhysicalMemory phys;
    private final ExclusiveMonitor monitor;
    private final GuestIo io;
    private final ExitCounters counters;
    private final GenericTimer timer;
    private final RegionCompiler regionCompiler; // null: interpret only
    private final FpSimdState fp = new FpSimdState();
    private SimdUnit simd = SimdUnit.NONE;
    private final SelfHostedDebug debug = new SelfHostedDebug();
    /** A breakpoint or software step is enabled: instructions run one at a time through the debug checks. */
    private boolean debugChecks;
    /**
     * A watchpoint is enabled or SCTLR_EL1.A is set: the read and write TLBs stay empty, so every data access
     * takes the slow path, which checks them. Nothing on the fast path (interpreted or compiled) pays for it.
     */
    private boolean dataChecks;
    private SystemRegisterDevice[] sysregDevices = new SystemRegisterDevice[0];
    private final GuestIo.HypercallRegisters hypercallRegisters = new GuestIo.HypercallRegisters() {
        @Override
        public long get(int n) {
            return x[n];
        }

        @Override
        public void set(int n, long value) {
            setX(n, value);
        }
    };

    // Architectural state. x[31] is always 0 (XZR); the stack pointer in use lives in sp.
    private final long[] x = new long[32];
    private long sp;
    private long spEl0;
    private long spEl1;
    private long pc;
    private int nzcv;
    private int daif;
    private int el;
    private int spsel;
    private boolean illegalState;
    /** PSTATE.SS, the software-step state: set means active-not-pending when stepping is active. */
    private boolean pstateSs;

    private long sctlr;
    private long tcr;
    private long ttbr0;
    private long ttbr1;
    private long mair;
    private long vbar;
    private long esr;
    private long far;
    private long elr;
    private long spsr;
    private long par;
    private long contextidr;
    private long tpidrEl1;
    private long tpidrEl0;
    private long tpidrroEl0;
    private long cpacr;
    private long cntkctl;
    private long csselr;

    // Exclusive monitor (local part)
    private boolean exclusiveActive;
    private long exclusiveAddress;
    private int exclusiveSize;
    private long exclusiveValue;
    private long exclusiveValueHigh;
    private MemorySegment exclusiveSegment;
    private long exclusiveOffset;

    // Soft TLBs: tag = virtual page number (-1 = empty), index | (accessEl << TLB_BITS)
    private final long[] readTag = new long[TLB_SIZE];
    private final MemorySegment[] readHost = new MemorySegment[TLB_SIZE];
    private final long[] readOffset = new long[TLB_SIZE];
    private final long[] writeTag = new long[TLB_SIZE];
    private final MemorySegment[] writeHost = new MemorySegment[TLB_SIZE];
    private final long[] writeOffset = new long[TLB_SIZE];
    private final long[] execTag = new long[TLB_SIZE];
    private final CodePage[] execPage = new CodePage[TLB_SIZE];
    private long seenTlbGeneration;
    private long seenCodeGeneration;

    // Result of the last table walk
    private int walkFault;
    private boolean walkDevice;
    private long walkAttributes;
    private long walkShareability;

    // Interpreter loop state
    private CodePage currentPage;
    private long currentPageNumber = -1;
    private int batchLeft;
    private long retired;
    private long undefinedCount;
    private long timerDeadline = Long.MIN_VALUE;

    // Run-loop control
    private enum Wait { NONE, INTERRUPT, EVENT }

    private Wait waiting = Wait.NONE;
    private boolean poweredOff;
    private volatile boolean stopRequested;
    private volatile boolean irqLevel;
    private volatile boolean fiqLevel;
    private volatile boolean eventRegister;
    private volatile Thread thread;
    private final IrqLine irqPin = asserted -> {
        irqLevel = asserted;
        if (asserted) {
            wake();
        }
    };
    private final IrqLine fiqPin = asserted -> {
        fiqLevel = asserted;
        if (asserted) {
            wake();
        }
    };

    A64Cpu(int index, PhysicalMemory phys, ExclusiveMonitor monitor, GuestIo io, ExitCounters counters, long epochNanos,
            RegionCompiler regionCompiler) {
        this.index = index;
        this.regionCompiler = regionCompiler;
        this.phys = phys;
        this.monitor = monitor;
        this.io = io;
        this.counters = counters;
        this.timer = new GenericTimer(epochNanos);
        monitor.register(this);
        reset();
    }

    /** A full-privilege lookup of this class: {@link RegionCompiler} defines compiled regions as its nestmates. */
    static MethodHandles.Lookup regionLookup() {
        return MethodHandles.lookup();
    }

    /** Wires the SIMD&amp;FP data-processing unit ({@code FpSimdExecutor::execute}). */
    public void setSimdUnit(SimdUnit unit) {
        this.simd = unit;
    }

    private void reset() {
        Arrays.fill(x, 0);
        sp = spEl0 = spEl1 = 0;
        nzcv = 0;
        daif = 0xF;
        el = 1;
        spsel = 1;
        illegalState = false;
        pstateSs = false;
        sctlr = SCTLR_RESET;
        debug.reset();
        debugChecks = false;
        dataChecks = false;
        tcr = ttbr0 = ttbr1 = mair = vbar = esr = far = elr = spsr = par = 0;
        contextidr = tpidrEl1 = tpidrEl0 = tpidrroEl0 = cpacr = cntkctl = csselr = 0;
        Arrays.fill(fp.v, 0);
        fp.fpcr = 0;
        fp.fpsr = 0;
        exclusiveActive = false;
        waiting = Wait.NONE;
        poweredOff = false;
        flushTlb();
    }

    // ---------------------------------------------------------------- Vcpu API

    @Override
    public int index() {
        return index;
    }

    @Override
    public void setEntry(EntryState state) {
        if (!(state instanceof A64Entry entry)) {
            throw new IllegalArgumentException("an AArch64 vCPU needs an A64Entry, not " + state);
        }
        reset();
        pc = entry.pc();
        x[0] = entry.x0();
        x[1] = entry.x1();
        x[2] = entry.x2();
        x[3] = entry.x3();
    }

    @Override
    public VcpuExit run() {
        thread = Thread.currentThread();
        while (true) {
            if (stopRequested) {
                stopRequested = false;
                return VcpuExit.STOPPED;
            }
            if (poweredOff) {
                poweredOff = false;
                return VcpuExit.POWERED_OFF;
            }
            if (waiting != Wait.NONE) {
                waitForWakeUp();
                continue;
            }
            serviceBoundary();
            int budget = debugChecks ? 1 : BATCH;
            batchLeft = budget;
            currentPageNumber = -1;
            try {
                if (debugChecks) {
                    executeWithDebugChecks();
                } else {
                    executeBatch();
                }
            } catch (ExceptionTaken transfer) {
                // the state already reflects the exception or the wait
            }
            retired += budget - batchLeft;
        }
    }

    @Override
    public void requestStop() {
        stopRequested = true;
        wake();
    }

    @Override
    public A64Registers registers() {
        return new A64Registers(Arrays.copyOf(x, A64Registers.GENERAL_REGISTERS), sp, pc, pstate() & 0xFFFF_FFFFL);
    }

    @Override
    public String registerDump() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("vcpu %d: pc=%016x pstate=%08x (EL%d%s nzcv=%x daif=%x%s) sp=%016x%n", index, pc,
                pstate(), el, spsel == 0 ? "t" : "h", nzcv, daif, illegalState ? " IL" : "", sp));
        for (int i = 0; i < 31; i++) {
            sb.append(String.format("x%-2d=%016x%s", i, x[i], i % 4 == 3 || i == 30 ? "\n" : " "));
        }
        sb.append(String.format("esr_el1=%08x far_el1=%016x elr_el1=%016x spsr_el1=%08x vbar_el1=%016x%n", esr, far, elr, spsr, vbar));
        sb.append(String.format("sctlr_el1=%08x tcr_el1=%016x ttbr0=%016x ttbr1=%016x retired=%d undefined=%d",
                sctlr, tcr, ttbr0, ttbr1, retired, undefinedCount));
        return sb.toString();
    }

    @Override
    public IrqLine irqPin() {
        return irqPin;
    }

    @Override
    public IrqLine fiqPin() {
        return fiqPin;
    }

    @Override
    public void connectTimers(IrqLine physical, IrqLine virtual) {
        timer.connect(physical, virtual);
        timerDeadline = Long.MIN_VALUE;
    }

    @Override
    public void attachSystemRegisters(SystemRegisterDevice device) {
        sysregDevices = Arrays.copyOf(sysregDevices, sysregDevices.length + 1);
        sysregDevices[sysregDevices.length - 1] = device;
    }

    @Override
    public void setCounterOffset(long offset) {
        timer.setOffset(offset);
        timerDeadline = Long.MIN_VALUE;
    }

    // ---------------------------------------------------------------- state for tests and tools

    public long pc() {
        return pc;
    }

    public long sp() {
        return sp;
    }

    public int exceptionLevel() {
        return el;
    }

    public long esr() {
        return esr;
    }

    public long far() {
        return far;
    }

    public FpSimdState fpState() {
        return fp;
    }

    public long instructionsRetired() {
        return retired;
    }

    public long undefinedInstructions() {
        return undefinedCount;
    }

    // ---------------------------------------------------------------- GeneralRegisters

    @Override
    public long x(int n) {
        return x[n];
    }

    @Override
    public void setX(int n, long value) {
        if (n != 31) {
            x[n] = value;
        }
    }

    @Override
    public int nzcv() {
        return nzcv;
    }

    @Override
    public void setNzcv(int value) {
        nzcv = value & 0xF;
    }

    // ---------------------------------------------------------------- run loop

    private void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Sets the event register (SEV from any vCPU, a released lock) and wakes a WFE. */
    void signalEvent() {
        eventRegister = true;
        wake();
    }

    /** Work between instruction batches: timers, remote TLB/code invalidations, interrupts. */
    private void serviceBoundary() {
        if (System.nanoTime() >= timerDeadline) {
            timerDeadline = timer.update();
        }
        long tlbGeneration = phys.tlbGeneration();
        if (tlbGeneration != seenTlbGeneration) {
            seenTlbGeneration = tlbGeneration;
            flushTlb();
        }
        long codeGeneration = phys.codeGeneration();
        if (codeGeneration != seenCodeGeneration) {
            seenCodeGeneration = codeGeneration;
            Arrays.fill(writeTag, -1L);
        }
        if (fiqLevel && (daif & DAIF_F) == 0) {
            enterException(0x100, pc);
        } else if (irqLevel && (daif & DAIF_I) == 0) {
            enterException(0x80, pc);
        }
    }

    /** WFI/WFE: parks until an interrupt, a timer deadline, an event (WFE) or a stop request. */
    private void waitForWakeUp() {
        boolean forEvent = waiting == Wait.EVENT;
        if (forEvent) {
            monitor.waitingForEvent(true);
        }
        try {
            while (!stopRequested) {
                timerDeadline = timer.update();
                if (irqLevel || fiqLevel) {
                    break;
                }
                if (forEvent && eventRegister) {
                    eventRegister = false;
                    break;
                }
                long limit = forEvent ? eventStreamPeriod() : MAX_PARK_NANOS;
                long wait = timerDeadline == Long.MAX_VALUE ? limit : Math.min(timerDeadline - System.nanoTime(), limit);
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                }
                if (forEvent) {
                    break; // WFE may complete spuriously: the guest re-checks its condition
                }
            }
        } finally {
            if (forEvent) {
                monitor.waitingForEvent(false);
            }
        }
        if (!stopRequested) {
            waiting = Wait.NONE;
        }
    }

    /** Ends the batch after the current instruction, so the run loop looks at interrupts. */
    private void endBatch() {
        retired -= batchLeft;
        batchLeft = 0;
    }

    /**
     * How long a WFE may sleep: the period of the timer event stream when CNTKCTL_EL1.EVNTEN is set (Linux
     * relies on it to bound spin-waits), at most {@link #WFE_MAX_PARK_NANOS}.
     */
    private long eventStreamPeriod() {
        if ((cntkctl & 4) == 0) {
            return WFE_MAX_PARK_NANOS;
        }
        int bit = (int) (cntkctl >>> 4) & 15;
        return Math.min(WFE_MAX_PARK_NANOS, (2L << bit) * GenericTimer.NANOS_PER_TICK);
    }

    /** The decoded page for the instruction at {@code address}, through the exec TLB. */
    private CodePage fetchPage(long address) {
        if (illegalState) {
            syncException(EC_ILLEGAL_STATE, 0, address);
        }
        if ((address & 3) != 0) {
            far = address;
            syncException(EC_PC_ALIGN, 0, address);
        }
        long vpn = address >>> 12;
        int slot = ((int) vpn & TLB_MASK) | (el << TLB_BITS);
        CodePage page = execPage[slot];
        if (execTag[slot] != vpn || !page.valid) {
            long pa = translate(address, el, EXEC);
            PhysicalMemory.Region region = phys.regionAt(pa);
            if (region == null) {
                abort(address, EXEC, FSC_EXTERNAL);
            }
            long generation = phys.codeGeneration();
            page = phys.codePage(region, pa);
            execTag[slot] = vpn;
            execPage[slot] = page;
            if (phys.codeGeneration() != generation) {
                Arrays.fill(writeTag, -1L); // a new code page may be in the write TLB: its stores must take the slow path
            }
        }
        currentPage = page;
        currentPageNumber = vpn;
        return page;
    }

    private static int rd(int insn) {
        return insn & 31;
    }

    private static int rn(int insn) {
        return (insn >>> 5) & 31;
    }

    private static int rm(int insn) {
        return (insn >>> 16) & 31;
    }

    private long xsp(int n) {
        return n == 31 ? sp : x[n];
    }

    private void setXsp(int n, long value) {
        if (n == 31) {
            sp = value;
        } else {
            x[n] = value;
        }
    }

    /**
     * One instruction under the self-hosted debug rules (ARM ARM D2): a pending software step is taken before
     * it, then a breakpoint on it; a stepped instruction that completes takes the step exception right after
     * it. SVC and HVC complete the step before their exception (SPSR.SS = 0); an instruction that faults
     * does not (SPSR.SS = 1, it is stepped again after the return). As on QEMU, the step exception follows
     * even an instruction that masked debug exceptions (MSR DAIFSet with D), where the architecture would
     * leave the step pending.
     */
    private void executeWithDebugChecks() {
        boolean enabled = debug.enabledFrom(el, (daif & DAIF_D) != 0);
        boolean stepping = enabled && debug.stepEnabled();
        if (stepping && !pstateSs) {
            softwareStep(el, false, false); // active-pending: nothing stepped since the step was armed
        }
        if (enabled && debug.breakpointsEnabled() && debug.breakpointAt(pc, el, contextidr)) {
            far = 0; // UNKNOWN for breakpoints; QEMU reports 0
            syncException(el == 0 ? EC_BREAKPOINT_LOWER : EC_BREAKPOINT_SAME, FSC_DEBUG, pc);
        }
        boolean loadExclusive = false;
        if (stepping) {
            CodePage page = fetchPage(pc);
            int i = (int) (pc >>> 2) & (CodePage.INSTRUCTIONS - 1);
            long entry = page.entries[i] >>> 32 == Op.UNDECODED ? page.decode(i) : page.entries[i];
            int op = (int) (entry >>> 32);
            if (op == Op.SVC || op == Op.HVC) {
                pstateSs = false;
            }
            boolean trapped = el == 0 && (sctlr & (op == Op.WFE ? SCTLR_NTWE : SCTLR_NTWI)) == 0;
            if ((op == Op.WFI || op == Op.WFE) && !trapped) {
                pc += 4; // a stepped WFI or WFE completes at once, as on QEMU, rather than sleep past the step
                pstateSs = false;
                softwareStep(el, true, false);
            }
            loadExclusive = op == Op.LDXR || op == Op.LDXP;
        }
        int steppedEl = el;
        executeBatch();
        if (stepping) {
            pstateSs = false;
            softwareStep(steppedEl, true, loadExclusive);
        }
    }

    /**
     * The software step exception for code at {@code steppedEl}; ISV says whether an instruction was
     * stepped (EX: a load-exclusive).
     */
    private void softwareStep(int steppedEl, boolean stepped, boolean loadExclusive) {
        int iss = (stepped ? 1 << 24 : 0) | (loadExclusive ? 1 << 6 : 0) | FSC_DEBUG;
        syncException(steppedEl == 0 ? EC_STEP_LOWER : EC_STEP_SAME, iss, pc);
    }

    /**
     * Runs instructions until the batch ends or an exception unwinds. The dispatch loop and the instruction
     * switch are one method so that C2 sees each case's calls as frequent (relative to this method's
     * invocations) and inlines them; a per-instruction method would leave most helpers as calls.
     */
    private void executeBatch() {
        long pc = this.pc;
        boolean jumped = true; // the batch starts where a region may start
        RegionCompiler compiler = debugChecks ? null : regionCompiler; // a region would run past breakpoints
        while (batchLeft > 0) {
            CodePage page = currentPage;
            if (pc >>> 12 != currentPageNumber) {
                page = fetchPage(pc);
            }
            int i = (int) (pc >>> 2) & (CodePage.INSTRUCTIONS - 1);
            if (jumped && compiler != null) {
                CompiledRegion region = compiler.regionAt(page, i, pc);
                if (region != null) {
                    this.pc = pc;
                    pc = region.run(this);
                    continue; // a region ends at a jump or at an instruction it cannot translate
                }
            }
            batchLeft--;
            long entry = page.entries[i];
            if (entry >>> 32 == Op.UNDECODED) {
                entry = page.decode(i);
            }
            this.pc = pc; // exceptions taken by the instruction report it
            int op = (int) (entry >>> 32);
            int insn = (int) entry;
            long imm = page.imm[i];
            boolean sf = insn < 0;
            long next = pc + 4;
            switch (op) {
                case Op.ADR, Op.ADRP -> setX(rd(insn), op == Op.ADR ? pc + imm : (pc & ~0xFFFL) + imm);
                case Op.ADD_IMM -> {
                    long r = xsp(rn(insn)) + imm;
                    setXsp(rd(insn), sf ? r : r & M32);
                }
                case Op.SUB_IMM -> {
                    long r = xsp(rn(insn)) - imm;
                    setXsp(rd(insn), sf ? r : r & M32);
                }
                case Op.ADDS_IMM -> setX(rd(insn), addWithCarry(xsp(rn(insn)), imm, 0, sf));
                case Op.SUBS_IMM -> setX(rd(insn), addWithCarry(xsp(rn(insn)), ~imm, 1, sf));
                case Op.AND_IMM -> setXsp(rd(insn), x[rn(insn)] & imm);
                case Op.ORR_IMM -> setXsp(rd(insn), (x[rn(insn)] | imm) & (sf ? -1L : M32));
                case Op.EOR_IMM -> setXsp(rd(insn), (x[rn(insn)] ^ imm) & (sf ? -1L : M32));
                case Op.ANDS_IMM -> setX(rd(insn), logicFlags(x[rn(insn)] & imm, sf));
                case Op.MOVN -> setX(rd(insn), sf ? ~imm : ~imm & M32);
                case Op.MOVZ -> setX(rd(insn), imm);
                case Op.MOVK -> {
                    long r = (x[rd(insn)] & ~(0xFFFFL << (((insn >>> 21) & 3) * 16))) | imm;
                    setX(rd(insn), sf ? r : r & M32);
                }
                case Op.SBFM, Op.BFM, Op.UBFM -> setX(rd(insn), bitfield(op, insn, x[rn(insn)], x[rd(insn)]));
                case Op.EXTR -> setX(rd(insn), extract(insn, x[rn(insn)], x[rm(insn)]));
                case Op.B -> {
                    next = pc + imm;
                }
                case Op.BL -> {
                    x[30] = pc + 4;
                    next = pc + imm;
                }
                case Op.B_COND -> {
                    next = condition(insn & 15) ? pc + imm : pc + 4;
                }
                case Op.CBZ, Op.CBNZ -> {
                    long v = sf ? x[rd(insn)] : x[rd(insn)] & M32;
                    next = (v == 0) == (op == Op.CBZ) ? pc + imm : pc + 4;
                }
                case Op.TBZ, Op.TBNZ -> {
                    int bit = ((insn >>> 26) & 0x20) | ((insn >>> 19) & 0x1F);
                    next = (((x[rd(insn)] >>> bit) & 1) == 0) == (op == Op.TBZ) ? pc + imm : pc + 4;
                }
                case Op.BR, Op.RET -> {
                    next = branchTo(x[rn(insn)]);
                }
                case Op.BLR -> {
                    long target = x[rn(insn)];
                    x[30] = pc + 4;
                    next = branchTo(target);
                }
                case Op.ERET -> {
                    next = exceptionReturn(insn);
                }
                case Op.SVC -> syncException(EC_SVC, (insn >>> 5) & 0xFFFF, pc + 4);
                case Op.HVC -> hypercall(insn);
                case Op.SMC -> undefined(insn); // no EL3 to call, as on QEMU's virt without secure=on
                case Op.BRK -> syncException(EC_BRK, (insn >>> 5) & 0xFFFF, pc);
                case Op.NOP -> {
                    // hints without an effect here (YIELD, BTI, PAC in the hint space)
                }
                case Op.WFI, Op.WFE -> waitInstruction(op == Op.WFE);
                case Op.SEV -> monitor.sendEvent();
                case Op.SEVL -> eventRegister = true;
                case Op.CLREX -> exclusiveActive = false;
                case Op.BARRIER -> VarHandle.fullFence();
                case Op.ISB -> currentPageNumber = -1;
                case Op.MSR_IMM -> msrImmediate(insn);
                case Op.SYS -> systemInstruction(insn);
                case Op.MRS -> setX(rd(insn), readSystemRegister(insn));
                case Op.MSR_REG -> writeSystemRegister(insn, x[rd(insn)]);
                case Op.ORR_REG -> {
                    long r = x[rn(insn)] | shift(x[rm(insn)], (insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf);
                    setX(rd(insn), sf ? r : r & M32);
                }
                case Op.LOGIC_REG -> logicRegister(insn, sf);
                case Op.ADD_REG -> {
                    long r = x[rn(insn)] + shift(x[rm(insn)], (insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf);
                    setX(rd(insn), sf ? r : r & M32);
                }
                case Op.SUB_REG -> {
                    long r = x[rn(insn)] - shift(x[rm(insn)], (insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf);
                    setX(rd(insn), sf ? r : r & M32);
                }
                case Op.ADDS_REG -> setX(rd(insn), addWithCarry(x[rn(insn)],
                        shift(x[rm(insn)], (insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf), 0, sf));
                case Op.SUBS_REG -> setX(rd(insn), addWithCarry(x[rn(insn)],
                        ~shift(x[rm(insn)], (insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf), 1, sf));
                case Op.ADDSUB_EXT -> addSubExtended(insn, sf);
                case Op.ADC_SBC -> addSubCarry(insn, sf);
                case Op.CCMP -> conditionalCompare(insn, sf);
                case Op.CSEL -> conditionalSelect(insn);
                case Op.DP1 -> setX(rd(insn), dataProcessing1(insn, x[rn(insn)]));
                case Op.UDIV -> setX(rd(insn), sf ? udiv64(x[rn(insn)], x[rm(insn)])
                        : udiv32((int) x[rn(insn)], (int) x[rm(insn)]));
                case Op.SDIV -> setX(rd(insn), sf ? sdiv64(x[rn(insn)], x[rm(insn)])
                        : sdiv32((int) x[rn(insn)], (int) x[rm(insn)]));
                case Op.SHIFTV -> setX(rd(insn), shiftVariable(insn, x[rn(insn)], x[rm(insn)]));
                case Op.CRC32 -> setX(rd(insn), crc32(insn, x[rn(insn)], x[rm(insn)]));
                case Op.MADD -> setX(rd(insn), multiplyAdd(insn, x[rn(insn)], x[rm(insn)], x[(insn >>> 10) & 31]));
                case Op.MADDL -> setX(rd(insn), multiplyAddLong(insn, x[rn(insn)], x[rm(insn)], x[(insn >>> 10) & 31]));
                case Op.SMULH -> setX(rd(insn), Math.multiplyHigh(x[rn(insn)], x[rm(insn)]));
                case Op.UMULH -> setX(rd(insn), Math.unsignedMultiplyHigh(x[rn(insn)], x[rm(insn)]));
                case Op.LDR_X_UIMM -> setX(rd(insn), read64(baseAddress(insn) + imm, el));
                case Op.STR_X_UIMM -> write64(baseAddress(insn) + imm, x[rd(insn)], el);
                case Op.LDR_W_UIMM -> setX(rd(insn), read32(baseAddress(insn) + imm, el));
                case Op.STR_W_UIMM -> write32(baseAddress(insn) + imm, x[rd(insn)], el);
                case Op.LDRB_UIMM -> setX(rd(insn), read8(baseAddress(insn) + imm, el));
                case Op.STRB_UIMM -> write8(baseAddress(insn) + imm, x[rd(insn)], el);
                case Op.LDP_X_OFFSET -> loadPair(insn, baseAddress(insn) + imm);
                case Op.STP_X_OFFSET -> storePair(insn, baseAddress(insn) + imm);
                case Op.LDP_X_POST -> {
                    long base = baseAddress(insn);
                    loadPair(insn, base);
                    setXsp(rn(insn), base + imm);
                }
                case Op.STP_X_PRE -> {
                    long address = baseAddress(insn) + imm;
                    storePair(insn, address);
                    setXsp(rn(insn), address);
                }
                case Op.LDST_UIMM, Op.LDST_UNSCALED -> transfer(Decoder.loadStoreKind(insn), rd(insn), baseAddress(insn) + imm, el);
                case Op.LDST_UNPRIV -> transfer(Decoder.loadStoreKind(insn), rd(insn), baseAddress(insn) + imm, 0);
                case Op.LDST_PRE -> {
                    long address = baseAddress(insn) + imm;
                    transfer(Decoder.loadStoreKind(insn), rd(insn), address, el);
                    setXsp(rn(insn), address);
                }
                case Op.LDST_POST -> {
                    long address = baseAddress(insn);
                    transfer(Decoder.loadStoreKind(insn), rd(insn), address, el);
                    setXsp(rn(insn), address + imm);
                }
                case Op.LDST_REG -> transfer(Decoder.loadStoreKind(insn), rd(insn), baseAddress(insn) + registerOffset(insn), el);
                case Op.LDR_LITERAL -> loadLiteral(insn, pc + imm);
                case Op.LDSTP_OFFSET, Op.LDSTP_PRE, Op.LDSTP_POST -> pair(op, insn, imm);
                case Op.LDXR, Op.STXR, Op.LDXP, Op.STXP, Op.LDAR, Op.STLR -> exclusiveOrOrdered(op, insn);
                case Op.SIMD_LDST_MULTI -> simdMultiple(insn);
                case Op.SIMD_LDST_SINGLE -> simdSingle(insn);
                case Op.SIMD_DP -> {
                    checkFpEnabled();
                    if (!simd.execute(insn, fp, this)) {
                        undefined(insn);
                    }
                }
                default -> undefined(insn);
            }
            jumped = next != pc + 4;
            pc = next;
        }
        this.pc = pc;
    }

    // ---------------------------------------------------------------- integer data processing

    /** AddWithCarry, setting NZCV; the result is truncated to 32 bits when !sf. */
    private long addWithCarry(long a, long b, int carry, boolean sf) {
        nzcv = Nzcv.add(a, b, carry, sf);
        long r = a + b + carry;
        return sf ? r : r & M32;
    }

    private long logicFlags(long r, boolean sf) {
        long value = sf ? r : r & M32;
        nzcv = Nzcv.logic(value, sf);
        return value;
    }

    private boolean condition(int cond) {
        return Nzcv.holds(nzcv, cond);
    }

    private static long shift(long value, int type, int amount, boolean sf) {
        if (sf) {
            return switch (type) {
                case 0 -> value << amount;
                case 1 -> value >>> amount;
                case 2 -> value >> amount;
                default -> Long.rotateRight(value, amount);
            };
        }
        int w = (int) value;
        return (switch (type) {
            case 0 -> w << amount;
            case 1 -> w >>> amount;
            case 2 -> w >> amount;
            default -> Integer.rotateRight(w, amount);
        }) & M32;
    }

    private static long extend(long value, int option) {
        return switch (option) {
            case 0 -> value & 0xFF;
            case 1 -> value & 0xFFFF;
            case 2 -> value & M32;
            case 4 -> (byte) value;
            case 5 -> (short) value;
            case 6 -> (int) value;
            default -> value;
        };
    }

    private void logicRegister(int insn, boolean sf) {
        long r = logicRegister(insn, x[rn(insn)], x[rm(insn)]);
        setX(rd(insn), ((insn >>> 29) & 3) == 3 ? logicFlags(r, sf) : r);
    }

    /** AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS (shifted register) on n and m, truncated to the width. */
    static long logicRegister(int insn, long n, long m) {
        boolean sf = insn < 0;
        long operand = shift(m, (insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf);
        if ((insn & (1 << 21)) != 0) {
            operand = ~operand;
        }
        long r = switch ((insn >>> 29) & 3) {
            case 0, 3 -> n & operand;
            case 1 -> n | operand;
            default -> n ^ operand;
        };
        return sf ? r : r & M32;
    }

    /** The second operand of ADD/SUB (extended register): Rm extended and shifted left by imm3. */
    static long extendedOperand(int insn, long m) {
        return extend(m, (insn >>> 13) & 7) << ((insn >>> 10) & 7);
    }

    private void addSubExtended(int insn, boolean sf) {
        long operand = extendedOperand(insn, x[rm(insn)]);
        boolean subtract = (insn & (1 << 30)) != 0;
        long a = xsp(rn(insn));
        if ((insn & (1 << 29)) != 0) {
            setX(rd(insn), addWithCarry(a, subtract ? ~operand : operand, subtract ? 1 : 0, sf));
        } else {
            long r = subtract ? a - operand : a + operand;
            setXsp(rd(insn), sf ? r : r & M32);
        }
    }

    private void addSubCarry(int insn, boolean sf) {
        long operand = x[rm(insn)];
        if ((insn & (1 << 30)) != 0) {
            operand = ~operand;
        }
        int carry = (nzcv >>> 1) & 1;
        if ((insn & (1 << 29)) != 0) {
            setX(rd(insn), addWithCarry(x[rn(insn)], operand, carry, sf));
        } else {
            long r = x[rn(insn)] + operand + carry;
            setX(rd(insn), sf ? r : r & M32);
        }
    }

    private void conditionalCompare(int insn, boolean sf) {
        if (condition((insn >>> 12) & 15)) {
            long operand = (insn & (1 << 11)) != 0 ? rm(insn) : x[rm(insn)];
            if ((insn & (1 << 30)) != 0) {
                addWithCarry(x[rn(insn)], ~operand, 1, sf);
            } else {
                addWithCarry(x[rn(insn)], operand, 0, sf);
            }
        } else {
            nzcv = insn & 15;
        }
    }

    private void conditionalSelect(int insn) {
        setX(rd(insn), conditionalSelect(insn, condition((insn >>> 12) & 15), x[rn(insn)], x[rm(insn)]));
    }

    /** CSEL, CSINC, CSINV, CSNEG once the condition is known, truncated to the width. */
    static long conditionalSelect(int insn, boolean holds, long n, long m) {
        long r;
        if (holds) {
            r = n;
        } else {
            int variant = ((insn >>> 29) & 2) | ((insn >>> 10) & 1);
            r = switch (variant) {
                case 0 -> m;
                case 1 -> m + 1;
                case 2 -> ~m;
                default -> -m;
            };
        }
        return insn < 0 ? r : r & M32;
    }

    /** RBIT, REV16, REV32, REV, CLZ, CLS of v. */
    static long dataProcessing1(int insn, long v) {
        boolean sf = insn < 0;
        long r;
        if (sf) {
            r = switch ((insn >>> 10) & 0x3F) {
                case 0 -> Long.reverse(v);
                case 1 -> ((v & 0x00FF00FF00FF00FFL) << 8) | ((v >>> 8) & 0x00FF00FF00FF00FFL);
                case 2 -> Long.rotateLeft(Long.reverseBytes(v), 32);
                case 3 -> Long.reverseBytes(v);
                case 4 -> Long.numberOfLeadingZeros(v);
                default -> Long.numberOfLeadingZeros((v ^ (v << 1)) | 1);
            };
        } else {
            int w = (int) v;
            r = (switch ((insn >>> 10) & 0x3F) {
                case 0 -> Integer.reverse(w);
                case 1 -> ((w & 0x00FF00FF) << 8) | ((w >>> 8) & 0x00FF00FF);
                case 2 -> Integer.reverseBytes(w);
                case 4 -> Integer.numberOfLeadingZeros(w);
                default -> Integer.numberOfLeadingZeros((w ^ (w << 1)) | 1);
            }) & M32;
        }
        return r;
    }

    private static long udiv64(long n, long d) {
        return d == 0 ? 0 : Long.divideUnsigned(n, d);
    }

    private static long udiv32(int n, int d) {
        return d == 0 ? 0 : Integer.divideUnsigned(n, d) & M32;
    }

    private static long sdiv64(long n, long d) {
        return d == 0 ? 0 : n / d;
    }

    private static long sdiv32(int n, int d) {
        return d == 0 ? 0 : (n / d) & M32;
    }

    /** LSLV, LSRV, ASRV, RORV. */
    static long shiftVariable(int insn, long n, long m) {
        boolean sf = insn < 0;
        return shift(n, (insn >>> 10) & 3, (int) (m & (sf ? 63 : 31)), sf);
    }

    /** CRC32{B,H,W,X} and CRC32C{B,H,W,X} of the accumulator n and the value m. */
    static long crc32(int insn, long n, long m) {
        int[] table = (insn & (1 << 12)) != 0 ? CRC32C_TABLE : CRC32_TABLE;
        int bytes = 1 << ((insn >>> 10) & 3);
        int crc = (int) n;
        long value = m;
        for (int i = 0; i < bytes; i++) {
            crc = table[(crc ^ (int) (value >>> (8 * i))) & 0xFF] ^ (crc >>> 8);
        }
        return crc & M32;
    }

    private static int[] crcTable(int reflectedPolynomial) {
        int[] table = new int[256];
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ reflectedPolynomial : c >>> 1;
            }
            table[i] = c;
        }
        return table;
    }

    /** MADD, MSUB: a +/- n * m, truncated to the width. */
    static long multiplyAdd(int insn, long n, long m, long a) {
        long product = n * m;
        long r = (insn & (1 << 15)) != 0 ? a - product : a + product;
        return insn < 0 ? r : r & M32;
    }

    /** SMADDL, SMSUBL, UMADDL, UMSUBL. */
    static long multiplyAddLong(int insn, long n, long m, long a) {
        long product = (insn & (1 << 23)) != 0 ? (n & M32) * (m & M32) : (long) (int) n * (int) m;
        return (insn & (1 << 15)) != 0 ? a - product : a + product;
    }

    /** SBFM, BFM, UBFM ({@code op}) of src into dst, truncated to the width. */
    static long bitfield(int op, int insn, long src, long dst) {
        boolean sf = insn < 0;
        int width = sf ? 64 : 32;
        int immr = (insn >>> 16) & 0x3F;
        int imms = (insn >>> 10) & 0x3F;
        long r;
        if (imms >= immr) {
            int len = imms - immr + 1;
            long field = (src >>> immr) & mask(len);
            r = switch (op) {
                case Op.SBFM -> (field << (64 - len)) >> (64 - len);
                case Op.UBFM -> field;
                default -> (dst & ~mask(len)) | field;
            };
        } else {
            int len = imms + 1;
            int position = width - immr;
            long field = src & mask(len);
            r = switch (op) {
                case Op.SBFM -> ((field << (64 - len)) >> (64 - len)) << position;
                case Op.UBFM -> field << position;
                default -> (dst & ~(mask(len) << position)) | (field << position);
            };
        }
        return sf ? r : r & M32;
    }

    private static long mask(int bits) {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }

    /** EXTR of the pair high:low. */
    static long extract(int insn, long high, long low) {
        int lsb = (insn >>> 10) & 0x3F;
        long r;
        if (insn < 0) {
            r = lsb == 0 ? low : (low >>> lsb) | (high << (64 - lsb));
        } else {
            r = lsb == 0 ? low & M32 : (((low & M32) >>> lsb) | (high << (32 - lsb))) & M32;
        }
        return r;
    }

    // ---------------------------------------------------------------- branches and exceptions

    /** Bits 63:56 of a branch target are replaced by bit 55's sign when top-byte-ignore applies to it. */
    private long branchAddress(long target) {
        boolean upper = (target & (1L << 55)) != 0;
        boolean tbi = (tcr & (upper ? 1L << 38 : 1L << 37)) != 0;
        return tbi ? (target << 8) >> 8 : target;
    }

    private long branchTo(long target) {
        long address = branchAddress(target);
        if ((address & 3) != 0) {
            currentPageNumber = -1; // the fetch raises the PC alignment fault
        }
        return address;
    }

    private int pstate() {
        return nzcv << 28 | (pstateSs ? 1 << 21 : 0) | (illegalState ? 1 << 20 : 0) | daif << 6 | el << 2 | spsel;
    }

    private void saveSp() {
        if (el == 0 || spsel == 0) {
            spEl0 = sp;
        } else {
            spEl1 = sp;
        }
    }

    private void loadSp() {
        sp = el == 0 || spsel == 0 ? spEl0 : spEl1;
    }

    /** Takes an exception to EL1 at {@code VBAR_EL1 + group + offset}; ESR/FAR are set by the caller. */
    private void enterException(int offset, long returnAddress) {
        int group = el == 0 ? 0x400 : spsel == 0 ? 0 : 0x200;
        spsr = pstate() & 0xFFFFFFFFL;
        elr = returnAddress;
        saveSp();
        el = 1;
        spsel = 1;
        daif = 0xF;
        illegalState = false;
        pstateSs = false;
        loadSp();
        exclusiveActive = false;
        pc = vbar + group + offset;
        currentPageNumber = -1;
    }

    /** A synchronous exception: sets ESR_EL1, enters the vector and leaves the instruction. */
    private void syncException(int ec, int iss, long returnAddress) {
        esr = (long) ec << 26 | 1L << 25 | (iss & 0x1FFFFFF);
        enterException(0, returnAddress);
        throw ExceptionTaken.INSTANCE;
    }

    private void undefined(int insn) {
        undefinedCount++;
        if (undefinedCount <= UNDEFINED_LOG_LIMIT) {
            Log.warn(String.format("vcpu %d: undefined instruction %08x at pc %016x (EL%d)%s", index, insn, pc, el,
                    undefinedCount == UNDEFINED_LOG_LIMIT ? "; not logging further ones" : ""));
        }
        syncException(EC_UNKNOWN, 0, pc);
    }

    /**
     * MRS/MSR of an EL1 register at EL0: UNDEFINED by the architecture, and routine for Linux guests (glibc
     * reads MIDR_EL1 and the kernel emulates it), so it is neither counted as unimplemented nor warned about.
     */
    private void el1RegisterAtEl0(int insn) {
        if (Log.enabled(Log.Level.DEBUG)) {
            Log.log(Log.Level.DEBUG, String.format("vcpu %d: EL1 system register access %08x at EL0, pc %016x", index, insn, pc));
        }
        syncException(EC_UNKNOWN, 0, pc);
    }

    private long exceptionReturn(int insn) {
        if (el == 0) {
            undefined(insn);
        }
        long saved = spsr;
        int mode = (int) saved & 0x1F;
        boolean legal = mode == 0b00000 || mode == 0b00100 || mode == 0b00101;
        // DebugExceptionReturnSS: SPSR.SS matters only when stepping is enabled at the target but not here
        boolean returnSs = debug.stepEnabled() && !debug.enabledFrom(el, (daif & DAIF_D) != 0)
                && debug.enabledFrom(legal ? mode >>> 2 : el, (saved & (1L << 9)) != 0) && (saved & (1L << 21)) != 0;
        long target = elr;
        nzcv = (int) (saved >>> 28) & 0xF;
        daif = (int) (saved >>> 6) & 0xF;
        pstateSs = returnSs;
        exclusiveActive = false;
        if (legal) {
            saveSp();
            el = mode >>> 2;
            spsel = mode & 1;
            loadSp();
            illegalState = (saved & (1L << 20)) != 0;
        } else {
            illegalState = true;
        }
        currentPageNumber = -1;
        endBatch(); // take pending interrupts the return unmasked
        return branchAddress(target);
    }

    /** HVC with no EL2: the board's firmware (PSCI), as QEMU's virt does. */
    private void hypercall(int insn) {
        if (el == 0) {
            undefined(insn);
        }
        counters.count(ExitCounters.Reason.HYPERCALL);
        boolean keepRunning = io.hypercall(index, false, (insn >>> 5) & 0xFFFF, hypercallRegisters);
        if (!keepRunning) {
            pc += 4;
            poweredOff = true;
            throw ExceptionTaken.INSTANCE;
        }
    }

    private void waitInstruction(boolean forEvent) {
        if (el == 0 && (sctlr & (forEvent ? SCTLR_NTWE : SCTLR_NTWI)) == 0) {
            syncException(EC_WFX, 0x1E00000 | (forEvent ? 1 : 0), pc);
        }
        if (forEvent && eventRegister) {
            eventRegister = false;
            return;
        }
        pc += 4;
        waiting = forEvent ? Wait.EVENT : Wait.INTERRUPT;
        throw ExceptionTaken.INSTANCE;
    }

    private void checkFpEnabled() {
        int fpen = (int) (cpacr >>> 20) & 3;
        if (fpen == 3 || (fpen == 1 && el == 1)) {
            return;
        }
        syncException(EC_FP_TRAP, 0x1E00000, pc);
    }

    // ---------------------------------------------------------------- loads and stores

    /** The base register value; SP as base must be 16-byte aligned when SCTLR_EL1.SA/SA0 says so. */
    private long baseAddress(int insn) {
        int n = rn(insn);
        if (n != 31) {
            return x[n];
        }
        checkSpAlignment();
        return sp;
    }

    /** The SP alignment check of a load or store based on SP (SCTLR_EL1.SA/SA0). */
    private void checkSpAlignment() {
        if ((sp & 15) != 0 && (sctlr & (el == 0 ? SCTLR_SA0 : SCTLR_SA)) != 0) {
            syncException(EC_SP_ALIGN, 0, pc);
        }
    }

    private long registerOffset(int insn) {
        long offset = extend(x[rm(insn)], (insn >>> 13) & 7);
        return (insn & (1 << 12)) != 0 ? offset << Decoder.kindScale(Decoder.loadStoreKind(insn)) : offset;
    }

    /** One register's load or store, keyed by size:V:opc. */
    private void transfer(int kind, int t, long address, int accessEl) {
        switch (kind) {
            case 0b00000 -> write8(address, x[t], accessEl);
            case 0b00001 -> setX(t, read8(address, accessEl));
            case 0b00010 -> setX(t, (byte) read8(address, accessEl));
            case 0b00011 -> setX(t, (byte) read8(address, accessEl) & M32);
            case 0b01000 -> write16(address, x[t], accessEl);
            case 0b01001 -> setX(t, read16(address, accessEl));
            case 0b01010 -> setX(t, (short) read16(address, accessEl));
            case 0b01011 -> setX(t, (short) read16(address, accessEl) & M32);
            case 0b10000 -> write32(address, x[t], accessEl);
            case 0b10001 -> setX(t, read32(address, accessEl));
            case 0b10010 -> setX(t, (int) read32(address, accessEl));
            case 0b11000 -> write64(address, x[t], accessEl);
            case 0b11001 -> setX(t, read64(address, accessEl));
            case 0b11010 -> {
                // PRFM: a hint
            }
            default -> transferVector(kind, t, address, accessEl);
        }
    }

    private void transferVector(int kind, int t, long address, int accessEl) {
        checkFpEnabled();
        int scale = Decoder.kindScale(kind);
        if ((kind & 1) == 0) {
            storeVector(t, address, scale, accessEl);
        } else {
            loadVector(t, address, scale, accessEl);
        }
    }

    private void loadVector(int t, long address, int scale, int accessEl) {
        long low;
        long high = 0;
        switch (scale) {
            case 0 -> low = read8(address, accessEl);
            case 1 -> low = read16(address, accessEl);
            case 2 -> low = read32(address, accessEl);
            case 3 -> low = read64(address, accessEl);
            default -> {
                checkAlignmentFlag(address, 16, READ); // one 16-byte access, though made of two halves here
                low = read64(address, accessEl);
                high = read64(address + 8, accessEl);
            }
        }
        fp.v[2 * t] = low;
        fp.v[2 * t + 1] = high;
    }

    private void storeVector(int t, long address, int scale, int accessEl) {
        long low = fp.v[2 * t];
        switch (scale) {
            case 0 -> write8(address, low, accessEl);
            case 1 -> write16(address, low, accessEl);
            case 2 -> write32(address, low, accessEl);
            case 3 -> write64(address, low, accessEl);
            default -> {
                checkAlignmentFlag(address, 16, WRITE);
                write64(address, low, accessEl);
                write64(address + 8, fp.v[2 * t + 1], accessEl);
            }
        }
    }

    private void loadLiteral(int insn, long address) {
        int opc = (insn >>> 30) & 3;
        int t = rd(insn);
        if ((insn & (1 << 26)) != 0) {
            checkFpEnabled();
            loadVector(t, address, opc + 2, el);
            return;
        }
        switch (opc) {
            case 0 -> setX(t, read32(address, el));
            case 1 -> setX(t, read64(address, el));
            case 2 -> setX(t, (int) read32(address, el));
            default -> {
                // PRFM (literal): a hint
            }
        }
    }

    private void pair(int op, int insn, long imm) {
        int opc = (insn >>> 30) & 3;
        boolean vector = (insn & (1 << 26)) != 0;
        boolean load = (insn & (1 << 22)) != 0;
        int t = rd(insn);
        int t2 = (insn >>> 10) & 31;
        long base = baseAddress(insn);
        long address = op == Op.LDSTP_POST ? base : base + imm;
        if (vector) {
            checkFpEnabled();
            int scale = 2 + opc;
            int bytes = 1 << scale;
            if (load) {
                loadVector(t, address, scale, el);
                loadVector(t2, address + bytes, scale, el);
            } else {
                storeVector(t, address, scale, el);
                storeVector(t2, address + bytes, scale, el);
            }
        } else if (opc == 2) {
            if (load) {
                long a = read64(address, el);
                long b = read64(address + 8, el);
                setX(t, a);
                setX(t2, b);
            } else {
                write64(address, x[t], el);
                write64(address + 8, x[t2], el);
            }
        } else if (load) {
            long a = read32(address, el);
            long b = read32(address + 4, el);
            setX(t, opc == 1 ? (int) a : a);
            setX(t2, opc == 1 ? (int) b : b);
        } else {
            write32(address, x[t], el);
            write32(address + 4, x[t2], el);
        }
        if (op != Op.LDSTP_OFFSET) {
            setXsp(rn(insn), base + imm);
        }
    }

    /** LDP of two X registers: both loads complete before either register changes. */
    private void loadPair(int insn, long address) {
        long a = read64(address, el);
        long b = read64(address + 8, el);
        setX(rd(insn), a);
        setX((insn >>> 10) & 31, b);
    }

    private void storePair(int insn, long address) {
        write64(address, x[rd(insn)], el);
        write64(address + 8, x[(insn >>> 10) & 31], el);
    }

    private void checkAlignment(long address, int bytes, boolean write) {
        if ((address & (bytes - 1)) != 0) {
            abort(address, write ? WRITE : READ, FSC_ALIGNMENT);
        }
    }

    private void exclusiveOrOrdered(int op, int insn) {
        int t = rd(insn);
        int s = rm(insn);
        int t2 = (insn >>> 10) & 31;
        long address = baseAddress(insn);
        switch (op) {
            case Op.LDAR -> {
                int size = 1 << (insn >>> 30);
                checkAlignment(address, size, false);
                setX(t, readSized(address, size, el));
                VarHandle.acquireFence();
            }
            case Op.STLR -> {
                int size = 1 << (insn >>> 30);
                checkAlignment(address, size, true);
                VarHandle.releaseFence();
                writeSized(address, size, x[t], el);
                monitor.storeReleased();
            }
            case Op.LDXR -> {
                int size = 1 << (insn >>> 30);
                checkAlignment(address, size, false);
                long value = readSized(address, size, el);
                markExclusive(address, size, value, 0);
                setX(t, value);
            }
            case Op.LDXP -> {
                boolean wide = (insn & (1 << 30)) != 0;
                checkAlignment(address, wide ? 16 : 8, false);
                long low = read64(address, el);
                long high = wide ? read64(address + 8, el) : 0;
                markExclusive(address, wide ? 16 : 8, low, high);
                setX(t, wide ? low : low & M32);
                setX(t2, wide ? high : low >>> 32);
            }
            case Op.STXR -> {
                int size = 1 << (insn >>> 30);
                checkAlignment(address, size, true);
                setX(s, storeExclusive(address, size, x[t], 0));
            }
            default -> {
                boolean wide = (insn & (1 << 30)) != 0;
                checkAlignment(address, wide ? 16 : 8, true);
                long low = wide ? x[t] : (x[t] & M32) | x[t2] << 32;
                setX(s, storeExclusive(address, wide ? 16 : 8, low, wide ? x[t2] : 0));
            }
        }
    }

    private void markExclusive(long address, int size, long value, long high) {
        exclusiveActive = true;
        exclusiveAddress = address;
        exclusiveSize = size;
        exclusiveValue = value;
        exclusiveValueHigh = high;
    }

    /** Returns the STXR status: 0 stored, 1 failed. */
    private int storeExclusive(long address, int size, long value, long high) {
        boolean held = exclusiveActive && exclusiveAddress == address && exclusiveSize == size;
        exclusiveActive = false;
        if (!held) {
            return 1;
        }
        if (!resolveWritable(address, size)) {
            // MMIO, ROM or a page with decoded code: no host CAS, a plain store is the best we can do
            if (size == 16) {
                write64(address, value, el);
                write64(address + 8, high, el);
            } else {
                writeSized(address, size, value, el);
            }
            return 0;
        }
        boolean stored = size == 16
                ? monitor.compareAndSetPair(exclusiveSegment, exclusiveOffset, exclusiveValue, exclusiveValueHigh, value, high)
                : monitor.compareAndSet(exclusiveSegment, exclusiveOffset, size, exclusiveValue, value);
        if (stored) {
            monitor.storeReleased();
        }
        return stored ? 0 : 1;
    }

    /** Makes sure a write-TLB entry maps {@code address} and exposes its host location; false when none can. */
    private boolean resolveWritable(long address, int size) {
        long vpn = address >>> 12;
        int slot = ((int) vpn & TLB_MASK) | (el << TLB_BITS);
        if (writeTag[slot] != vpn) {
            long pa = translate(address, el, WRITE);
            PhysicalMemory.Region region = phys.regionAt(pa);
            if (region == null || region.readOnly || walkDevice || phys.hasCode(region, pa)) {
                return false;
            }
            if (dataChecks) { // the TLB stays empty: check here what slowWrite would
                checkWatchpoints(address, size, true, el);
                exclusiveSegment = region.host;
                exclusiveOffset = pa - region.base;
                return true;
            }
            fillWrite(slot, vpn, region, pa);
        }
        exclusiveSegment = writeHost[slot];
        exclusiveOffset = writeOffset[slot] + (address & PhysicalMemory.PAGE_MASK);
        return true;
    }

    /** LD1-LD4 / ST1-ST4 (multiple structures). */
    private void simdMultiple(int insn) {
        int opcode = (insn >>> 12) & 0xF;
        int repeats;
        int elementsPerStructure;
        switch (opcode) {
            case 0b0000 -> { repeats = 1; elementsPerStructure = 4; }
            case 0b0010 -> { repeats = 4; elementsPerStructure = 1; }
            case 0b0100 -> { repeats = 1; elementsPerStructure = 3; }
            case 0b0110 -> { repeats = 3; elementsPerStructure = 1; }
            case 0b0111 -> { repeats = 1; elementsPerStructure = 1; }
            case 0b1000 -> { repeats = 1; elementsPerStructure = 2; }
            case 0b1010 -> { repeats = 2; elementsPerStructure = 1; }
            default -> {
                undefined(insn);
                return;
            }
        }
        int size = (insn >>> 10) & 3;
        boolean q = (insn & (1 << 30)) != 0;
        if (size == 3 && !q && elementsPerStructure > 1) {
            undefined(insn);
        }
        checkFpEnabled();
        boolean load = (insn & (1 << 22)) != 0;
        int t = rd(insn);
        long base = baseAddress(insn);
        long address = base;
        int registerBytes = q ? 16 : 8;
        int elementBytes = 1 << size;
        int elements = registerBytes / elementBytes;
        for (int r = 0; r < repeats; r++) {
            for (int e = 0; e < elements; e++) {
                for (int s = 0; s < elementsPerStructure; s++) {
                    int reg = (t + r + s) & 31;
                    if (load) {
                        setLane(reg, e, size, readSized(address, elementBytes, el));
                    } else {
                        writeSized(address, elementBytes, lane(reg, e, size), el);
                    }
                    address += elementBytes;
                }
            }
            if (load && !q) {
                for (int s = 0; s < elementsPerStructure; s++) {
                    fp.v[2 * ((t + r + s) & 31) + 1] = 0;
                }
            }
        }
        if ((insn & (1 << 23)) != 0) {
            int m = rm(insn);
            setXsp(rn(insn), base + (m == 31 ? (long) repeats * elementsPerStructure * registerBytes : x[m]));
        }
    }

    /** LD1-LD4 / ST1-ST4 (single structure) and LD1R-LD4R. */
    private void simdSingle(int insn) {
        int opcode = (insn >>> 13) & 7;
        int size = (insn >>> 10) & 3;
        boolean s = (insn & (1 << 12)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        boolean load = (insn & (1 << 22)) != 0;
        int structure = (((opcode & 1) << 1) | ((insn >>> 21) & 1)) + 1;
        int scale = opcode >>> 1;
        int laneIndex = 0;
        boolean replicate = false;
        switch (scale) {
            case 0 -> laneIndex = (q ? 8 : 0) | (s ? 4 : 0) | size;
            case 1 -> {
                if ((size & 1) != 0) {
                    undefined(insn);
                }
                laneIndex = (q ? 4 : 0) | (s ? 2 : 0) | (size >>> 1);
            }
            case 2 -> {
                if ((size & 2) != 0 || ((size & 1) != 0 && s)) {
                    undefined(insn);
                }
                if ((size & 1) == 0) {
                    laneIndex = (q ? 2 : 0) | (s ? 1 : 0);
                } else {
                    scale = 3;
                    laneIndex = q ? 1 : 0;
                }
            }
            default -> {
                if (!load || s) {
                    undefined(insn);
                }
                scale = size;
                replicate = true;
            }
        }
        checkFpEnabled();
        int t = rd(insn);
        long base = baseAddress(insn);
        long address = base;
        int elementBytes = 1 << scale;
        for (int k = 0; k < structure; k++) {
            int reg = (t + k) & 31;
            if (replicate) {
                long element = readSized(address, elementBytes, el);
                long pattern = element;
                for (int width = elementBytes * 8; width < 64; width *= 2) {
                    pattern |= pattern << width;
                }
                fp.v[2 * reg] = pattern;
                fp.v[2 * reg + 1] = q ? pattern : 0;
            } else if (load) {
                setLane(reg, laneIndex, scale, readSized(address, elementBytes, el));
            } else {
                writeSized(address, elementBytes, lane(reg, laneIndex, scale), el);
            }
            address += elementBytes;
        }
        if ((insn & (1 << 23)) != 0) {
            int m = rm(insn);
            setXsp(rn(insn), base + (m == 31 ? (long) structure * elementBytes : x[m]));
        }
    }

    private long lane(int reg, int laneIndex, int size) {
        int bit = laneIndex << (size + 3);
        long word = fp.v[2 * reg + (bit >>> 6)];
        return size == 3 ? word : (word >>> (bit & 63)) & mask(8 << size);
    }

    private void setLane(int reg, int laneIndex, int size, long value) {
        int bit = laneIndex << (size + 3);
        int slot = 2 * reg + (bit >>> 6);
        if (size == 3) {
            fp.v[slot] = value;
        } else {
            long laneMask = mask(8 << size) << (bit & 63);
            fp.v[slot] = (fp.v[slot] & ~laneMask) | ((value << (bit & 63)) & laneMask);
        }
    }

    // ---------------------------------------------------------------- memory access through the soft TLB

    private static int slot(long vpn, int accessEl) {
        return ((int) vpn & TLB_MASK) | (accessEl << TLB_BITS);
    }

    private long read8(long va, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (readTag[i] == vpn) {
            return readHost[i].get(U8, readOffset[i] + (va & 0xFFF)) & 0xFFL;
        }
        return slowRead(va, 1, accessEl);
    }

    private long read16(long va, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (readTag[i] == vpn && (va & 0xFFF) <= 0xFFE) {
            return readHost[i].get(U16, readOffset[i] + (va & 0xFFF)) & 0xFFFFL;
        }
        return slowRead(va, 2, accessEl);
    }

    private long read32(long va, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (readTag[i] == vpn && (va & 0xFFF) <= 0xFFC) {
            return readHost[i].get(U32, readOffset[i] + (va & 0xFFF)) & M32;
        }
        return slowRead(va, 4, accessEl);
    }

    private long read64(long va, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (readTag[i] == vpn && (va & 0xFFF) <= 0xFF8) {
            return readHost[i].get(U64, readOffset[i] + (va & 0xFFF));
        }
        return slowRead(va, 8, accessEl);
    }

    private void write8(long va, long value, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (writeTag[i] == vpn) {
            writeHost[i].set(U8, writeOffset[i] + (va & 0xFFF), (byte) value);
        } else {
            slowWrite(va, 1, value, accessEl);
        }
    }

    private void write16(long va, long value, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (writeTag[i] == vpn && (va & 0xFFF) <= 0xFFE) {
            writeHost[i].set(U16, writeOffset[i] + (va & 0xFFF), (short) value);
        } else {
            slowWrite(va, 2, value, accessEl);
        }
    }

    private void write32(long va, long value, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (writeTag[i] == vpn && (va & 0xFFF) <= 0xFFC) {
            writeHost[i].set(U32, writeOffset[i] + (va & 0xFFF), (int) value);
        } else {
            slowWrite(va, 4, value, accessEl);
        }
    }

    private void write64(long va, long value, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (writeTag[i] == vpn && (va & 0xFFF) <= 0xFF8) {
            writeHost[i].set(U64, writeOffset[i] + (va & 0xFFF), value);
        } else {
            slowWrite(va, 8, value, accessEl);
        }
    }

    // ---------------------------------------------------------------- memory access from compiled regions

    /*
     * A compiled region keeps pc, SP and the flags in locals. Its accesses take the TLB fast path inline; a
     * miss first stores that state, so a fault is taken exactly as from the interpreter. They repeat the
     * fast path of read8..write64 instead of calling them: one regionRead/regionWrite through readSized and
     * writeSized measured about 20 % slower on bench/cpu (alternating runs), C2 inlining less of it.
     */

    private void regionSync(long pc, long sp, int flagKind, long flagA, long flagB) {
        this.pc = pc;
        this.sp = sp;
        this.nzcv = Nzcv.lazy(flagKind, flagA, flagB);
    }

    private void regionCheckSp(long pc, long sp, int flagKind, long flagA, long flagB) {
        regionSync(pc, sp, flagKind, flagA, flagB);
        checkSpAlignment();
    }

    private int readHit(long va, int accessEl, int size) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        return readTag[i] == vpn && (va & 0xFFF) <= 4096 - size ? i : -1;
    }

    private int writeHit(long va, int accessEl, int size) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        return writeTag[i] == vpn && (va & 0xFFF) <= 4096 - size ? i : -1;
    }

    private long regionRead8(long va, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = readHit(va, accessEl, 1);
        if (i >= 0) {
            return readHost[i].get(U8, readOffset[i] + (va & 0xFFF)) & 0xFFL;
        }
        regionSync(pc, sp, flagKind, flagA, flagB);
        return slowRead(va, 1, accessEl);
    }

    private long regionRead16(long va, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = readHit(va, accessEl, 2);
        if (i >= 0) {
            return readHost[i].get(U16, readOffset[i] + (va & 0xFFF)) & 0xFFFFL;
        }
        regionSync(pc, sp, flagKind, flagA, flagB);
        return slowRead(va, 2, accessEl);
    }

    private long regionRead32(long va, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = readHit(va, accessEl, 4);
        if (i >= 0) {
            return readHost[i].get(U32, readOffset[i] + (va & 0xFFF)) & M32;
        }
        regionSync(pc, sp, flagKind, flagA, flagB);
        return slowRead(va, 4, accessEl);
    }

    private long regionRead64(long va, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = readHit(va, accessEl, 8);
        if (i >= 0) {
            return readHost[i].get(U64, readOffset[i] + (va & 0xFFF));
        }
        regionSync(pc, sp, flagKind, flagA, flagB);
        return slowRead(va, 8, accessEl);
    }

    private void regionWrite8(long va, long value, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = writeHit(va, accessEl, 1);
        if (i >= 0) {
            writeHost[i].set(U8, writeOffset[i] + (va & 0xFFF), (byte) value);
        } else {
            regionSync(pc, sp, flagKind, flagA, flagB);
            slowWrite(va, 1, value, accessEl);
        }
    }

    private void regionWrite16(long va, long value, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = writeHit(va, accessEl, 2);
        if (i >= 0) {
            writeHost[i].set(U16, writeOffset[i] + (va & 0xFFF), (short) value);
        } else {
            regionSync(pc, sp, flagKind, flagA, flagB);
            slowWrite(va, 2, value, accessEl);
        }
    }

    private void regionWrite32(long va, long value, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = writeHit(va, accessEl, 4);
        if (i >= 0) {
            writeHost[i].set(U32, writeOffset[i] + (va & 0xFFF), (int) value);
        } else {
            regionSync(pc, sp, flagKind, flagA, flagB);
            slowWrite(va, 4, value, accessEl);
        }
    }

    private void regionWrite64(long va, long value, int accessEl, long pc, long sp, int flagKind, long flagA, long flagB) {
        int i = writeHit(va, accessEl, 8);
        if (i >= 0) {
            writeHost[i].set(U64, writeOffset[i] + (va & 0xFFF), value);
        } else {
            regionSync(pc, sp, flagKind, flagA, flagB);
            slowWrite(va, 8, value, accessEl);
        }
    }

    private long readSized(long va, int size, int accessEl) {
        return switch (size) {
            case 1 -> read8(va, accessEl);
            case 2 -> read16(va, accessEl);
            case 4 -> read32(va, accessEl);
            default -> read64(va, accessEl);
        };
    }

    private void writeSized(long va, int size, long value, int accessEl) {
        switch (size) {
            case 1 -> write8(va, value, accessEl);
            case 2 -> write16(va, value, accessEl);
            case 4 -> write32(va, value, accessEl);
            default -> write64(va, value, accessEl);
        }
    }

    private static long hostRead(MemorySegment host, long offset, int size) {
        return switch (size) {
            case 1 -> host.get(U8, offset) & 0xFFL;
            case 2 -> host.get(U16, offset) & 0xFFFFL;
            case 4 -> host.get(U32, offset) & M32;
            default -> host.get(U64, offset);
        };
    }

    private static void hostWrite(MemorySegment host, long offset, int size, long value) {
        switch (size) {
            case 1 -> host.set(U8, offset, (byte) value);
            case 2 -> host.set(U16, offset, (short) value);
            case 4 -> host.set(U32, offset, (int) value);
            default -> host.set(U64, offset, value);
        }
    }

    private long slowRead(long va, int size, int accessEl) {
        if (dataChecks) {
            checkAlignmentFlag(va, size, READ);
        }
        if ((va & PhysicalMemory.PAGE_MASK) + size > 4096) {
            long value = 0;
            for (int k = 0; k < size; k++) {
                value |= read8(va + k, accessEl) << (8 * k);
            }
            return value;
        }
        long pa = translate(va, accessEl, READ);
        if (dataChecks) {
            checkWatchpoints(va, size, false, accessEl);
        }
        PhysicalMemory.Region region = phys.regionAt(pa);
        if (region == null || walkDevice) {
            if (walkDevice && (va & (size - 1)) != 0) {
                abort(va, READ, FSC_ALIGNMENT);
            }
            if (region == null) {
                return mmioRead(va, pa, size);
            }
        } else if (!dataChecks) {
            long vpn = va >>> 12;
            int i = slot(vpn, accessEl);
            readTag[i] = vpn;
            readHost[i] = region.host;
            readOffset[i] = (pa & ~PhysicalMemory.PAGE_MASK) - region.base;
        }
        return hostRead(region.host, pa - region.base, size);
    }

    private void slowWrite(long va, int size, long value, int accessEl) {
        if (dataChecks) {
            checkAlignmentFlag(va, size, WRITE);
        }
        if ((va & PhysicalMemory.PAGE_MASK) + size > 4096) {
            // check both pages before writing either, so a fault leaves memory unchanged
            translate(va, accessEl, WRITE);
            translate(va + size - 1, accessEl, WRITE);
            for (int k = 0; k < size; k++) {
                write8(va + k, value >>> (8 * k), accessEl);
            }
            return;
        }
        long pa = translate(va, accessEl, WRITE);
        if (dataChecks) {
            checkWatchpoints(va, size, true, accessEl);
        }
        PhysicalMemory.Region region = phys.regionAt(pa);
        if (walkDevice && (va & (size - 1)) != 0) {
            abort(va, WRITE, FSC_ALIGNMENT);
        }
        if (region == null || region.readOnly) {
            mmioWrite(va, pa, size, value);
            return;
        }
        if (phys.hasCode(region, pa)) {
            phys.invalidateCode(region, pa);
            currentPageNumber = -1;
        } else if (!walkDevice && !dataChecks) {
            long vpn = va >>> 12;
            fillWrite(slot(vpn, accessEl), vpn, region, pa);
        }
        hostWrite(region.host, pa - region.base, size, value);
    }

    private void fillWrite(int slot, long vpn, PhysicalMemory.Region region, long pa) {
        long offset = (pa & ~PhysicalMemory.PAGE_MASK) - region.base;
        writeTag[slot] = vpn;
        writeHost[slot] = region.host;
        writeOffset[slot] = offset;
        // stage 1 write permission implies read permission
        readTag[slot] = vpn;
        readHost[slot] = region.host;
        readOffset[slot] = offset;
    }

    private long mmioRead(long va, long pa, int size) {
        counters.count(ExitCounters.Reason.MMIO);
        currentPageNumber = -1; // the device may have rewritten code (memoryWritten): fetch afresh
        long value = 0;
        try {
            value = io.mmioRead(index, pa, size) & mask(size * 8);
        } catch (GuestFault fault) {
            abort(va, READ, FSC_EXTERNAL);
        }
        stopIfRequested();
        return value;
    }

    private void mmioWrite(long va, long pa, int size, long value) {
        counters.count(ExitCounters.Reason.MMIO);
        currentPageNumber = -1; // the device may have rewritten code (memoryWritten): fetch afresh
        try {
            io.mmioWrite(index, pa, size, value & mask(size * 8));
        } catch (GuestFault fault) {
            abort(va, WRITE, FSC_EXTERNAL);
        }
        stopIfRequested();
    }

    private void updateDataChecks() {
        boolean checks = debug.watchpointsEnabled() || (sctlr & SCTLR_A) != 0;
        if (checks && !dataChecks) {
            flushTlb();
        }
        dataChecks = checks;
    }

    /** SCTLR_EL1.A: an unaligned ordinary access is an alignment fault (checked on the slow path, see dataChecks). */
    private void checkAlignmentFlag(long va, int size, int type) {
        if ((va & (size - 1)) != 0 && (sctlr & SCTLR_A) != 0) {
            abort(va, type, FSC_ALIGNMENT);
        }
    }

    /** A watchpoint on a data access: checked after translation (a translation fault comes first), as QEMU. */
    private void checkWatchpoints(long va, int size, boolean write, int accessEl) {
        if (debug.watchpointsEnabled() && debug.enabledFrom(el, (daif & DAIF_D) != 0)) {
            long hit = debug.watchpointHit(va, size, write, accessEl, contextidr);
            if (hit >= 0) {
                far = hit;
                syncException(el == 0 ? EC_WATCHPOINT_LOWER : EC_WATCHPOINT_SAME, (write ? 1 << 6 : 0) | FSC_DEBUG, pc);
            }
        }
    }

    /**
     * After a device access: when it stopped the VM (unsupported reference abort, a device powering off),
     * the vCPU stops at once, at this instruction and without completing it, rather than at the batch's end.
     */
    private void stopIfRequested() {
        if (stopRequested) {
            throw ExceptionTaken.INSTANCE;
        }
    }

    private void flushTlb() {
        Arrays.fill(readTag, -1L);
        Arrays.fill(writeTag, -1L);
        Arrays.fill(execTag, -1L);
        Arrays.fill(readHost, null);
        Arrays.fill(writeHost, null);
        Arrays.fill(execPage, null);
        currentPageNumber = -1;
    }

    // ---------------------------------------------------------------- stage 1 translation

    /** Translates or raises the abort for {@code type}. */
    private long translate(long va, int accessEl, int type) {
        long pa = walk(va, accessEl, type);
        if (pa < 0) {
            abort(va, type, walkFault);
        }
        return pa;
    }

    /** Raises an instruction abort (EXEC) or a data abort with the fault status code. */
    private void abort(long va, int type, int fsc) {
        far = va;
        if (type == EXEC) {
            syncException(el == 0 ? EC_IABORT_LOWER : EC_IABORT_SAME, fsc, va);
        }
        // no instruction syndrome (ISV = 0): reporting it to EL1 is optional, and QEMU does not
        syncException(el == 0 ? EC_DABORT_LOWER : EC_DABORT_SAME, (type == WRITE ? 1 << 6 : 0) | fsc, pc);
    }

    /**
     * The EL1&amp;0 stage 1 walk with a 4 KiB granule. Returns the physical address, or -1 with the fault
     * status in {@link #walkFault}. Sets {@link #walkDevice} and the memory attributes for PAR_EL1.
     */
    private long walk(long va, int accessEl, int type) {
        walkDevice = false;
        walkAttributes = 0xFF;
        walkShareability = 0;
        if ((sctlr & SCTLR_M) == 0) {
            // MMU off: flat; treated as Normal memory so RAM keeps the fast path
            if ((va >>> 48) != 0) {
                walkFault = FSC_ADDRESS_SIZE;
                return -1;
            }
            return va;
        }
        boolean upper = (va & (1L << 55)) != 0;
        int txsz = (int) (upper ? tcr >>> 16 : tcr) & 0x3F;
        boolean tbi = (tcr & (upper ? 1L << 38 : 1L << 37)) != 0 && type != EXEC;
        boolean disabled = (tcr & (upper ? 1L << 23 : 1L << 7)) != 0;
        txsz = Math.max(16, Math.min(39, txsz));
        int inputSize = 64 - txsz;
        long topBits = tbi ? (va << 8) >> (inputSize + 8) : va >> inputSize;
        if (topBits != (upper ? -1L : 0L) || disabled) {
            walkFault = FSC_TRANSLATION;
            return -1;
        }
        long table = (upper ? ttbr1 : ttbr0) & 0x0000FFFFFFFFFFFEL;
        int level = 4 - (inputSize - 12 + 8) / 9;
        boolean tableNoEl0 = false;
        boolean tableReadOnly = false;
        boolean tableUxn = false;
        boolean tablePxn = false;
        while (true) {
            int shift = 12 + 9 * (3 - level);
            int indexBits = Math.min(9, inputSize - shift);
            long descriptorAddress = (table & ~7L) + (((va >>> shift) & ((1L << indexBits) - 1)) << 3);
            PhysicalMemory.Region region = phys.regionAt(descriptorAddress);
            if (region == null) {
                walkFault = FSC_EXTERNAL_WALK + level;
                return -1;
            }
            long descriptor = region.host.get(U64, descriptorAddress - region.base);
            int kind = (int) descriptor & 3;
            if ((kind & 1) == 0 || (level == 3 && kind == 1) || (level == 0 && kind == 1)) {
                walkFault = FSC_TRANSLATION + level;
                return -1;
            }
            if (level < 3 && kind == 3) {
                tablePxn |= (descriptor & (1L << 59)) != 0;
                tableUxn |= (descriptor & (1L << 60)) != 0;
                tableNoEl0 |= (descriptor & (1L << 61)) != 0;
                tableReadOnly |= (descriptor & (1L << 62)) != 0;
                table = descriptor & 0x0000FFFFFFFFF000L;
                level++;
                continue;
            }
            if ((descriptor & (1L << 10)) == 0) {
                walkFault = FSC_ACCESS_FLAG + level;
                return -1;
            }
            int ap = (int) (descriptor >>> 6) & 3;
            boolean el0Access = (ap & 1) != 0 && !tableNoEl0;
            boolean readOnly = (ap & 2) != 0 || tableReadOnly;
            boolean permitted = switch (type) {
                case READ -> accessEl == 1 || el0Access;
                case WRITE -> !readOnly && (accessEl == 1 || el0Access);
                default -> {
                    // EL0 may execute what it cannot read (execute-only memory): only UXN and WXN forbid it.
                    // EL1 may not execute what EL0 can write (an implicit PXN), nor with WXN what it can write.
                    boolean writable = !readOnly && (accessEl == 1 || el0Access);
                    boolean wxn = (sctlr & SCTLR_WXN) != 0 && writable;
                    yield accessEl == 0
                            ? (descriptor & (1L << 54)) == 0 && !tableUxn && !wxn
                            : (descriptor & (1L << 53)) == 0 && !tablePxn && !wxn && !(el0Access && !readOnly);
                }
            };
            if (!permitted) {
                walkFault = FSC_PERMISSION + level;
                return -1;
            }
            long blockMask = (1L << shift) - 1;
            walkAttributes = (mair >>> (8 * ((descriptor >>> 2) & 7))) & 0xFF;
            walkDevice = (walkAttributes & 0xF0) == 0;
            walkShareability = (descriptor >>> 8) & 3;
            return (descriptor & 0x0000FFFFFFFFF000L & ~blockMask) | (va & blockMask);
        }
    }

    /** AT S1E1R/W, S1E0R/W: the walk's result in PAR_EL1, never a fault. */
    private void addressTranslate(long va, int accessEl, boolean write) {
        long pa = walk(va, accessEl, write ? WRITE : READ);
        if (pa < 0) {
            par = 1L | (long) walkFault << 1 | 1L << 11;
        } else {
            par = (walkAttributes << 56) | (pa & 0x0000FFFFFFFFF000L) | (walkShareability << 7);
        }
    }

    // ---------------------------------------------------------------- system instructions and registers

    private void trapSystemAccess(int insn, boolean read) {
        int key = (insn >>> 5) & 0xFFFF;
        int iss = ((key >>> 14) & 3) << 20 | (key & 7) << 17 | ((key >>> 11) & 7) << 14 | ((key >>> 7) & 15) << 10
                | rd(insn) << 5 | ((key >>> 3) & 15) << 1 | (read ? 1 : 0);
        syncException(EC_SYSREG, iss, pc);
    }

    private void msrImmediate(int insn) {
        int op1 = (insn >>> 16) & 7;
        int op2 = (insn >>> 5) & 7;
        int crm = (insn >>> 8) & 15;
        if (op1 == 0 && op2 == 5 && el == 1) {
            saveSp();
            spsel = crm & 1;
            loadSp();
        } else if (op1 == 3 && (op2 == 6 || op2 == 7)) {
            if (el == 0 && (sctlr & SCTLR_UMA) == 0) {
                trapSystemAccess(insn, false);
            }
            daif = op2 == 6 ? daif | crm : daif & ~crm;
            endBatch(); // take an interrupt that is now unmasked
        } else {
            undefined(insn);
        }
    }

    private void systemInstruction(int insn) {
        int op1 = (insn >>> 16) & 7;
        int crn = (insn >>> 12) & 15;
        int crm = (insn >>> 8) & 15;
        int op2 = (insn >>> 5) & 7;
        long value = x[rd(insn)];
        if (crn == 8 && op1 == 0 && el == 1 && (crm == 3 || crm == 7)) {
            flushTlb();
            if (crm == 3) {
                phys.broadcastTlbFlush();
                seenTlbGeneration = phys.tlbGeneration();
            }
            return;
        }
        if (crn != 7) {
            undefined(insn);
        }
        if (op1 == 3) {
            switch (crm << 3 | op2) {
                case 4 << 3 | 1 -> {
                    if (el == 0 && (sctlr & SCTLR_DZE) == 0) {
                        trapSystemAccess(insn, false);
                    }
                    long block = value & ~63L;
                    for (int k = 0; k < 64; k += 8) {
                        write64(block + k, 0, el);
                    }
                }
                case 5 << 3 | 1 -> {
                    checkCacheMaintenanceAtEl0(insn);
                    long pa = walk(value, el, READ);
                    PhysicalMemory.Region region = pa < 0 ? null : phys.regionAt(pa);
                    if (region != null) {
                        phys.invalidateCode(region, pa);
                        currentPageNumber = -1;
                    }
                }
                case 10 << 3 | 1, 11 << 3 | 1, 14 << 3 | 1 -> checkCacheMaintenanceAtEl0(insn);
                default -> undefined(insn);
            }
            return;
        }
        if (op1 != 0 || el == 0) {
            undefined(insn);
        }
        switch (crm << 3 | op2) {
            case 1 << 3, 5 << 3 -> {
                phys.invalidateAllCode();
                currentPageNumber = -1;
            }
            case 6 << 3 | 1, 6 << 3 | 2, 10 << 3 | 2, 14 << 3 | 2 -> {
                // data cache maintenance by VA or set/way: memory is always coherent here
            }
            case 8 << 3, 8 << 3 | 1 -> addressTranslate(value, 1, op2 == 1);
            case 8 << 3 | 2, 8 << 3 | 3 -> addressTranslate(value, 0, op2 == 3);
            default -> undefined(insn);
        }
    }

    private void checkCacheMaintenanceAtEl0(int insn) {
        if (el == 0 && (sctlr & SCTLR_UCI) == 0) {
            trapSystemAccess(insn, false);
        }
    }

    private SystemRegisterDevice deviceFor(int key) {
        for (SystemRegisterDevice d : sysregDevices) {
            if (d.claims(key)) {
                return d;
            }
        }
        return null;
    }

    /** EL0 access to the counter/timer registers as CNTKCTL_EL1 allows. */
    private void checkTimerAccessAtEl0(int insn, boolean read, int key) {
        if (el != 0) {
            return;
        }
        boolean physicalCounter = (cntkctl & 1) != 0;
        boolean virtualCounter = (cntkctl & 2) != 0;
        boolean allowed = switch (key) {
            case SysReg.CNTFRQ_EL0 -> read && (physicalCounter || virtualCounter);
            case SysReg.CNTPCT_EL0 -> read && physicalCounter;
            case SysReg.CNTVCT_EL0 -> read && virtualCounter;
            case SysReg.CNTP_CTL_EL0, SysReg.CNTP_CVAL_EL0, SysReg.CNTP_TVAL_EL0 -> (cntkctl & (1 << 9)) != 0;
            default -> (cntkctl & (1 << 8)) != 0;
        };
        if (!allowed) {
            trapSystemAccess(insn, read);
        }
    }

    private long readSystemRegister(int insn) {
        int key = (insn >>> 5) & 0xFFFF;
        int op0 = key >>> 14;
        int op1 = (key >>> 11) & 7;
        int crn = (key >>> 7) & 15;
        if (el == 0 && op1 != 3) {
            el1RegisterAtEl0(insn);
        }
        SystemRegisterDevice device = deviceFor(key);
        if (device != null) {
            return device.read(index, key);
        }
        if (op0 == 2 && op1 == 0) {
            // the other debug registers (DBGPRCR, OSECCR, OSDTR*, claim tags): RAZ/WI
            return SelfHostedDebug.claims(key) ? debug.read(key) : 0;
        }
        if (op0 == 3 && op1 == 0 && crn == 0 && ((key >>> 3) & 15) <= 7) {
            return CoreIdentity.identification(key, index);
        }
        if (crn == 14 && op1 == 3) {
            checkTimerAccessAtEl0(insn, true, key);
        }
        return switch (key) {
            case SysReg.CCSIDR_EL1 -> CoreIdentity.ccsidr(csselr);
            case SysReg.CLIDR_EL1 -> CoreIdentity.CLIDR;
            case SysReg.AIDR_EL1 -> 0;
            case SysReg.CSSELR_EL1 -> csselr;
            case SysReg.CTR_EL0 -> {
                if (el == 0 && (sctlr & SCTLR_UCT) == 0) {
                    trapSystemAccess(insn, true);
                }
                yield CoreIdentity.CTR;
            }
            case SysReg.DCZID_EL0 -> el == 0 && (sctlr & SCTLR_DZE) == 0 ? CoreIdentity.DCZID | 0x10 : CoreIdentity.DCZID;
            case SysReg.SCTLR_EL1 -> sctlr;
            case SysReg.ACTLR_EL1, SysReg.AFSR0_EL1, SysReg.AFSR1_EL1, SysReg.AMAIR_EL1 -> 0;
            case SysReg.CPACR_EL1 -> cpacr;
            case SysReg.TTBR0_EL1 -> ttbr0;
            case SysReg.TTBR1_EL1 -> ttbr1;
            case SysReg.TCR_EL1 -> tcr;
            case SysReg.SPSR_EL1 -> spsr;
            case SysReg.ELR_EL1 -> elr;
            case SysReg.SP_EL0 -> spsel == 0 ? sp : spEl0;
            case SysReg.SPSEL -> spsel;
            case SysReg.CURRENT_EL -> (long) el << 2;
            case SysReg.NZCV -> (long) nzcv << 28;
            case SysReg.DAIF -> {
                if (el == 0 && (sctlr & SCTLR_UMA) == 0) {
                    trapSystemAccess(insn, true);
                }
                yield (long) daif << 6;
            }
            case SysReg.FPCR -> {
                checkFpEnabled();
                yield fp.fpcr & M32;
            }
            case SysReg.FPSR -> {
                checkFpEnabled();
                yield fp.fpsr & M32;
            }
            case SysReg.ESR_EL1 -> esr;
            case SysReg.FAR_EL1 -> far;
            case SysReg.PAR_EL1 -> par;
            case SysReg.MAIR_EL1 -> mair;
            case SysReg.VBAR_EL1 -> vbar;
            case SysReg.ISR_EL1 -> (irqLevel ? 1L << 7 : 0) | (fiqLevel ? 1L << 6 : 0);
            case SysReg.CONTEXTIDR_EL1 -> contextidr;
            case SysReg.TPIDR_EL1 -> tpidrEl1;
            case SysReg.TPIDR_EL0 -> tpidrEl0;
            case SysReg.TPIDRRO_EL0 -> tpidrroEl0;
            case SysReg.CNTKCTL_EL1 -> cntkctl;
            case SysReg.CNTFRQ_EL0 -> GenericTimer.FREQUENCY;
            case SysReg.CNTPCT_EL0, SysReg.CNTVCT_EL0 -> timer.count();
            case SysReg.CNTP_CTL_EL0 -> timer.readCtl(GenericTimer.PHYSICAL);
            case SysReg.CNTP_CVAL_EL0 -> timer.readCval(GenericTimer.PHYSICAL);
            case SysReg.CNTP_TVAL_EL0 -> timer.readTval(GenericTimer.PHYSICAL);
            case SysReg.CNTV_CTL_EL0 -> timer.readCtl(GenericTimer.VIRTUAL);
            case SysReg.CNTV_CVAL_EL0 -> timer.readCval(GenericTimer.VIRTUAL);
            case SysReg.CNTV_TVAL_EL0 -> timer.readTval(GenericTimer.VIRTUAL);
            default -> {
                undefined(insn);
                yield 0;
            }
        };
    }

    private void writeSystemRegister(int insn, long value) {
        int key = (insn >>> 5) & 0xFFFF;
        int op0 = key >>> 14;
        int op1 = (key >>> 11) & 7;
        int crn = (key >>> 7) & 15;
        if (el == 0 && op1 != 3) {
            el1RegisterAtEl0(insn);
        }
        SystemRegisterDevice device = deviceFor(key);
        if (device != null) {
            device.write(index, key, value);
            return;
        }
        if (op0 == 2 && op1 == 0) {
            if (SelfHostedDebug.claims(key)) {
                debug.write(key, value);
                debugChecks = debug.breakpointsEnabled() || debug.stepEnabled();
                updateDataChecks();
                endBatch(); // the next instruction may be checked
            }
            return;
        }
        if (crn == 14 && op1 == 3) {
            checkTimerAccessAtEl0(insn, false, key);
        }
        switch (key) {
            case SysReg.CSSELR_EL1 -> csselr = value & 0xF;
            case SysReg.SCTLR_EL1 -> {
                sctlr = value | SCTLR_RESET;
                flushTlb();
                updateDataChecks();
            }
            case SysReg.ACTLR_EL1, SysReg.AFSR0_EL1, SysReg.AFSR1_EL1, SysReg.AMAIR_EL1 -> {
                // implementation defined / auxiliary: write-ignored
            }
            case SysReg.CPACR_EL1 -> cpacr = value & (3L << 20);
            case SysReg.TTBR0_EL1 -> {
                ttbr0 = value;
                flushTlb();
            }
            case SysReg.TTBR1_EL1 -> {
                ttbr1 = value;
                flushTlb();
            }
            case SysReg.TCR_EL1 -> {
                tcr = value;
                flushTlb();
            }
            case SysReg.SPSR_EL1 -> spsr = value & 0xF03003DFL;
            case SysReg.ELR_EL1 -> elr = value;
            case SysReg.SP_EL0 -> {
                if (spsel == 0) {
                    undefined(insn);
                }
                spEl0 = value;
            }
            case SysReg.SPSEL -> {
                saveSp();
                spsel = (int) value & 1;
                loadSp();
            }
            case SysReg.NZCV -> nzcv = (int) (value >>> 28) & 0xF;
            case SysReg.DAIF -> {
                if (el == 0 && (sctlr & SCTLR_UMA) == 0) {
                    trapSystemAccess(insn, false);
                }
                daif = (int) (value >>> 6) & 0xF;
                endBatch();
            }
            case SysReg.FPCR -> {
                checkFpEnabled();
                fp.fpcr = (int) value;
            }
            case SysReg.FPSR -> {
                checkFpEnabled();
                fp.fpsr = (int) value;
            }
            case SysReg.ESR_EL1 -> esr = value & M32;
            case SysReg.FAR_EL1 -> far = value;
            case SysReg.PAR_EL1 -> par = value;
            case SysReg.MAIR_EL1 -> {
                mair = value;
                flushTlb();
            }
            case SysReg.VBAR_EL1 -> vbar = value & ~0x7FFL;
            case SysReg.CONTEXTIDR_EL1 -> contextidr = value & M32;
            case SysReg.TPIDR_EL1 -> tpidrEl1 = value;
            case SysReg.TPIDR_EL0 -> tpidrEl0 = value;
            case SysReg.TPIDRRO_EL0 -> {
                if (el == 0) {
                    undefined(insn);
                }
                tpidrroEl0 = value;
            }
            case SysReg.CNTKCTL_EL1 -> cntkctl = value & 0x3FF;
            case SysReg.CNTP_CTL_EL0 -> timerDeadlineWritten(GenericTimer.PHYSICAL, 0, value);
            case SysReg.CNTP_CVAL_EL0 -> timerDeadlineWritten(GenericTimer.PHYSICAL, 1, value);
            case SysReg.CNTP_TVAL_EL0 -> timerDeadlineWritten(GenericTimer.PHYSICAL, 2, value);
            case SysReg.CNTV_CTL_EL0 -> timerDeadlineWritten(GenericTimer.VIRTUAL, 0, value);
            case SysReg.CNTV_CVAL_EL0 -> timerDeadlineWritten(GenericTimer.VIRTUAL, 1, value);
            case SysReg.CNTV_TVAL_EL0 -> timerDeadlineWritten(GenericTimer.VIRTUAL, 2, value);
            default -> undefined(insn);
        }
    }

    /** A write to CTL (0), CVAL (1) or TVAL (2) of a timer: the outputs and the next deadline change. */
    private void timerDeadlineWritten(int which, int register, long value) {
        switch (register) {
            case 0 -> timer.writeCtl(which, value);
            case 1 -> timer.writeCval(which, value);
            default -> timer.writeTval(which, value);
        }
        timerDeadline = timer.update();
        endBatch(); // the interrupt may be pending now
    }
}
