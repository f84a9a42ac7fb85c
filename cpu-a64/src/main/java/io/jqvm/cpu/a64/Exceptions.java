package io.jqvm.cpu.a64;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import io.jqvm.common.Log;

/**
 * Taking exceptions to EL1 (vector, ESR, SPSR, ELR) and returning from them (ERET), and the checks that raise
 * them from anywhere in the CPU: UNDEFINED, aborts, trapped system accesses, FP/SIMD and SP alignment traps.
 * A synchronous exception sets the state and unwinds the instruction with {@link ExceptionTaken}.
 */
abstract sealed class Exceptions extends A64State permits Stage1Walk {
    private static final int UNDEFINED_LOG_LIMIT = 16;

    Exceptions(int index, PhysicalMemory phys, ExclusiveMonitor monitor, GuestIo io, ExitCounters counters, long epochNanos) {
        super(index, phys, monitor, io, counters, epochNanos);
    }

    /** Takes an exception to EL1 at {@code VBAR_EL1 + group + offset}; ESR/FAR are set by the caller. */
    final void enterException(int offset, long returnAddress) {
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
    final void syncException(int ec, int iss, long returnAddress) {
        esr = (long) ec << 26 | 1L << 25 | (iss & 0x1FFFFFF);
        enterException(0, returnAddress);
        throw ExceptionTaken.INSTANCE;
    }

    final void undefined(int insn) {
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
    final void el1RegisterAtEl0(int insn) {
        if (Log.enabled(Log.Level.DEBUG)) {
            Log.log(Log.Level.DEBUG, String.format("vcpu %d: EL1 system register access %08x at EL0, pc %016x", index, insn, pc));
        }
        syncException(EC_UNKNOWN, 0, pc);
    }

    final long exceptionReturn(int insn) {
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

    final void checkFpEnabled() {
        int fpen = (int) (cpacr >>> 20) & 3;
        if (fpen == 3 || (fpen == 1 && el == 1)) {
            return;
        }
        syncException(EC_FP_TRAP, 0x1E00000, pc);
    }

    /** The SP alignment check of a load or store based on SP (SCTLR_EL1.SA/SA0). */
    final void checkSpAlignment() {
        if ((sp & 15) != 0 && (sctlr & (el == 0 ? SCTLR_SA0 : SCTLR_SA)) != 0) {
            syncException(EC_SP_ALIGN, 0, pc);
        }
    }

    /** Raises an instruction abort (EXEC) or a data abort with the fault status code. */
    final void abort(long va, int type, int fsc) {
        far = va;
        if (type == EXEC) {
            syncException(el == 0 ? EC_IABORT_LOWER : EC_IABORT_SAME, fsc, va);
        }
        // no instruction syndrome (ISV = 0): reporting it to EL1 is optional, and QEMU does not
        syncException(el == 0 ? EC_DABORT_LOWER : EC_DABORT_SAME, (type == WRITE ? 1 << 6 : 0) | fsc, pc);
    }

    /** An MRS/MSR/SYS access that the controls in SCTLR_EL1 or CNTKCTL_EL1 trap (EC 0x18). */
    final void trapSystemAccess(int insn, boolean read) {
        int key = (insn >>> 5) & 0xFFFF;
        int iss = ((key >>> 14) & 3) << 20 | (key & 7) << 17 | ((key >>> 11) & 7) << 14 | ((key >>> 7) & 15) << 10
                | rd(insn) << 5 | ((key >>> 3) & 15) << 1 | (read ? 1 : 0);
        syncException(EC_SYSREG, iss, pc);
    }
}
