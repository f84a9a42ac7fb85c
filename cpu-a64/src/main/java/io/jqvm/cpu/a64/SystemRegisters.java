package io.jqvm.cpu.a64;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import io.jqvm.device.SystemRegisterDevice;

/**
 * The system instructions and registers: MRS/MSR, MSR (immediate), TLB and cache maintenance, AT, the
 * generic timer's registers and their EL0 access controls, and registers claimed by devices (the GIC's CPU
 * interface).
 */
abstract sealed class SystemRegisters extends LoadStore permits Interpreter {
    SystemRegisterDevice[] sysregDevices = new SystemRegisterDevice[0];

    SystemRegisters(int index, PhysicalMemory phys, ExclusiveMonitor monitor, GuestIo io, ExitCounters counters, long epochNanos) {
        super(index, phys, monitor, io, counters, epochNanos);
    }

    final void msrImmediate(int insn) {
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

    final void systemInstruction(int insn) {
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

    final void checkCacheMaintenanceAtEl0(int insn) {
        if (el == 0 && (sctlr & SCTLR_UCI) == 0) {
            trapSystemAccess(insn, false);
        }
    }

    final SystemRegisterDevice deviceFor(int key) {
        for (SystemRegisterDevice d : sysregDevices) {
            if (d.claims(key)) {
                return d;
            }
        }
        return null;
    }

    /** EL0 access to the counter/timer registers as CNTKCTL_EL1 allows. */
    final void checkTimerAccessAtEl0(int insn, boolean read, int key) {
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

    final long readSystemRegister(int insn) {
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
                yield phys.writableByOthers ? CoreIdentity.CTR_NEEDING_MAINTENANCE : CoreIdentity.CTR;
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

    final void writeSystemRegister(int insn, long value) {
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
    final void timerDeadlineWritten(int which, int register, long value) {
        switch (register) {
            case 0 -> timer.writeCtl(which, value);
            case 1 -> timer.writeCval(which, value);
            default -> timer.writeTval(which, value);
        }
        timerDeadline = timer.update();
        endBatch(); // the interrupt may be pending now
    }
}
