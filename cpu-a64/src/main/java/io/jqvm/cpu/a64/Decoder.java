package io.jqvm.cpu.a64;

/**
 * Classifies an A64 instruction word into an {@link Op} id, following the encoding index of the Arm ARM
 * (top-level {@code op0} = bits 28:25). Encodings of features this CPU does not advertise (LSE, PAuth,
 * MTE, SVE, ...) decode to {@link Op#UNDEFINED}. Immediates that are worth computing once go to
 * {@code imm[index]}.
 */
final class Decoder {
    private Decoder() {
    }

    static int decode(int insn, long[] imm, int index) {
        int op0 = (insn >>> 25) & 0xF;
        if ((op0 & 0b1110) == 0b1000) {
            return dataImmediate(insn, imm, index);
        }
        if ((op0 & 0b1110) == 0b1010) {
            return branchSystem(insn, imm, index);
        }
        if ((op0 & 0b0101) == 0b0100) {
            return loadStore(insn, imm, index);
        }
        if ((op0 & 0b0111) == 0b0101) {
            return dataRegister(insn);
        }
        if ((op0 & 0b0111) == 0b0111) {
            return Op.SIMD_DP;
        }
        return Op.UNDEFINED;
    }

    private static long signExtend(long value, int bits) {
        return (value << (64 - bits)) >> (64 - bits);
    }

    private static int dataImmediate(int insn, long[] imm, int index) {
        boolean sf = insn < 0;
        switch ((insn >>> 23) & 7) {
            case 0, 1 -> {
                long offset = signExtend(((insn >>> 5) & 0x7FFFF) << 2 | ((insn >>> 29) & 3), 21);
                imm[index] = sf ? offset << 12 : offset;
                return sf ? Op.ADRP : Op.ADR;
            }
            case 2 -> {
                long value = (insn >>> 10) & 0xFFF;
                imm[index] = (insn & (1 << 22)) != 0 ? value << 12 : value;
                return Op.ADD_IMM + ((insn >>> 29) & 3) ;
            }
            case 4 -> {
                int n = (insn >>> 22) & 1;
                if (!sf && n != 0) {
                    return Op.UNDEFINED;
                }
                long mask = logicalImmediate(n, (insn >>> 10) & 0x3F, (insn >>> 16) & 0x3F, sf);
                if (mask == 0) {
                    return Op.UNDEFINED;
                }
                imm[index] = mask;
                return Op.AND_IMM + ((insn >>> 29) & 3);
            }
            case 5 -> {
                int opc = (insn >>> 29) & 3;
                int hw = (insn >>> 21) & 3;
                if (opc == 1 || (!sf && hw >= 2)) {
                    return Op.UNDEFINED;
                }
                imm[index] = (long) ((insn >>> 5) & 0xFFFF) << (hw * 16);
                return opc == 0 ? Op.MOVN : opc == 2 ? Op.MOVZ : Op.MOVK;
            }
            case 6 -> {
                int opc = (insn >>> 29) & 3;
                int n = (insn >>> 22) & 1;
                int immr = (insn >>> 16) & 0x3F;
                int imms = (insn >>> 10) & 0x3F;
                if (opc == 3 || n != (sf ? 1 : 0) || (!sf && (immr >= 32 || imms >= 32))) {
                    return Op.UNDEFINED;
                }
                return Op.SBFM + opc;
            }
            case 7 -> {
                int n = (insn >>> 22) & 1;
                if (((insn >>> 29) & 3) != 0 || (insn & (1 << 21)) != 0 || n != (sf ? 1 : 0)
                        || (!sf && ((insn >>> 10) & 0x3F) >= 32)) {
                    return Op.UNDEFINED;
                }
                return Op.EXTR;
            }
            default -> {
                return Op.UNDEFINED;
            }
        }
    }

