package io.jqvm.cpu.a64.simd;

/**
 * The scalar floating-point group (bits 30 = 0, 28:24 = 1111x): data processing with one, two and three sources,
 * compare, conditional compare and select, immediate moves, and conversions to and from integers.
 */
final class ScalarFp {
    private ScalarFp() {
    }

    static boolean execute(int insn, FpSimdState s, GeneralRegisters g) {
        if ((insn & (1 << 24)) != 0) {
            return dataProcessing3(insn, s);
        }
        if ((insn & (1 << 21)) == 0) {
            return fixedPointConversion(insn, s, g);
        }
        int low = (insn >>> 10) & 0x3f;
        if ((low & 3) == 1) {
            return conditionalCompare(insn, s, g);
        }
        if ((low & 3) == 2) {
            return dataProcessing2(insn, s);
        }
        if ((low & 3) == 3) {
            return conditionalSelect(insn, s, g);
        }
        if ((low & 7) == 4) {
            return immediate(insn, s);
        }
        if ((low & 0xf) == 8) {
            return compare(insn, s, g);
        }
        if ((low & 0x1f) == 0x10) {
            return dataProcessing1(insn, s);
        }
        if (low == 0) {
            return integerConversion(insn, s, g);
        }
        return false;
    }

    /** The arithmetic size for ptype (insn bits 23:22) with M and S clear, or 0 if unallocated. */
    private static int arithmeticSize(int insn) {
        if ((insn & 0xa0000000) != 0) {
            return 0;
        }
        int ptype = (insn >>> 22) & 3;
        return ptype == 0 ? 32 : ptype == 1 ? 64 : 0;
    }

    static boolean conditionHolds(int cond, int nzcv) {
        boolean n = (nzcv & 8) != 0;
        boolean z = (nzcv & 4) != 0;
        boolean c = (nzcv & 2) != 0;
        boolean v = (nzcv & 1) != 0;
        boolean result = switch (cond >>> 1) {
            case 0 -> z;
            case 1 -> c;
            case 2 -> n;
            case 3 -> v;
            case 4 -> c && !z;
            case 5 -> n == v;
            case 6 -> n == v && !z;
            default -> true;
        };
        return (cond & 1) != 0 && cond != 15 ? !result : result;
    }

    private static boolean dataProcessing1(int insn, FpSimdState s) {
        int opcode = (insn >>> 15) & 0x3f;
        int rn = (insn >>> 5) & 31;
        int rd = insn & 31;
        if ((insn & 0xa0000000) != 0) {
            return false;
        }
        if ((opcode & 0x3c) == 4) {
            int ptype = (insn >>> 22) & 3;
            int opc = opcode & 3;
            if (ptype == 2 || opc == 2 || ptype == opc) {
                return false;
            }
            int from = ptype == 0 ? 32 : ptype == 1 ? 64 : 16;
            int to = opc == 0 ? 32 : opc == 1 ? 64 : 16;
            long x = Vregs.readScalar(s, rn, from);
            Vregs.writeScalar(s, rd, SoftFloat.convert(x, from, to, SoftFloat.fpcrRounding(s.fpcr), s), to);
            return true;
        }
        int size = arithmeticSize(insn);
        if (size == 0) {
            return false;
        }
        long x = Vregs.readScalar(s, rn, size);
        long result;
        switch (opcode) {
            case 0 -> result = x;
            case 1 -> result = x & ~SoftFloat.signBit(size);
            case 2 -> result = x ^ SoftFloat.signBit(size);
            case 3 -> result = SoftFloat.sqrt(x, size, s);
            case 8, 9, 10, 11, 12, 14, 15 -> result = SoftFloat.roundToIntegralVariant(x, size, opcode & 7, s);
            default -> {
                return false;
            }
        }
        Vregs.writeScalar(s, rd, result, size);
        return true;
    }

