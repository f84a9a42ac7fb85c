package io.jqvm.cpu.a64;

import static io.jqvm.cpu.a64.IntegerOps.bitfield;
import static io.jqvm.cpu.a64.IntegerOps.crc32;
import static io.jqvm.cpu.a64.IntegerOps.dataProcessing1;
import static io.jqvm.cpu.a64.IntegerOps.extendedOperand;
import static io.jqvm.cpu.a64.IntegerOps.extract;
import static io.jqvm.cpu.a64.IntegerOps.multiplyAdd;
import static io.jqvm.cpu.a64.IntegerOps.multiplyAddLong;
import static io.jqvm.cpu.a64.IntegerOps.sdiv32;
import static io.jqvm.cpu.a64.IntegerOps.sdiv64;
import static io.jqvm.cpu.a64.IntegerOps.shift;
import static io.jqvm.cpu.a64.IntegerOps.shiftVariable;
import static io.jqvm.cpu.a64.IntegerOps.udiv32;
import static io.jqvm.cpu.a64.IntegerOps.udiv64;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import java.lang.invoke.VarHandle;

/**
 * The instruction dispatch: {@link #executeBatch} fetches through the exec TLB, enters compiled regions at
 * jump targets and interprets everything else in one {@code switch} on the predecoded {@link Op} ids, with
 * the integer helpers that set the flags. Branches, exception generation (SVC, HVC, SMC, BRK) and WFI/WFE
 * are here; the rest is called in the layers below.
 */
abstract sealed class Interpreter extends SystemRegisters permits A64Cpu {
    private final RegionCompiler regionCompiler; // null: interpret only
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

    Interpreter(int index, PhysicalMemory phys, ExclusiveMonitor monitor, GuestIo io, ExitCounters counters, long epochNanos,
            RegionCompiler regionCompiler) {
        super(index, phys, monitor, io, counters, epochNanos);
        this.regionCompiler = regionCompiler;
    }

    /**
     * Runs instructions until the batch ends or an exception unwinds. The dispatch loop and the instruction
     * switch are one method so that C2 sees each case's calls as frequent (relative to this method's
     * invocations) and inlines them; a per-instruction method would leave most helpers as calls.
     */
    final void executeBatch() {
        long pc = this.pc;
        boolean jumped = true; // the batch starts where a region may start
        RegionCompiler compiler = debugChecks || debuggerChecks ? null : regionCompiler; // a region would run past breakpoints
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
    final long addWithCarry(long a, long b, int carry, boolean sf) {
        nzcv = Nzcv.add(a, b, carry, sf);
        long r = a + b + carry;
        return sf ? r : r & M32;
    }

    final long logicFlags(long r, boolean sf) {
        long value = sf ? r : r & M32;
        nzcv = Nzcv.logic(value, sf);
        return value;
    }

    final boolean condition(int cond) {
        return Nzcv.holds(nzcv, cond);
    }

    final void logicRegister(int insn, boolean sf) {
        long r = IntegerOps.logicRegister(insn, x[rn(insn)], x[rm(insn)]);
        setX(rd(insn), ((insn >>> 29) & 3) == 3 ? logicFlags(r, sf) : r);
    }

    final void addSubExtended(int insn, boolean sf) {
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

    final void addSubCarry(int insn, boolean sf) {
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

    final void conditionalCompare(int insn, boolean sf) {
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

    final void conditionalSelect(int insn) {
        setX(rd(insn), IntegerOps.conditionalSelect(insn, condition((insn >>> 12) & 15), x[rn(insn)], x[rm(insn)]));
    }

    /** HVC with no EL2: the board's firmware (PSCI), as QEMU's virt does. */
    final void hypercall(int insn) {
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

    final void waitInstruction(boolean forEvent) {
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
}