    /** DecodeBitMasks for logical immediates; 0 (never a valid result) for reserved encodings. */
    static long logicalImmediate(int n, int imms, int immr, boolean sf) {
        int combined = (n << 6) | (~imms & 0x3F);
        if (combined == 0) {
            return 0;
        }
        int len = 31 - Integer.numberOfLeadingZeros(combined);
        if (len < 1) {
            return 0;
        }
        int levels = (1 << len) - 1;
        int s = imms & levels;
        if (s == levels) {
            return 0;
        }
        int r = immr & levels;
        int esize = 1 << len;
        long element = (1L << (s + 1)) - 1;
        if (r != 0) {
            long elementMask = esize == 64 ? -1L : (1L << esize) - 1;
            element = ((element >>> r) | (element << (esize - r))) & elementMask;
        }
        long result = element;
        for (int size = esize; size < 64; size *= 2) {
            result |= result << size;
        }
        return sf ? result : result & 0xFFFFFFFFL;
    }

    private static int branchSystem(int insn, long[] imm, int index) {
        if ((insn & 0x7C000000) == 0x14000000) {
            imm[index] = signExtend(insn & 0x3FFFFFF, 26) << 2;
            return insn < 0 ? Op.BL : Op.B;
        }
        if ((insn & 0xFF000010) == 0x54000000) {
            imm[index] = signExtend((insn >>> 5) & 0x7FFFF, 19) << 2;
            return Op.B_COND;
        }
        if ((insn & 0x7E000000) == 0x34000000) {
            imm[index] = signExtend((insn >>> 5) & 0x7FFFF, 19) << 2;
            return (insn & (1 << 24)) != 0 ? Op.CBNZ : Op.CBZ;
        }
        if ((insn & 0x7E000000) == 0x36000000) {
            imm[index] = signExtend((insn >>> 5) & 0x3FFF, 14) << 2;
            return (insn & (1 << 24)) != 0 ? Op.TBNZ : Op.TBZ;
        }
        if ((insn & 0xFF000000) == 0xD4000000) {
            return exceptionGeneration(insn);
        }
        if ((insn & 0xFFC00000) == 0xD5000000) {
            return system(insn);
        }
        if ((insn & 0xFE000000) == 0xD6000000) {
            return branchRegister(insn);
        }
        return Op.UNDEFINED;
    }

    private static int exceptionGeneration(int insn) {
        int opc = (insn >>> 21) & 7;
        int op2ll = insn & 0x1F;
        if (opc == 0) {
            return switch (op2ll) {
                case 1 -> Op.SVC;
                case 2 -> Op.HVC;
                case 3 -> Op.SMC;
                default -> Op.UNDEFINED;
            };
        }
        return opc == 1 && op2ll == 0 ? Op.BRK : Op.UNDEFINED;
    }

    private static int system(int insn) {
        boolean read = (insn & (1 << 21)) != 0;
        int op0 = (insn >>> 19) & 3;
        int op1 = (insn >>> 16) & 7;
        int crn = (insn >>> 12) & 0xF;
        int op2 = (insn >>> 5) & 7;
        int rt = insn & 0x1F;
        if (op0 == 0) {
            if (read || rt != 31) {
                return Op.UNDEFINED;
            }
            if (crn == 2) {
                return switch ((insn >>> 5) & 0x7F) {
                    case 2 -> Op.WFE;
                    case 3 -> Op.WFI;
                    case 4 -> Op.SEV;
                    case 5 -> Op.SEVL;
                    default -> Op.NOP; // YIELD, PAC, BTI and unallocated hints execute as NOP
                };
            }
            if (crn == 3 && op1 == 3) {
                return switch (op2) {
                    case 2 -> Op.CLREX;
                    case 4, 5 -> Op.BARRIER;
                    case 6 -> Op.ISB;
                    default -> Op.UNDEFINED;
                };
            }
            if (crn == 4) {
                return Op.MSR_IMM;
            }
            return Op.UNDEFINED;
        }
        if (op0 == 1) {
            return read ? Op.UNDEFINED : Op.SYS;
        }
        return read ? Op.MRS : Op.MSR_REG;
    }

    private static int branchRegister(int insn) {
        int opc = (insn >>> 21) & 0xF;
        int op2 = (insn >>> 16) & 0x1F;
        int op3 = (insn >>> 10) & 0x3F;
        int rn = (insn >>> 5) & 0x1F;
        int op4 = insn & 0x1F;
        if (op2 != 31 || op3 != 0 || op4 != 0) {
            return Op.UNDEFINED;
        }
        return switch (opc) {
            case 0 -> Op.BR;
            case 1 -> Op.BLR;
            case 2 -> Op.RET;
            case 4 -> rn == 31 ? Op.ERET : Op.UNDEFINED;
            default -> Op.UNDEFINED;
        };
    }