    private static boolean dataProcessing2(int insn, FpSimdState s) {
        int size = arithmeticSize(insn);
        int opcode = (insn >>> 12) & 15;
        if (size == 0 || opcode > 8) {
            return false;
        }
        long a = Vregs.readScalar(s, (insn >>> 5) & 31, size);
        long b = Vregs.readScalar(s, (insn >>> 16) & 31, size);
        long result = switch (opcode) {
            case 0 -> SoftFloat.mul(a, b, size, s);
            case 1 -> SoftFloat.div(a, b, size, s);
            case 2 -> SoftFloat.add(a, b, size, false, s);
            case 3 -> SoftFloat.add(a, b, size, true, s);
            case 4 -> SoftFloat.maxMin(a, b, size, true, false, s);
            case 5 -> SoftFloat.maxMin(a, b, size, false, false, s);
            case 6 -> SoftFloat.maxMin(a, b, size, true, true, s);
            case 7 -> SoftFloat.maxMin(a, b, size, false, true, s);
            default -> SoftFloat.mul(a, b, size, s) ^ SoftFloat.signBit(size);
        };
        Vregs.writeScalar(s, insn & 31, result, size);
        return true;
    }

    private static boolean dataProcessing3(int insn, FpSimdState s) {
        int size = arithmeticSize(insn);
        if (size == 0) {
            return false;
        }
        boolean negateProduct = ((insn >>> 21) & 1) != ((insn >>> 15) & 1);
        boolean negateAddend = (insn & (1 << 21)) != 0;
        long sign = SoftFloat.signBit(size);
        long n = Vregs.readScalar(s, (insn >>> 5) & 31, size);
        long m = Vregs.readScalar(s, (insn >>> 16) & 31, size);
        long a = Vregs.readScalar(s, (insn >>> 10) & 31, size);
        long result = SoftFloat.mulAdd(negateAddend ? a ^ sign : a, negateProduct ? n ^ sign : n, m, size, s);
        Vregs.writeScalar(s, insn & 31, result, size);
        return true;
    }

    private static boolean compare(int insn, FpSimdState s, GeneralRegisters g) {
        int size = arithmeticSize(insn);
        if (size == 0 || ((insn >>> 14) & 3) != 0 || (insn & 7) != 0) {
            return false;
        }
        long a = Vregs.readScalar(s, (insn >>> 5) & 31, size);
        long b = (insn & 8) != 0 ? 0 : Vregs.readScalar(s, (insn >>> 16) & 31, size);
        g.setNzcv(SoftFloat.compare(a, b, size, (insn & 16) != 0, s));
        return true;
    }

    private static boolean conditionalCompare(int insn, FpSimdState s, GeneralRegisters g) {
        int size = arithmeticSize(insn);
        if (size == 0) {
            return false;
        }
        if (conditionHolds((insn >>> 12) & 15, g.nzcv())) {
            long a = Vregs.readScalar(s, (insn >>> 5) & 31, size);
            long b = Vregs.readScalar(s, (insn >>> 16) & 31, size);
            g.setNzcv(SoftFloat.compare(a, b, size, (insn & 16) != 0, s));
        } else {
            g.setNzcv(insn & 15);
        }
        return true;
    }

    private static boolean conditionalSelect(int insn, FpSimdState s, GeneralRegisters g) {
        int size = arithmeticSize(insn);
        if (size == 0) {
            return false;
        }
        int source = conditionHolds((insn >>> 12) & 15, g.nzcv()) ? (insn >>> 5) & 31 : (insn >>> 16) & 31;
        Vregs.writeScalar(s, insn & 31, Vregs.readScalar(s, source, size), size);
        return true;
    }

    private static boolean immediate(int insn, FpSimdState s) {
        int size = arithmeticSize(insn);
        if (size == 0 || ((insn >>> 5) & 31) != 0) {
            return false;
        }
        Vregs.writeScalar(s, insn & 31, SoftFloat.expandImmediate((insn >>> 13) & 0xff, size), size);
        return true;
    }

