package io.jqvm.cpu.a64;

import io.jqvm.accel.A64Entry;
import io.jqvm.accel.A64Registers;
import io.jqvm.accel.EntryState;
import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestDebug;
import io.jqvm.accel.GuestIo;
import io.jqvm.accel.Registers;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.aarch64.A64Vcpu;
import io.jqvm.cpu.a64.simd.FpSimdState;
import io.jqvm.device.IrqLine;
import io.jqvm.device.SystemRegisterDevice;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.concurrent.locks.LockSupport;

/**
 * One AArch64 vCPU (EL0 and EL1, AArch64 only) run by a predecoding interpreter: instructions are
 * decoded once per guest-physical page into {@link CodePage}s and dispatched by a {@code switch} on
 * dense {@link Op} ids; data accesses go through a direct-mapped soft TLB that maps guest-virtual pages
 * to host {@link java.lang.foreign.MemorySegment}s. Guest exceptions update the state and unwind with the
 * preallocated {@link ExceptionTaken}. See {@code cpu-a64/README.md}.
 *
 * <p>This class is the vCPU interface, the run loop (batches, interrupts, WFI/WFE) and the self-hosted debug
 * stepping; the CPU's other concerns are the layers it extends, from {@link A64State} up to
 * {@link Interpreter}.
 *
 * <p>All methods except {@link #requestStop}, the IRQ/FIQ pins and {@link #signalEvent} run on the
 * vCPU's thread.
 */
public final class A64Cpu extends Interpreter implements A64Vcpu {
    private static final int BATCH = 4096;
    private static final long MAX_PARK_NANOS = 100_000_000L;
    private static final long WFE_MAX_PARK_NANOS = 1_000_000L;

    private static final long[] NO_BREAKPOINTS = {};

    private volatile Thread thread;
    /** The debugger's breakpoints (software and hardware alike), sorted; see {@link #setGuestDebug}. */
    private long[] debuggerBreakpoints = NO_BREAKPOINTS;
    private boolean debuggerStep;
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
        super(index, phys, monitor, io, counters, epochNanos, regionCompiler);
        monitor.register(this);
        reset();
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
        dataChecks = debuggerWatchpoints != null; // the debugger's outlive a reset
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
            if (debuggerChecks) {
                VcpuExit.Debug stop = runUnderDebugger();
                if (stop != null) {
                    return stop;
                }
                continue;
            }
            serviceBoundary(true);
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
            if (debuggerStop != null) {
                return takeDebuggerStop();
            }
        }
    }

    /**
     * Up to a batch of instructions for a debugger: on a page with a breakpoint, or when stepping, one at a time,
     * stopping before a breakpoint's instruction; elsewhere a batch that ends where it would enter such a page
     * ({@link #fetchPage}). A single step runs one instruction with interrupts held off (as QEMU's gdbstub does by
     * default), a WFI or WFE in it completing at once. Null when the batch ended without a stop.
     */
    private VcpuExit.Debug runUnderDebugger() {
        serviceBoundary(!debuggerStep);
        for (int n = 0; n < BATCH; n++) {
            boolean checked = debuggerStep || Arrays.binarySearch(debuggerBreakpointPages, pc >>> 12) >= 0;
            if (checked && !debuggerStep && Arrays.binarySearch(debuggerBreakpoints, pc) >= 0) {
                return new VcpuExit.Debug(GuestDebug.Cause.BREAKPOINT, null, 0);
            }
            int budget = checked || debugChecks ? 1 : BATCH - n;
            batchLeft = budget;
            currentPageNumber = -1;
            debuggerBatch = !checked;
            try {
                if (debugChecks) {
                    executeWithDebugChecks();
                } else {
                    executeBatch();
                }
            } catch (ExceptionTaken transfer) {
                // the state already reflects the exception, the wait, or the breakpoint page ahead
            } finally {
                debuggerBatch = false;
            }
            retired += budget - batchLeft;
            n += budget - 1;
            if (debuggerStop != null) {
                return takeDebuggerStop();
            }
            if (debuggerStep) {
                waiting = Wait.NONE;
                return new VcpuExit.Debug(GuestDebug.Cause.STEP, null, 0);
            }
            if (waiting != Wait.NONE || stopRequested || poweredOff) {
                return null;
            }
        }
        return null;
    }

    private VcpuExit.Debug takeDebuggerStop() {
        VcpuExit.Debug stop = debuggerStop;
        debuggerStop = null;
        return stop;
    }

    @Override
    public void requestStop() {
        stopRequested = true;
        wake();
    }

    @Override
    public A64Registers registers() {
        return new A64Registers(Arrays.copyOf(x, A64Registers.GENERAL_REGISTERS), sp, pc, pstate() & 0xFFFF_FFFFL,
                fp.v, fp.fpsr, fp.fpcr);
    }

    /**
     * Takes x0-x30, sp, pc, V0-V31, FPSR and FPCR, and from PSTATE only NZCV: the exception level and masks stay
     * the CPU's own.
     */
    @Override
    public void setRegisters(Registers registers) {
        if (!(registers instanceof A64Registers r)) {
            throw new IllegalArgumentException("an AArch64 vCPU takes A64Registers, not " + registers);
        }
        System.arraycopy(r.x(), 0, x, 0, A64Registers.GENERAL_REGISTERS);
        sp = r.sp();
        pc = r.pc();
        nzcv = (int) (r.pstate() >>> 28) & 0xF;
        System.arraycopy(r.v(), 0, fp.v, 0, fp.v.length);
        fp.fpsr = r.fpsr();
        fp.fpcr = r.fpcr();
    }

    @Override
    public long translateVirtual(long va) {
        return debuggerTranslate(va);
    }

    /**
     * Breakpoints stop at their address before the instruction runs, without writing a BRK into guest memory:
     * the guest's own memory and code cache stay untouched, and a debugger's read shows the guest's bytes. While
     * any is set, the vCPU interprets (no compiled region runs), one instruction at a time on their pages.
     */
    @Override
    public String guestDebugProblem(GuestDebug debug) {
        return null; // any number of breakpoints and watchpoints, of any length
    }

    @Override
    public void setGuestDebug(GuestDebug d) {
        long[] breakpoints = Stream.concat(d.softwareBreakpoints().stream(),
                d.hardwareBreakpoints().stream()).mapToLong(Long::longValue).sorted().distinct().toArray();
        debuggerBreakpoints = breakpoints.length == 0 ? NO_BREAKPOINTS : breakpoints;
        debuggerBreakpointPages = Arrays.stream(breakpoints).map(address -> address >>> 12).sorted().distinct().toArray();
        debuggerStep = d.singleStep();
        debuggerChecks = debuggerStep || breakpoints.length > 0;
        debuggerWatchpoints = d.watchpoints().isEmpty() ? null : d.watchpoints().toArray(GuestDebug.Watchpoint[]::new);
        debuggerStop = null;
        updateDataChecks();
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

    /** Moves the counter back by a pause's length, so it reads on from where it stopped; the vCPU is stopped. */
    public void skipCounter(long nanos) {
        timer.skip(nanos);
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

    /** Work between instruction batches: timers, remote TLB/code invalidations, and interrupts when taken. */
    private void serviceBoundary(boolean takeInterrupts) {
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
        if (!takeInterrupts) {
            return;
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
}