    /** size:V:opc of a single-register load/store, the key {@link A64Cpu} switches on. */
    static int loadStoreKind(int insn) {
        return ((insn >>> 27) & 0x18) | ((insn >>> 24) & 4) | ((insn >>> 22) & 3);
    }

    static boolean validKind(int kind) {
        int size = kind >>> 3;
        boolean vector = (kind & 4) != 0;
        int opc = kind & 3;
        if (vector) {
            return opc < 2 || size == 0;
        }
        return !(opc == 3 && size >= 2);
    }

    /** log2 of the access size of a single-register load/store kind. */
    static int kindScale(int kind) {
        return (kind & 4) != 0 && (kind & 2) != 0 ? 4 : kind >>> 3;
    }

    private static int loadStore(int insn, long[] imm, int index) {
        if ((insn & 0x3F000000) == 0x08000000) {
            return exclusiveOrdered(insn);
        }
        if ((insn & 0x3B000000) == 0x18000000) {
            int opc = (insn >>> 30) & 3;
            boolean vector = (insn & (1 << 26)) != 0;
            if (vector && opc == 3) {
                return Op.UNDEFINED;
            }
            imm[index] = signExtend((insn >>> 5) & 0x7FFFF, 19) << 2;
            return Op.LDR_LITERAL;
        }
        if ((insn & 0x3A000000) == 0x28000000) {
            return pair(insn, imm, index);
        }
        if ((insn & 0x3B000000) == 0x38000000) {
            int kind = loadStoreKind(insn);
            if (!validKind(kind)) {
                return Op.UNDEFINED;
            }
            if ((insn & (1 << 21)) == 0) {
                imm[index] = signExtend((insn >>> 12) & 0x1FF, 9);
                return switch ((insn >>> 10) & 3) {
                    case 0 -> Op.LDST_UNSCALED;
                    case 1 -> Op.LDST_POST;
                    case 2 -> (kind & 4) != 0 || kind == 0b11010 ? Op.UNDEFINED : Op.LDST_UNPRIV;
                    default -> Op.LDST_PRE;
                };
            }
            if (((insn >>> 10) & 3) == 2 && (insn & (1 << 14)) != 0) {
                return Op.LDST_REG;
            }
            return Op.UNDEFINED;
        }
        if ((insn & 0x3B000000) == 0x39000000) {
            int kind = loadStoreKind(insn);
            if (!validKind(kind)) {
                return Op.UNDEFINED;
            }
            imm[index] = (long) ((insn >>> 10) & 0xFFF) << kindScale(kind);
            return switch (kind) {
                case 0b11001 -> Op.LDR_X_UIMM;
                case 0b11000 -> Op.STR_X_UIMM;
                case 0b10001 -> Op.LDR_W_UIMM;
                case 0b10000 -> Op.STR_W_UIMM;
                case 0b00001 -> Op.LDRB_UIMM;
                case 0b00000 -> Op.STRB_UIMM;
                default -> Op.LDST_UIMM;
            };
        }
        if ((insn & 0xBFBF0000) == 0x0C000000 || (insn & 0xBFA00000) == 0x0C800000) {
            return Op.SIMD_LDST_MULTI;
        }
        if ((insn & 0xBF9F0000) == 0x0D000000 || (insn & 0xBF800000) == 0x0D800000) {
            return Op.SIMD_LDST_SINGLE;
        }
        return Op.UNDEFINED;
    }

    private static int exclusiveOrdered(int insn) {
        int size = (insn >>> 30) & 3;
        boolean o2 = (insn & (1 << 23)) != 0;
        boolean load = (insn & (1 << 22)) != 0;
        boolean o1 = (insn & (1 << 21)) != 0;
        boolean o0 = (insn & (1 << 15)) != 0;
        if (!o2 && !o1) {
            return load ? Op.LDXR : Op.STXR;
        }
        if (!o2) {
            return size < 2 ? Op.UNDEFINED : load ? Op.LDXP : Op.STXP;
        }
        if (!o1 && o0) {
            return load ? Op.LDAR : Op.STLR;
        }
        return Op.UNDEFINED;
    }

