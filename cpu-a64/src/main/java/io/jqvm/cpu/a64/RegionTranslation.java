package io.jqvm.cpu.a64;

import static io.jqvm.cpu.a64.A64State.M32;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.VarHandle;

/**
 * The translation of each instruction class a region may hold into bytecode on the emitter's locals: integer
 * data processing (constant fields folded), flag-setting operations kept lazily, branches within the region
 * as JVM jumps, and general-register loads and stores. Each case does what the interpreter's case does
 * ({@link Interpreter#executeBatch}); {@code RegionCompilerTest} runs both on the same programs.
 */
final class RegionTranslation extends RegionEmitter {
    RegionTranslation(CodePage page, int entry, long pageBase, int limit) {
        super(page, entry, pageBase, limit);
    }

    // ------------------------------------------------------------ instructions

    @Override
    void emitInstruction(int op, int insn, long imm, int index) {
        boolean sf = insn < 0;
        int d = insn & 31;
        int n = (insn >>> 5) & 31;
        int m = (insn >>> 16) & 31;
        switch (op) {
            case Op.ADR -> {
                cb.loadConstant(pc + imm);
                storeX(d);
            }
            case Op.ADRP -> {
                cb.loadConstant((pc & ~0xFFFL) + imm);
                storeX(d);
            }
            case Op.ADD_IMM, Op.SUB_IMM -> {
                loadXsp(n);
                cb.loadConstant(imm);
                if (op == Op.ADD_IMM) {
                    cb.ladd();
                } else {
                    cb.lsub();
                }
                truncate(sf);
                storeXsp(d);
            }
            case Op.ADDS_IMM, Op.SUBS_IMM -> {
                loadXsp(n);
                cb.loadConstant(imm);
                flagSettingAddSub(op == Op.SUBS_IMM, sf, d);
            }
            case Op.AND_IMM, Op.ORR_IMM, Op.EOR_IMM, Op.ANDS_IMM -> {
                loadX(n);
                cb.loadConstant(imm);
                switch (op) {
                    case Op.ORR_IMM -> cb.lor();
                    case Op.EOR_IMM -> cb.lxor();
                    default -> cb.land();
                }
                truncate(sf);
                if (op == Op.ANDS_IMM) {
                    logicWithFlags(sf, d);
                } else {
                    storeXsp(d);
                }
            }
            case Op.MOVN -> {
                cb.loadConstant(sf ? ~imm : ~imm & M32);
                storeX(d);
            }
            case Op.MOVZ -> {
                cb.loadConstant(imm);
                storeX(d);
            }
            case Op.MOVK -> {
                loadX(d);
                cb.loadConstant(~(0xFFFFL << (((insn >>> 21) & 3) * 16))).land().loadConstant(imm).lor();
                truncate(sf);
                storeX(d);
            }
            case Op.SBFM, Op.UBFM -> signedOrUnsignedBitfield(op == Op.SBFM, insn, n, d);
            case Op.BFM -> {
                cb.loadConstant(op).loadConstant(insn);
                loadX(n);
                loadX(d);
                call(RegionContract.BITFIELD);
                storeX(d);
            }
            case Op.EXTR -> {
                cb.loadConstant(insn);
                loadX(n);
                loadX(m);
                call(RegionContract.EXTRACT);
                storeX(d);
            }
            case Op.B -> jumpTo(pc + imm);
            case Op.BL -> {
                cb.loadConstant(pc + 4);
                storeX(30);
                exitTo(pc + imm);
            }
            case Op.B_COND -> conditionalBranch(pc + imm, l -> branchIfCondition(insn & 15, l), index);
            case Op.CBZ, Op.CBNZ -> conditionalBranch(pc + imm, l -> {
                loadX(d);
                if (sf) {
                    cb.lconst_0().lcmp();
                } else {
                    cb.l2i();
                }
                if (op == Op.CBZ) {
                    cb.ifeq(l);
                } else {
                    cb.ifne(l);
                }
            }, index);
            case Op.TBZ, Op.TBNZ -> conditionalBranch(pc + imm, l -> {
                int bit = ((insn >>> 26) & 0x20) | ((insn >>> 19) & 0x1F);
                loadX(d);
                cb.loadConstant(1L << bit).land().lconst_0().lcmp();
                if (op == Op.TBZ) {
                    cb.ifeq(l);
                } else {
                    cb.ifne(l);
                }
            }, index);
            case Op.BR, Op.RET, Op.BLR -> {
                loadX(n);
                cb.lstore(T1);
                if (op == Op.BLR) {
                    cb.loadConstant(pc + 4);
                    storeX(30);
                }
                cb.aload(CPU).lload(T1);
                call(RegionContract.BRANCH_TO);
                cb.lstore(NEXT).goto_(exit);
            }
            case Op.NOP -> {
            }
            case Op.BARRIER -> cb.invokestatic(VarHandle.class.describeConstable().orElseThrow(), "fullFence",
                    MethodTypeDesc.of(CD_void));
            case Op.ORR_REG, Op.LOGIC_REG -> {
                loadX(n);
                loadX(m);
                shift((insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf);
                if ((insn & (1 << 21)) != 0) {
                    cb.loadConstant(-1L).lxor();
                }
                int opc = (insn >>> 29) & 3;
                switch (opc) {
                    case 1 -> cb.lor();
                    case 2 -> cb.lxor();
                    default -> cb.land();
                }
                truncate(sf);
                if (opc == 3) {
                    logicWithFlags(sf, d);
                } else {
                    storeX(d);
                }
            }
            case Op.ADD_REG, Op.SUB_REG, Op.ADDS_REG, Op.SUBS_REG -> {
                loadX(n);
                loadX(m);
                shift((insn >>> 22) & 3, (insn >>> 10) & 0x3F, sf);
                boolean subtract = op == Op.SUB_REG || op == Op.SUBS_REG;
                if (op == Op.ADDS_REG || op == Op.SUBS_REG) {
                    flagSettingAddSub(subtract, sf, d);
                } else {
                    if (subtract) {
                        cb.lsub();
                    } else {
                        cb.ladd();
                    }
                    truncate(sf);
                    storeX(d);
                }
            }
            case Op.ADDSUB_EXT -> {
                boolean subtract = (insn & (1 << 30)) != 0;
                loadXsp(n);
                cb.loadConstant(insn);
                loadX(m);
                call(RegionContract.EXTENDED_OPERAND);
                if ((insn & (1 << 29)) != 0) {
                    flagSettingAddSub(subtract, sf, d);
                } else {
                    if (subtract) {
                        cb.lsub();
                    } else {
                        cb.ladd();
                    }
                    truncate(sf);
                    storeXsp(d);
                }
            }
            case Op.CCMP -> conditionalCompare(insn, sf, n, m);
            case Op.CSEL -> {
                Label holds = cb.newLabel();
                Label done = cb.newLabel();
                branchIfCondition((insn >>> 12) & 15, holds);
                loadX(m);
                switch (((insn >>> 29) & 2) | ((insn >>> 10) & 1)) {
                    case 1 -> cb.lconst_1().ladd();
                    case 2 -> cb.loadConstant(-1L).lxor();
                    case 3 -> cb.lneg();
                    default -> {
                    }
                }
                cb.goto_(done);
                cb.labelBinding(holds);
                loadX(n);
                cb.labelBinding(done);
                truncate(sf);
                storeX(d);
            }
            case Op.DP1 -> {
                cb.loadConstant(insn);
                loadX(n);
                call(RegionContract.DATA_PROCESSING_1);
                storeX(d);
            }
            case Op.UDIV, Op.SDIV -> {
                loadX(n);
                if (!sf) {
                    cb.l2i();
                }
                loadX(m);
                if (!sf) {
                    cb.l2i();
                }
                call(op == Op.UDIV ? (sf ? RegionContract.UDIV64 : RegionContract.UDIV32)
                        : (sf ? RegionContract.SDIV64 : RegionContract.SDIV32));
                storeX(d);
            }
            case Op.SHIFTV, Op.CRC32 -> {
                cb.loadConstant(insn);
                loadX(n);
                loadX(m);
                call(op == Op.SHIFTV ? RegionContract.SHIFT_VARIABLE : RegionContract.CRC32);
                storeX(d);
            }
            case Op.MADD -> {
                loadX((insn >>> 10) & 31);
                loadX(n);
                loadX(m);
                cb.lmul();
                if ((insn & (1 << 15)) != 0) {
                    cb.lsub();
                } else {
                    cb.ladd();
                }
                truncate(sf);
                storeX(d);
            }
            case Op.MADDL -> {
                cb.loadConstant(insn);
                loadX(n);
                loadX(m);
                loadX((insn >>> 10) & 31);
                call(RegionContract.MULTIPLY_ADD_LONG);
                storeX(d);
            }
            case Op.SMULH, Op.UMULH -> {
                loadX(n);
                loadX(m);
                cb.invokestatic(ClassDesc.of("java.lang.Math"), op == Op.SMULH ? "multiplyHigh" : "unsignedMultiplyHigh",
                        MethodTypeDesc.of(CD_long, CD_long, CD_long));
                storeX(d);
            }
            case Op.LDR_X_UIMM, Op.STR_X_UIMM, Op.LDR_W_UIMM, Op.STR_W_UIMM, Op.LDRB_UIMM, Op.STRB_UIMM,
                 Op.LDST_UIMM, Op.LDST_UNSCALED, Op.LDST_REG -> {
                loadBase(n);
                if (op == Op.LDST_REG) {
                    registerOffset(insn, m);
                } else {
                    cb.loadConstant(imm);
                }
                cb.ladd().lstore(T1);
                transfer(Decoder.loadStoreKind(insn), d);
            }
            case Op.LDST_UNPRIV -> { // the kernel's uaccess loops (clear_user, copy_to_user) are made of these
                loadBase(n);
                cb.loadConstant(imm).ladd().lstore(T1);
                unprivileged = true;
                transfer(Decoder.loadStoreKind(insn), d);
                unprivileged = false;
            }
            case Op.LDST_PRE, Op.LDST_POST -> {
                loadBase(n);
                if (op == Op.LDST_PRE) {
                    cb.loadConstant(imm).ladd();
                }
                cb.lstore(T1);
                transfer(Decoder.loadStoreKind(insn), d);
                cb.lload(T1);
                if (op == Op.LDST_POST) {
                    cb.loadConstant(imm).ladd();
                }
                storeXsp(n);
            }
            case Op.LDR_LITERAL -> {
                int opc = (insn >>> 30) & 3;
                if (opc != 3) {
                    cb.loadConstant(pc + imm).lstore(T1);
                    read(opc == 1 ? 8 : 4, 0);
                    if (opc == 2) {
                        signExtend(4);
                    }
                    storeX(d);
                }
            }
            case Op.LDP_X_OFFSET, Op.STP_X_OFFSET, Op.LDP_X_POST, Op.STP_X_PRE, Op.LDSTP_OFFSET, Op.LDSTP_PRE,
                 Op.LDSTP_POST -> pair(op, insn, imm, n, d, (insn >>> 10) & 31);
            default -> throw new IllegalStateException("no translation for op " + op);
        }
    }

    /** Stack: a, b. ADDS/SUBS: sets the flags and Xd (not SP) to the truncated result. */
    private void flagSettingAddSub(boolean subtract, boolean sf, int d) {
        setFlags(subtract ? (sf ? Nzcv.SUB64 : Nzcv.SUB32) : (sf ? Nzcv.ADD64 : Nzcv.ADD32));
        cb.lload(FLAG_A).lload(FLAG_B);
        if (subtract) {
            cb.lsub();
        } else {
            cb.ladd();
        }
        truncate(sf);
        storeX(d);
    }

    /** Stack: a truncated logical result. Sets N, Z (C, V clear) and Xd. */
    private void logicWithFlags(boolean sf, int d) {
        setLogicFlags(sf);
        cb.lload(FLAG_A);
        storeX(d);
    }

    /** Pushes the register offset of LDR/STR (register): Rm extended, scaled when S is set. */
    private void registerOffset(int insn, int m) {
        loadX(m);
        switch ((insn >>> 13) & 7) {
            case 0 -> cb.loadConstant(0xFFL).land();
            case 1 -> cb.loadConstant(0xFFFFL).land();
            case 2 -> truncate(false);
            case 4 -> signExtend(1);
            case 5 -> signExtend(2);
            case 6 -> signExtend(4);
            default -> {
            }
        }
        if ((insn & (1 << 12)) != 0) {
            int scale = Decoder.kindScale(Decoder.loadStoreKind(insn));
            if (scale != 0) {
                cb.loadConstant(scale).lshl();
            }
        }
    }

    /** SBFM/UBFM (ASR, LSL, LSR, SXTB, UBFX, ...) with the constant fields folded, as {@code IntegerOps.bitfield}. */
    private void signedOrUnsignedBitfield(boolean signed, int insn, int n, int d) {
        boolean sf = insn < 0;
        int width = sf ? 64 : 32;
        int immr = (insn >>> 16) & 0x3F;
        int imms = (insn >>> 10) & 0x3F;
        loadX(n);
        if (imms >= immr) {
            int len = imms - immr + 1;
            if (signed) {
                shiftLeft(64 - immr - len);
                shiftRight(64 - len, true);
            } else {
                shiftRight(immr, false);
                andMask(len);
            }
        } else {
            int len = imms + 1;
            int position = width - immr;
            if (signed) {
                shiftLeft(64 - len);
                shiftRight(64 - len, true);
            } else {
                andMask(len);
            }
            shiftLeft(position);
        }
        truncate(sf);
        storeX(d);
    }

    private void shiftLeft(int amount) {
        if (amount != 0) {
            cb.loadConstant(amount).lshl();
        }
    }

    private void shiftRight(int amount, boolean arithmetic) {
        if (amount != 0) {
            cb.loadConstant(amount);
            if (arithmetic) {
                cb.lshr();
            } else {
                cb.lushr();
            }
        }
    }

    private void andMask(int bits) {
        if (bits < 64) {
            cb.loadConstant((1L << bits) - 1).land();
        }
    }

    /** CCMP/CCMN: the compare's flags when the condition holds, else the literal nzcv field. */
    private void conditionalCompare(int insn, boolean sf, int n, int m) {
        Label holds = cb.newLabel();
        Label done = cb.newLabel();
        branchIfCondition((insn >>> 12) & 15, holds);
        cb.loadConstant((long) (insn & 15)).lstore(FLAG_A).loadConstant(Nzcv.LITERAL).istore(FLAG_KIND);
        cb.goto_(done);
        cb.labelBinding(holds);
        loadX(n);
        if ((insn & (1 << 11)) != 0) {
            cb.loadConstant((long) m);
        } else {
            loadX(m);
        }
        boolean subtract = (insn & (1 << 30)) != 0;
        setFlags(subtract ? (sf ? Nzcv.SUB64 : Nzcv.SUB32) : (sf ? Nzcv.ADD64 : Nzcv.ADD32));
        cb.labelBinding(done);
        knownFlags = UNKNOWN_FLAGS;
    }

    /** The pair loads and stores of general registers, as {@code LoadStore.pair}/{@code loadPair}/{@code storePair}. */
    private void pair(int op, int insn, long imm, int n, int t, int t2) {
        int opc = (insn >>> 30) & 3;
        boolean load = (insn & (1 << 22)) != 0;
        boolean post = op == Op.LDP_X_POST || op == Op.LDSTP_POST;
        boolean writeback = post || op == Op.STP_X_PRE || op == Op.LDSTP_PRE;
        int bytes = opc == 2 ? 8 : 4;
        loadBase(n);
        cb.lstore(T3);
        cb.lload(T3);
        if (!post) {
            cb.loadConstant(imm).ladd();
        }
        cb.lstore(T1);
        if (load) {
            read(bytes, 0);
            if (opc == 1) {
                signExtend(4);
            }
            cb.lstore(T2);
            read(bytes, bytes);
            if (opc == 1) {
                signExtend(4);
            }
            cb.lload(T2);
            storeX(t);
            storeX(t2);
        } else {
            write(bytes, 0, t);
            write(bytes, bytes, t2);
        }
        if (writeback) {
            cb.lload(T3).loadConstant(imm).ladd();
            storeXsp(n);
        }
    }
}