    private static boolean integerConversion(int insn, FpSimdState s, GeneralRegisters g) {
        if ((insn & (1 << 29)) != 0) {
            return false;
        }
        boolean sf = insn < 0;
        int ptype = (insn >>> 22) & 3;
        int rmode = (insn >>> 19) & 3;
        int opcode = (insn >>> 16) & 7;
        int rn = (insn >>> 5) & 31;
        int rd = insn & 31;
        int intBits = sf ? 64 : 32;
        if (opcode == 6 || opcode == 7) {
            return fmoveGeneral(sf, ptype, rmode, opcode == 7, rn, rd, s, g);
        }
        int size = ptype == 0 ? 32 : ptype == 1 ? 64 : 0;
        if (size == 0) {
            return false;
        }
        switch (opcode) {
            case 0, 1, 4, 5 -> {
                if (opcode >= 4 && rmode != 0) {
                    return false;
                }
                int rounding = opcode >= 4 ? SoftFloat.ROUND_TIES_AWAY : rmode;
                long x = Vregs.readScalar(s, rn, size);
                long result = SoftFloat.toFixed(x, size, 0, (opcode & 1) != 0, intBits, rounding, s);
                g.setX(rd, result & Vregs.mask(intBits));
                return true;
            }
            case 2, 3 -> {
                if (rmode != 0) {
                    return false;
                }
                boolean unsigned = opcode == 3;
                long value = extendSource(g.x(rn), intBits, unsigned);
                long result = SoftFloat.fromFixed(value, unsigned, 0, size, SoftFloat.fpcrRounding(s.fpcr), s);
                Vregs.writeScalar(s, rd, result, size);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static long extendSource(long x, int intBits, boolean unsigned) {
        return intBits == 64 ? x : unsigned ? x & 0xffffffffL : (int) x;
    }

    private static boolean fmoveGeneral(boolean sf, int ptype, int rmode, boolean toFp, int rn, int rd,
                                        FpSimdState s, GeneralRegisters g) {
        if (rmode == 0 && ((!sf && ptype == 0) || (sf && ptype == 1))) {
            int bits = sf ? 64 : 32;
            if (toFp) {
                Vregs.writeScalar(s, rd, g.x(rn), bits);
            } else {
                g.setX(rd, Vregs.readScalar(s, rn, bits));
            }
            return true;
        }
        if (rmode == 1 && sf && ptype == 2) {
            if (toFp) {
                s.v[2 * rd + 1] = g.x(rn);
            } else {
                g.setX(rd, s.v[2 * rn + 1]);
            }
            return true;
        }
        return false;
    }

    private static boolean fixedPointConversion(int insn, FpSimdState s, GeneralRegisters g) {
        boolean sf = insn < 0;
        int ptype = (insn >>> 22) & 3;
        int rmode = (insn >>> 19) & 3;
        int opcode = (insn >>> 16) & 7;
        int scale = (insn >>> 10) & 63;
        int size = ptype == 0 ? 32 : ptype == 1 ? 64 : 0;
        if ((insn & (1 << 29)) != 0 || size == 0 || (!sf && scale < 32)) {
            return false;
        }
        int fbits = 64 - scale;
        int intBits = sf ? 64 : 32;
        int rn = (insn >>> 5) & 31;
        int rd = insn & 31;
        if (rmode == 0 && (opcode == 2 || opcode == 3)) {
            boolean unsigned = opcode == 3;
            long value = extendSource(g.x(rn), intBits, unsigned);
            long result = SoftFloat.fromFixed(value, unsigned, fbits, size, SoftFloat.fpcrRounding(s.fpcr), s);
            Vregs.writeScalar(s, rd, result, size);
            return true;
        }
        if (rmode == 3 && (opcode == 0 || opcode == 1)) {
            long x = Vregs.readScalar(s, rn, size);
            long result = SoftFloat.toFixed(x, size, fbits, opcode == 1, intBits, SoftFloat.ROUND_ZERO, s);
            g.setX(rd, result & Vregs.mask(intBits));
            return true;
        }
        return false;
    }
}