    private static int pair(int insn, long[] imm, int index) {
        int opc = (insn >>> 30) & 3;
        boolean vector = (insn & (1 << 26)) != 0;
        boolean load = (insn & (1 << 22)) != 0;
        int type = (insn >>> 23) & 3;
        if (opc == 3 || (!vector && opc == 1 && (!load || type == 0))) {
            return Op.UNDEFINED;
        }
        int scale = vector ? 2 + opc : 2 + (opc >>> 1);
        imm[index] = signExtend((insn >>> 15) & 0x7F, 7) << scale;
        boolean offset = (type & 1) == 0; // signed offset, or the non-temporal pair (same semantics here)
        if (!vector && opc == 2) {
            if (offset) {
                return load ? Op.LDP_X_OFFSET : Op.STP_X_OFFSET;
            }
            if (load && type == 1) {
                return Op.LDP_X_POST;
            }
            if (!load && type == 3) {
                return Op.STP_X_PRE;
            }
        }
        return switch (type) {
            case 1 -> Op.LDSTP_POST;
            case 3 -> Op.LDSTP_PRE;
            default -> Op.LDSTP_OFFSET;
        };
    }

    private static int dataRegister(int insn) {
        boolean sf = insn < 0;
        if ((insn & 0x1F000000) == 0x0A000000) {
            if (!sf && (insn & (1 << 15)) != 0) {
                return Op.UNDEFINED;
            }
            return (insn & 0x60200000) == 0x20000000 ? Op.ORR_REG : Op.LOGIC_REG;
        }
        if ((insn & 0x1F200000) == 0x0B000000) {
            if (((insn >>> 22) & 3) == 3 || (!sf && (insn & (1 << 15)) != 0)) {
                return Op.UNDEFINED;
            }
            return Op.ADD_REG + ((insn >>> 29) & 3);
        }
        if ((insn & 0x1F200000) == 0x0B200000) {
            if (((insn >>> 22) & 3) != 0 || ((insn >>> 10) & 7) > 4) {
                return Op.UNDEFINED;
            }
            return Op.ADDSUB_EXT;
        }
        if ((insn & 0x1FE00000) == 0x1A000000) {
            return ((insn >>> 10) & 0x3F) == 0 ? Op.ADC_SBC : Op.UNDEFINED;
        }
        if ((insn & 0x1FE00000) == 0x1A400000) {
            boolean s = (insn & (1 << 29)) != 0;
            return s && (insn & (1 << 10)) == 0 && (insn & (1 << 4)) == 0 ? Op.CCMP : Op.UNDEFINED;
        }
        if ((insn & 0x1FE00000) == 0x1A800000) {
            return (insn & (1 << 29)) == 0 && (insn & (1 << 11)) == 0 ? Op.CSEL : Op.UNDEFINED;
        }
        if ((insn & 0x7FE00000) == 0x5AC00000) {
            int opcode = (insn >>> 10) & 0x3F;
            if (((insn >>> 16) & 0x1F) != 0 || opcode > 5 || (!sf && opcode == 3)) {
                return Op.UNDEFINED;
            }
            return Op.DP1;
        }
        if ((insn & 0x7FE00000) == 0x1AC00000) {
            int opcode = (insn >>> 10) & 0x3F;
            if (opcode == 2) {
                return Op.UDIV;
            }
            if (opcode == 3) {
                return Op.SDIV;
            }
            if ((opcode & 0x3C) == 0x08) {
                return Op.SHIFTV;
            }
            if ((opcode & 0x38) == 0x10 && sf == ((opcode & 3) == 3)) {
                return Op.CRC32;
            }
            return Op.UNDEFINED;
        }
        if ((insn & 0x1F000000) == 0x1B000000) {
            if (((insn >>> 29) & 3) != 0) {
                return Op.UNDEFINED;
            }
            int op31 = (insn >>> 21) & 7;
            boolean o0 = (insn & (1 << 15)) != 0;
            if (op31 == 0) {
                return Op.MADD;
            }
            if (!sf) {
                return Op.UNDEFINED;
            }
            return switch (op31) {
                case 1, 5 -> Op.MADDL;
                case 2 -> o0 ? Op.UNDEFINED : Op.SMULH;
                case 6 -> o0 ? Op.UNDEFINED : Op.UMULH;
                default -> Op.UNDEFINED;
            };
        }
        return Op.UNDEFINED;
    }
}
