package io.jqvm.accel.kvm;

import io.jqvm.accel.EntryState;
import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestDebug;
import io.jqvm.accel.GuestFault;
import io.jqvm.accel.GuestIo;
import io.jqvm.accel.Registers;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.X86Entry;
import io.jqvm.accel.X86Registers;
import io.jqvm.common.Hex;
import io.jqvm.host.Libc;
import io.jqvm.kvm.ioctl.KvmVcpuFd;
import io.jqvm.kvm.sys.KvmConstants;
import io.jqvm.kvm.sys.KvmStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.jqvm.kvm.sys.KvmConstants.EXIT_DEBUG;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_EXCEPTION;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_FAIL_ENTRY;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_HLT;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_HYPERCALL;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_INTERNAL_ERROR;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_INTR;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_IO;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_IO_OUT;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_IRQ_WINDOW_OPEN;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_MMIO;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_SHUTDOWN;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_SYSTEM_EVENT;
import static io.jqvm.kvm.sys.KvmConstants.EXIT_UNKNOWN;
import static io.jqvm.kvm.sys.KvmConstants.INTERNAL_ERROR_DELIVERY_EV;
import static io.jqvm.kvm.sys.KvmConstants.INTERNAL_ERROR_EMULATION;
import static io.jqvm.kvm.sys.KvmConstants.INTERNAL_ERROR_SIMUL_EX;
import static io.jqvm.kvm.sys.KvmConstants.INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
import static io.jqvm.kvm.sys.KvmConstants.SYSTEM_EVENT_CRASH;
import static io.jqvm.kvm.sys.KvmConstants.SYSTEM_EVENT_RESET;
import static io.jqvm.kvm.sys.KvmConstants.SYSTEM_EVENT_SHUTDOWN;
import static io.jqvm.kvm.sys.KvmConstants.VECTOR_GP;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One KVM vCPU. The thread that calls {@link #run} issues every vCPU ioctl (KVM holds the vCPU's mutex
 * during KVM_RUN, so an ioctl from elsewhere would block); other threads only {@link #requestStop}.
 * Guest port and MMIO accesses are completed through {@link GuestIo} inside the loop.
 */
final class KvmVcpu implements Vcpu {
    private static final long RUN_IMMEDIATE_EXIT = KvmStructs.offset(KvmStructs.RUN, "immediate_exit");
    private static final long RUN_EXIT_REASON = KvmStructs.offset(KvmStructs.RUN, "exit_reason");
    private static final long IO_DIRECTION = KvmStructs.offset(KvmStructs.RUN, "exit", "io", "direction");
    private static final long IO_SIZE = KvmStructs.offset(KvmStructs.RUN, "exit", "io", "size");
    private static final long IO_PORT = KvmStructs.offset(KvmStructs.RUN, "exit", "io", "port");
    private static final long IO_COUNT = KvmStructs.offset(KvmStructs.RUN, "exit", "io", "count");
    private static final long IO_DATA_OFFSET = KvmStructs.offset(KvmStructs.RUN, "exit", "io", "data_offset");
    private static final long MMIO_ADDRESS = KvmStructs.offset(KvmStructs.RUN, "exit", "mmio", "phys_addr");
    private static final long MMIO_DATA = KvmStructs.offset(KvmStructs.RUN, "exit", "mmio", "data");
    private static final long MMIO_LENGTH = KvmStructs.offset(KvmStructs.RUN, "exit", "mmio", "len");
    private static final long MMIO_IS_WRITE = KvmStructs.offset(KvmStructs.RUN, "exit", "mmio", "is_write");
    private static final long HW_EXIT_REASON = KvmStructs.offset(KvmStructs.RUN, "exit", "hw", "hardware_exit_reason");
    private static final long FAIL_ENTRY_REASON =
            KvmStructs.offset(KvmStructs.RUN, "exit", "fail_entry", "hardware_entry_failure_reason");
    private static final long FAIL_ENTRY_CPU = KvmStructs.offset(KvmStructs.RUN, "exit", "fail_entry", "cpu");
    private static final long INTERNAL_SUBERROR = KvmStructs.offset(KvmStructs.RUN, "exit", "internal", "suberror");
    private static final long INTERNAL_NDATA = KvmStructs.offset(KvmStructs.RUN, "exit", "internal", "ndata");
    private static final long INTERNAL_DATA = KvmStructs.offset(KvmStructs.RUN, "exit", "internal", "data");
    private static final long SYSTEM_EVENT_TYPE = KvmStructs.offset(KvmStructs.RUN, "exit", "system_event", "type");
    private static final int INTERNAL_DATA_MAX = 16;
    private static final long DEBUG_DR6 = KvmStructs.offset(KvmStructs.RUN, "exit", "debug", "dr6");
    private static final long GUEST_DEBUG_REGS = KvmStructs.offset(KvmStructs.GUEST_DEBUG, "debugreg");
    private static final long TRANSLATION_LINEAR = KvmStructs.offset(KvmStructs.TRANSLATION, "linear_address");
    private static final long TRANSLATION_PHYSICAL = KvmStructs.offset(KvmStructs.TRANSLATION, "physical_address");
    private static final long TRANSLATION_VALID = KvmStructs.offset(KvmStructs.TRANSLATION, "valid");
    private static final ValueLayout.OfShort UNALIGNED_SHORT = JAVA_SHORT.withByteAlignment(1);
    private static final ValueLayout.OfInt UNALIGNED_INT = JAVA_INT.withByteAlignment(1);
    private static final ValueLayout.OfLong INT_ALIGNED_LONG = JAVA_LONG.withByteAlignment(4);

    private static final long EVENT_EXCEPTION_INJECTED = KvmStructs.offset(KvmStructs.VCPU_EVENTS, "exception", "injected");
    private static final long EVENT_EXCEPTION_NR = KvmStructs.offset(KvmStructs.VCPU_EVENTS, "exception", "nr");
    private static final long EVENT_EXCEPTION_HAS_ERROR_CODE =
            KvmStructs.offset(KvmStructs.VCPU_EVENTS, "exception", "has_error_code");
    private static final long EVENT_EXCEPTION_PENDING = KvmStructs.offset(KvmStructs.VCPU_EVENTS, "exception", "pending");
    private static final long EVENT_EXCEPTION_ERROR_CODE = KvmStructs.offset(KvmStructs.VCPU_EVENTS, "exception", "error_code");
    private static final long EVENT_FLAGS = KvmStructs.offset(KvmStructs.VCPU_EVENTS, "flags");

    /** kvm_regs offsets of the general registers in encoding order (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15). */
    private static final long[] GPR_OFFSETS = java.util.stream.Stream.of("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi",
            "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15").mapToLong(n -> KvmStructs.offset(KvmStructs.REGS, n)).toArray();
    /** kvm_sregs segment names in encoding order. */
    private static final String[] SEGMENTS = {"es", "cs", "ss", "ds", "fs", "gs"};
    private static final long FS_BASE = KvmStructs.offset(KvmStructs.SREGS, "fs", "base");
    private static final long GS_BASE = KvmStructs.offset(KvmStructs.SREGS, "gs", "base");

    private static final String[] MP_STATES = {
        "runnable", "uninitialized", "init-received", "halted", "sipi-received", "stopped", "check-stop", "operating", "load"};

    private final int index;
    private final KvmVcpuFd fd;
    private final MemorySegment run;
    private final GuestIo io;
    private final ExitCounters counters;
    private final KickSignal kick = new KickSignal();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment regs = arena.allocate(KvmStructs.REGS);
    private final MemorySegment sregs = arena.allocate(KvmStructs.SREGS);
    private final MemorySegment events = arena.allocate(KvmStructs.VCPU_EVENTS);
    private final MemorySegment mpState = arena.allocate(KvmStructs.MP_STATE);
    private final MemorySegment signalMask =
            arena.allocate(KvmStructs.SIGNAL_MASK.byteSize() + KickSignal.kernelSigsetBytes(), 8);

    private volatile boolean stopRequested;
    /** The kernel tid of the thread inside {@link #run}, 0 when none: whom {@link #requestStop} kicks. */
    private volatile int runningTid;
    /**
     * The thread whose signal mask KVM was given; another thread must block the kick first. A Thread, not
     * a tid: the kernel reuses the tids of ended threads.
     */
    private Thread preparedThread;

    /** The KVM_GUESTDBG_* flags this host's KVM_SET_GUEST_DEBUG accepts (KVM_CAP_SET_GUEST_DEBUG2). */
    private final int guestDebugFlags;
    private final MemorySegment guestDebug = arena.allocate(KvmStructs.GUEST_DEBUG);
    private final MemorySegment translation = arena.allocate(KvmStructs.TRANSLATION);
    /** The debugger's breakpoints and watchpoints in the debug registers; null when it set none. */
    private X86DebugRegisters debugRegisters;

    KvmVcpu(int index, KvmVcpuFd fd, GuestIo io, ExitCounters counters, int guestDebugFlags) {
        this.guestDebugFlags = guestDebugFlags;
        this.index = index;
        this.fd = fd;
        this.run = fd.kvmRun();
        this.io = io;
        this.counters = counters;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public void setEntry(EntryState state) {
        if (!(state instanceof X86Entry entry)) {
            throw new IllegalArgumentException("vCPU " + index + " runs x86 code: it cannot start from " + state);
        }
        EntryRegisters.check(entry);
        EntryRegisters.fillRegs(entry, regs);
        fd.getSregs(sregs);
        EntryRegisters.fillSregs(entry, sregs);
        fd.setSregs(sregs);
        fd.setRegs(regs);
    }

    @Override
    public VcpuExit run() {
        if (preparedThread != Thread.currentThread()) {
            prepareThread();
        }
        runningTid = Libc.gettid();
        try {
            while (true) {
                if (stopRequested) {
                    stopRequested = false;
                    kick.consumePending();
                    return VcpuExit.STOPPED;
                }
                int result = fd.run();
                if (result == -Libc.EINTR) {
                    counters.count(ExitCounters.Reason.INTERRUPTED);
                    kick.consumePending();
                    continue;
                }
                if (result == -Libc.EAGAIN) {
                    continue; // INIT arrived at a vCPU waiting for start-up: it now waits for SIPI
                }
                VcpuExit exit = handleExit();
                if (exit != null) {
                    return exit;
                }
            }
        } finally {
            runningTid = 0;
        }
    }

    /** Blocks the kick in this thread and lets KVM_RUN unblock it (the thread's mask without the kick). */
    private void prepareThread() {
        long kvmMask = kick.blockInCurrentThread();
        signalMask.set(JAVA_INT, 0, (int) KickSignal.kernelSigsetBytes());
        signalMask.set(INT_ALIGNED_LONG, KvmStructs.SIGNAL_MASK.byteSize(), kvmMask);
        fd.setSignalMask(signalMask);
        preparedThread = Thread.currentThread();
    }

    /** Completes one exit; returns the lifecycle event it caused, or null to re-enter the guest. */
    private VcpuExit handleExit() {
        int reason = run.get(JAVA_INT, RUN_EXIT_REASON);
        switch (reason) {
            case EXIT_IO -> {
                counters.count(ExitCounters.Reason.PIO);
                portIo();
                return null;
            }
            case EXIT_MMIO -> {
                counters.count(ExitCounters.Reason.MMIO);
                mmio();
                return null;
            }
            case EXIT_DEBUG -> {
                counters.count(ExitCounters.Reason.OTHER);
                X86DebugRegisters registers = debugRegisters;
                long dr6 = run.get(JAVA_LONG, DEBUG_DR6);
                return registers != null ? registers.stop(dr6) : new VcpuExit.Debug(GuestDebug.Cause.STEP, null, 0);
            }
            case EXIT_HLT -> {
                counters.count(ExitCounters.Reason.HLT);
                return VcpuExit.HALTED;
            }
            case EXIT_SHUTDOWN -> {
                counters.count(ExitCounters.Reason.SHUTDOWN);
                return new VcpuExit.Shutdown("triple fault");
            }
            case EXIT_INTR, EXIT_IRQ_WINDOW_OPEN -> {
                counters.count(ExitCounters.Reason.INTERRUPTED);
                return null;
            }
            case EXIT_FAIL_ENTRY -> {
                counters.count(ExitCounters.Reason.FAIL_ENTRY);
                return new VcpuExit.Failed("KVM could not enter the guest: hardware entry failure reason "
                        + Hex.of(run.get(JAVA_LONG, FAIL_ENTRY_REASON)) + " on host CPU " + run.get(JAVA_INT, FAIL_ENTRY_CPU));
            }
            case EXIT_INTERNAL_ERROR -> {
                counters.count(ExitCounters.Reason.INTERNAL_ERROR);
                return new VcpuExit.Failed(internalError());
            }
            case EXIT_SYSTEM_EVENT -> {
                counters.count(ExitCounters.Reason.SHUTDOWN);
                return systemEvent();
            }
            default -> {
                counters.count(ExitCounters.Reason.OTHER);
                return new VcpuExit.Failed(unexpectedExit(reason));
            }
        }
    }

    /** Port I/O: {@code count} items of {@code size} bytes (string I/O) in the kvm_run data area. */
    private void portIo() {
        boolean out = run.get(JAVA_BYTE, IO_DIRECTION) == EXIT_IO_OUT;
        int size = run.get(JAVA_BYTE, IO_SIZE);
        int port = Short.toUnsignedInt(run.get(JAVA_SHORT, IO_PORT));
        int count = run.get(JAVA_INT, IO_COUNT);
        long data = run.get(JAVA_LONG, IO_DATA_OFFSET);
        int done = 0;
        try {
            for (; done < count; done++) {
                long at = data + (long) done * size;
                if (out) {
                    io.pioWrite(index, port, size, load(at, size));
                } else {
                    store(at, size, io.pioRead(index, port, size));
                }
            }
        } catch (GuestFault fault) {
            if (!out) {
                // the refused items still complete: they read all ones, never stale data of an earlier exit
                run.asSlice(data + (long) done * size, (long) (count - done) * size).fill((byte) 0xff);
            }
            injectGeneralProtection();
        }
    }

    private void mmio() {
        long address = run.get(JAVA_LONG, MMIO_ADDRESS);
        int length = run.get(JAVA_INT, MMIO_LENGTH);
        try {
            if (run.get(JAVA_BYTE, MMIO_IS_WRITE) != 0) {
                io.mmioWrite(index, address, length, load(MMIO_DATA, length));
            } else {
                store(MMIO_DATA, length, io.mmioRead(index, address, length));
            }
        } catch (GuestFault fault) {
            if (run.get(JAVA_BYTE, MMIO_IS_WRITE) == 0) {
                store(MMIO_DATA, length, -1L);
            }
            injectGeneralProtection();
        }
    }

    /** Reads {@code size} (1-8) little-endian bytes of kvm_run at {@code offset}. */
    private long load(long offset, int size) {
        return switch (size) {
            case 1 -> Byte.toUnsignedLong(run.get(JAVA_BYTE, offset));
            case 2 -> Short.toUnsignedLong(run.get(UNALIGNED_SHORT, offset));
            case 4 -> Integer.toUnsignedLong(run.get(UNALIGNED_INT, offset));
            default -> {
                long v = 0;
                for (int i = size - 1; i >= 0; i--) {
                    v = v << 8 | Byte.toUnsignedLong(run.get(JAVA_BYTE, offset + i));
                }
                yield v;
            }
        };
    }

    private void store(long offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            run.set(JAVA_BYTE, offset + i, (byte) (value >>> (8 * i)));
        }
    }

    /**
     * Raises #GP(0) for an access the VM refused. KVM first completes the pending access (KVM_RUN with
     * immediate_exit finishes it without entering the guest), so the fault is delivered with RIP after
     * the faulting instruction, as for a trap.
     */
    private void injectGeneralProtection() {
        completePendingAccess();
        fd.getVcpuEvents(events);
        events.set(JAVA_BYTE, EVENT_EXCEPTION_INJECTED, (byte) 1);
        events.set(JAVA_BYTE, EVENT_EXCEPTION_NR, (byte) VECTOR_GP);
        events.set(JAVA_BYTE, EVENT_EXCEPTION_HAS_ERROR_CODE, (byte) 1);
        events.set(JAVA_BYTE, EVENT_EXCEPTION_PENDING, (byte) 0);
        events.set(JAVA_INT, EVENT_EXCEPTION_ERROR_CODE, 0);
        events.set(JAVA_INT, EVENT_FLAGS, 0); // keep NMI, SIPI, shadow and SMM state as they are
        fd.setVcpuEvents(events);
    }

    private String internalError() {
        int suberror = run.get(JAVA_INT, INTERNAL_SUBERROR);
        int ndata = Math.min(run.get(JAVA_INT, INTERNAL_NDATA), INTERNAL_DATA_MAX);
        StringBuilder sb = new StringBuilder("KVM internal error: suberror ").append(suberror).append(" (")
                .append(switch (suberror) {
                    case INTERNAL_ERROR_EMULATION -> "the instruction emulator failed";
                    case INTERNAL_ERROR_SIMUL_EX -> "an exception while delivering an exception";
                    case INTERNAL_ERROR_DELIVERY_EV -> "an exit while delivering an event";
                    case INTERNAL_ERROR_UNEXPECTED_EXIT_REASON -> "an exit reason KVM does not handle";
                    default -> "unknown";
                }).append(')');
        for (int i = 0; i < ndata; i++) {
            sb.append(i == 0 ? ", data " : " ").append(Hex.of(run.get(JAVA_LONG, INTERNAL_DATA + 8L * i)));
        }
        return sb.toString();
    }

    private VcpuExit systemEvent() {
        int type = run.get(JAVA_INT, SYSTEM_EVENT_TYPE);
        return switch (type) {
            case SYSTEM_EVENT_SHUTDOWN -> new VcpuExit.Shutdown("the guest requested a shutdown");
            case SYSTEM_EVENT_RESET -> new VcpuExit.Shutdown("the guest requested a reset");
            case SYSTEM_EVENT_CRASH -> new VcpuExit.Failed("the guest reported a crash");
            default -> new VcpuExit.Failed("KVM system event of unknown type " + type);
        };
    }

    private String unexpectedExit(int reason) {
        return switch (reason) {
            case EXIT_UNKNOWN -> "KVM exit of unknown cause, hardware exit reason " + Hex.of(run.get(JAVA_LONG, HW_EXIT_REASON));
            case EXIT_EXCEPTION -> "KVM exit on a guest exception, which jqvm never requests";
            case EXIT_HYPERCALL -> "KVM hypercall exit, which jqvm never enables";
            default -> "KVM exit reason " + reason + ", which jqvm does not handle";
        };
    }

    @Override
    public void requestStop() {
        stopRequested = true;
        int tid = runningTid;
        if (tid != 0) {
            KickSignal.send(tid);
        }
    }

    /** KVM_RUN with immediate_exit: finishes an I/O or MMIO access the guest made, without entering the guest. */
    private void completePendingAccess() {
        run.set(JAVA_BYTE, RUN_IMMEDIATE_EXIT, (byte) 1);
        try {
            fd.run();
        } finally {
            run.set(JAVA_BYTE, RUN_IMMEDIATE_EXIT, (byte) 0);
        }
    }

    @Override
    public X86Registers registers() {
        completePendingAccess();
        fd.getRegs(regs);
        fd.getSregs(sregs);
        long[] gpr = new long[16];
        for (int i = 0; i < gpr.length; i++) {
            gpr[i] = regs.get(JAVA_LONG, GPR_OFFSETS[i]);
        }
        int[] selectors = new int[SEGMENTS.length];
        for (int i = 0; i < selectors.length; i++) {
            selectors[i] = EntryRegisters.selector(sregs, SEGMENTS[i]);
        }
        return new X86Registers(gpr, regs.get(JAVA_LONG, EntryRegisters.REGS_RIP), regs.get(JAVA_LONG, EntryRegisters.REGS_RFLAGS),
                selectors, sregs.get(JAVA_LONG, FS_BASE), sregs.get(JAVA_LONG, GS_BASE),
                sregs.get(JAVA_LONG, EntryRegisters.SREGS_CR0), sregs.get(JAVA_LONG, EntryRegisters.SREGS_CR3),
                sregs.get(JAVA_LONG, EntryRegisters.SREGS_CR4), sregs.get(JAVA_LONG, EntryRegisters.SREGS_EFER));
    }

    /** Writes the general registers, rip and rflags; segment state stays the vCPU's own. */
    @Override
    public void setRegisters(Registers registers) {
        if (!(registers instanceof X86Registers r)) {
            throw new IllegalArgumentException("an x86 vCPU takes X86Registers, not " + registers);
        }
        completePendingAccess();
        fd.getRegs(regs);
        for (int i = 0; i < GPR_OFFSETS.length; i++) {
            regs.set(JAVA_LONG, GPR_OFFSETS[i], r.gpr(i));
        }
        regs.set(JAVA_LONG, EntryRegisters.REGS_RIP, r.rip());
        regs.set(JAVA_LONG, EntryRegisters.REGS_RFLAGS, r.rflags());
        fd.setRegs(regs);
    }

    /** KVM_TRANSLATE: the walk of the guest's page tables from its CR3 (identity without paging). */
    @Override
    public long translateVirtual(long va) {
        translation.fill((byte) 0);
        translation.set(JAVA_LONG, TRANSLATION_LINEAR, va);
        fd.translate(translation);
        return translation.get(JAVA_BYTE, TRANSLATION_VALID) != 0 ? translation.get(JAVA_LONG, TRANSLATION_PHYSICAL) : -1;
    }

    @Override
    public String guestDebugProblem(GuestDebug debug) {
        return X86DebugRegisters.problem(debug);
    }

    /**
     * KVM_SET_GUEST_DEBUG: breakpoints and watchpoints in the debug registers; a single step with the guest's
     * interrupts blocked (KVM_GUESTDBG_BLOCKIRQ, where the host kernel has it), as QEMU's gdbstub steps.
     */
    @Override
    public void setGuestDebug(GuestDebug debug) {
        X86DebugRegisters registers = X86DebugRegisters.of(debug);
        guestDebug.fill((byte) 0);
        int control = 0;
        if (!debug.isNone()) {
            control = KvmConstants.GUESTDBG_ENABLE;
            if (!registers.isEmpty()) {
                control |= KvmConstants.GUESTDBG_USE_HW_BP;
                long[] addresses = registers.addresses();
                for (int i = 0; i < addresses.length; i++) {
                    guestDebug.set(JAVA_LONG, GUEST_DEBUG_REGS + 8L * i, addresses[i]);
                }
                guestDebug.set(JAVA_LONG, GUEST_DEBUG_REGS + 8L * 7, registers.dr7());
            }
            if (debug.singleStep()) {
                control |= KvmConstants.GUESTDBG_SINGLESTEP | (guestDebugFlags & KvmConstants.GUESTDBG_BLOCKIRQ);
            }
        }
        guestDebug.set(JAVA_INT, 0, control);
        fd.setGuestDebug(guestDebug);
        debugRegisters = debug.isNone() ? null : registers;
    }

    @Override
    public String registerDump() {
        fd.getRegs(regs);
        fd.getSregs(sregs);
        fd.getMpState(mpState);
        StringBuilder sb = new StringBuilder("vcpu ").append(index);
        int state = mpState.get(JAVA_INT, 0);
        sb.append(" (").append(state >= 0 && state < MP_STATES.length ? MP_STATES[state] : "mp state " + state).append(')');
        for (String name : new String[] {"rip", "rsp", "rflags", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp",
                "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}) {
            sb.append(' ').append(name).append('=').append(Hex.of(regs.get(JAVA_LONG, KvmStructs.offset(KvmStructs.REGS, name))));
        }
        sb.append(" cr0=").append(Hex.of(sregs.get(JAVA_LONG, EntryRegisters.SREGS_CR0)))
                .append(" cr3=").append(Hex.of(sregs.get(JAVA_LONG, EntryRegisters.SREGS_CR3)))
                .append(" cr4=").append(Hex.of(sregs.get(JAVA_LONG, EntryRegisters.SREGS_CR4)))
                .append(" efer=").append(Hex.of(sregs.get(JAVA_LONG, EntryRegisters.SREGS_EFER)))
                .append(" cs=").append(Hex.of(EntryRegisters.selector(sregs, "cs")))
                .append(" ss=").append(Hex.of(EntryRegisters.selector(sregs, "ss")));
        return sb.toString();
    }

    void close() {
        fd.close();
        kick.close();
        arena.close();
    }
}
