package io.jqvm.cpu.a64.simd;

import static io.jqvm.cpu.a64.simd.Vregs.element;
import static io.jqvm.cpu.a64.simd.Vregs.mask;
import static io.jqvm.cpu.a64.simd.Vregs.signExtend;
import static io.jqvm.cpu.a64.simd.Vregs.withElement;

/**
 * Advanced SIMD floating-point operations (vector and scalar forms): three same, two-register miscellaneous,
 * across lanes, fixed-point conversions by immediate, and by element. Single and double precision.
 */
final class FpVector {
    private FpVector() {
    }

    private static final int MAX_NUM = 0b00000;
    private static final int MULTIPLY_ADD = 0b00001;
    private static final int ADD = 0b00010;
    private static final int MULTIPLY_EXTENDED = 0b00011;
    private static final int EQUAL = 0b00100;
    private static final int MAX = 0b00110;
    private static final int RECIPROCAL_STEP = 0b00111;
    private static final int MIN_NUM = 0b01000;
    private static final int MULTIPLY_SUBTRACT = 0b01001;
    private static final int SUBTRACT = 0b01010;
    private static final int MIN = 0b01110;
    private static final int RECIPROCAL_SQRT_STEP = 0b01111;
    private static final int MAX_NUM_PAIRWISE = 0b10000;
    private static final int ADD_PAIRWISE = 0b10010;
    private static final int MULTIPLY = 0b10011;
    private static final int GREATER_EQUAL = 0b10100;
    private static final int ABSOLUTE_GREATER_EQUAL = 0b10101;
    private static final int MAX_PAIRWISE = 0b10110;
    private static final int DIVIDE = 0b10111;
    private static final int MIN_NUM_PAIRWISE = 0b11000;
    private static final int ABSOLUTE_DIFFERENCE = 0b11010;
    private static final int GREATER = 0b11100;
    private static final int ABSOLUTE_GREATER = 0b11101;
    private static final int MIN_PAIRWISE = 0b11110;

    static boolean threeSame(int insn, FpSimdState s, boolean scalar) {
        boolean q = (insn & (1 << 30)) != 0;
        boolean sz = (insn & (1 << 22)) != 0;
        int operation = ((insn >>> 25) & 0x10) | ((insn >>> 20) & 8) | ((insn >>> 11) & 7);
        int esize = sz ? 64 : 32;
        boolean known = switch (operation) {
            case MULTIPLY_EXTENDED, EQUAL, GREATER_EQUAL, ABSOLUTE_GREATER_EQUAL, ABSOLUTE_DIFFERENCE, GREATER,
                 ABSOLUTE_GREATER, RECIPROCAL_STEP, RECIPROCAL_SQRT_STEP -> true;
            case MAX_NUM, MULTIPLY_ADD, ADD, MAX, MIN_NUM, MULTIPLY_SUBTRACT, SUBTRACT, MIN, MAX_NUM_PAIRWISE,
                 ADD_PAIRWISE, MULTIPLY, MAX_PAIRWISE, DIVIDE, MIN_NUM_PAIRWISE, MIN_PAIRWISE -> !scalar;
            default -> false;
        };
        if (!known || (!scalar && sz && !q)) {
            return false;
        }
        int rd = insn & 31;
        int rn = (insn >>> 5) & 31;
        int rm = (insn >>> 16) & 31;
        int datasize = scalar ? esize : q ? 128 : 64;
        int elements = datasize / esize;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        long m0 = s.v[2 * rm];
        long m1 = s.v[2 * rm + 1];
        long d0 = s.v[2 * rd];
        long d1 = s.v[2 * rd + 1];
        boolean pairwise = operation == MAX_NUM_PAIRWISE || operation == ADD_PAIRWISE || operation == MAX_PAIRWISE
                || operation == MIN_NUM_PAIRWISE || operation == MIN_PAIRWISE;
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            long a;
            long b;
            if (pairwise) {
                int half = elements / 2;
                long lo = e < half ? n0 : m0;
                long hi = e < half ? n1 : m1;
                a = element(lo, hi, 2 * (e % half), esize);
                b = element(lo, hi, 2 * (e % half) + 1, esize);
            } else {
                a = element(n0, n1, e, esize);
                b = element(m0, m1, e, esize);
            }
            long r = apply(operation, a, b, element(d0, d1, e, esize), esize, s);
            if (e * esize < 64) {
                r0 = withElement(r0, e, esize, r);
            } else {
                r1 = withElement(r1, e, esize, r);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, datasize);
        return true;
    }

    private static long apply(int operation, long a, long b, long d, int esize, FpSimdState s) {
        long sign = SoftFloat.signBit(esize);
        return switch (operation) {
            case MAX_NUM, MAX_NUM_PAIRWISE -> SoftFloat.maxMin(a, b, esize, true, true, s);
            case MIN_NUM, MIN_NUM_PAIRWISE -> SoftFloat.maxMin(a, b, esize, false, true, s);
            case MAX, MAX_PAIRWISE -> SoftFloat.maxMin(a, b, esize, true, false, s);
            case MIN, MIN_PAIRWISE -> SoftFloat.maxMin(a, b, esize, false, false, s);
            case MULTIPLY_ADD -> SoftFloat.mulAdd(d, a, b, esize, s);
            case MULTIPLY_SUBTRACT -> SoftFloat.mulAdd(d, a ^ sign, b, esize, s);
            case ADD, ADD_PAIRWISE -> SoftFloat.add(a, b, esize, false, s);
            case SUBTRACT -> SoftFloat.add(a, b, esize, true, s);
            case ABSOLUTE_DIFFERENCE -> SoftFloat.add(a, b, esize, true, s) & ~sign;
            case MULTIPLY -> SoftFloat.mul(a, b, esize, s);
            case MULTIPLY_EXTENDED -> multiplyExtended(a, b, esize, s);
            case DIVIDE -> SoftFloat.div(a, b, esize, s);
            case RECIPROCAL_STEP -> SoftFloat.reciprocalStep(a, b, esize, false, s);
            case RECIPROCAL_SQRT_STEP -> SoftFloat.reciprocalStep(a, b, esize, true, s);
            case EQUAL -> compare(a, b, esize, EQUAL, s);
            case GREATER_EQUAL, GREATER -> compare(a, b, esize, operation, s);
            default -> compare(a & ~sign, b & ~sign, esize, operation == ABSOLUTE_GREATER ? GREATER : GREATER_EQUAL, s);
        };
    }

    /** FMULX: FMUL except that infinity times zero gives 2.0 with the product's sign. */
    static long multiplyExtended(long a, long b, int esize, FpSimdState s) {
        long fa = SoftFloat.flushInput(a, esize, s);
        long fb = SoftFloat.flushInput(b, esize, s);
        boolean infinityTimesZero = !SoftFloat.isNaN(fa, esize) && !SoftFloat.isNaN(fb, esize)
                && ((SoftFloat.isInfinite(fa, esize) && SoftFloat.isZero(fb, esize))
                || (SoftFloat.isZero(fa, esize) && SoftFloat.isInfinite(fb, esize)));
        if (infinityTimesZero) {
            long two = SoftFloat.expandImmediate(0, esize);
            return two | ((fa ^ fb) & SoftFloat.signBit(esize));
        }
        return SoftFloat.mul(a, b, esize, s);
    }

    /** FPCompareEQ/GE/GT as an all-ones or all-zeros element. */
    private static long compare(long a, long b, int esize, int kind, FpSimdState s) {
        a = SoftFloat.flushInput(a, esize, s);
        b = SoftFloat.flushInput(b, esize, s);
        if (SoftFloat.isNaN(a, esize) || SoftFloat.isNaN(b, esize)) {
            if (kind != EQUAL || SoftFloat.isSignalingNaN(a, esize) || SoftFloat.isSignalingNaN(b, esize)) {
                s.fpsr |= SoftFloat.FPSR_IOC;
            }
            return 0;
        }
        int cmp = SoftFloat.compareValues(a, b, esize);
        boolean holds = kind == EQUAL ? cmp == 0 : kind == GREATER ? cmp > 0 : cmp >= 0;
        return holds ? mask(esize) : 0;
    }

    static boolean twoRegisterMisc(int insn, FpSimdState s, boolean scalar) {
        boolean u = (insn & (1 << 29)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        boolean high = (insn & (1 << 23)) != 0;
        boolean sz = (insn & (1 << 22)) != 0;
        int opcode = (insn >>> 12) & 31;
        int rd = insn & 31;
        int rn = (insn >>> 5) & 31;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        if (opcode == 0b10110 || opcode == 0b10111) {
            return !high && convertPrecision(u, opcode == 0b10111, sz, q && !scalar, scalar, n0, n1, rd, s);
        }
        int operation = (u ? 0x40 : 0) | (high ? 0x20 : 0) | opcode;
        boolean vectorOnly = switch (operation) {
            case 0x18, 0x19, 0x2f, 0x38, 0x39, 0x58, 0x59, 0x6f, 0x79, 0x7f -> true;
            case 0x3c, 0x7c -> !sz;
            default -> false;
        };
        boolean scalarOnly = operation == 0x3f;
        boolean known = vectorOnly || scalarOnly || switch (operation) {
            case 0x1a, 0x1b, 0x1c, 0x1d, 0x2c, 0x2d, 0x2e, 0x3a, 0x3b, 0x5a, 0x5b, 0x5c, 0x5d, 0x6c, 0x6d,
                 0x7a, 0x7b, 0x3d, 0x7d -> true;
            default -> false;
        };
        if (!known || (scalar && vectorOnly) || (!scalar && scalarOnly) || (!scalar && sz && !q)) {
            return false;
        }
        int esize = sz ? 64 : 32;
        int datasize = scalar ? esize : q ? 128 : 64;
        int elements = datasize / esize;
        int rounding = SoftFloat.fpcrRounding(s.fpcr);
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            long a = element(n0, n1, e, esize);
            long r = switch (operation) {
                case 0x18 -> SoftFloat.roundToIntegralVariant(a, esize, 0, s);
                case 0x19 -> SoftFloat.roundToIntegralVariant(a, esize, 2, s);
                case 0x38 -> SoftFloat.roundToIntegralVariant(a, esize, 1, s);
                case 0x39 -> SoftFloat.roundToIntegralVariant(a, esize, 3, s);
                case 0x58 -> SoftFloat.roundToIntegralVariant(a, esize, 4, s);
                case 0x59 -> SoftFloat.roundToIntegralVariant(a, esize, 6, s);
                case 0x79 -> SoftFloat.roundToIntegralVariant(a, esize, 7, s);
                case 0x2f -> a & ~SoftFloat.signBit(esize);
                case 0x6f -> a ^ SoftFloat.signBit(esize);
                case 0x7f -> SoftFloat.sqrt(a, esize, s);
                case 0x1a, 0x5a -> SoftFloat.toFixed(a, esize, 0, u, esize, SoftFloat.ROUND_NEAREST, s);
                case 0x1b, 0x5b -> SoftFloat.toFixed(a, esize, 0, u, esize, SoftFloat.ROUND_MINUS_INF, s);
                case 0x1c, 0x5c -> SoftFloat.toFixed(a, esize, 0, u, esize, SoftFloat.ROUND_TIES_AWAY, s);
                case 0x3a, 0x7a -> SoftFloat.toFixed(a, esize, 0, u, esize, SoftFloat.ROUND_PLUS_INF, s);
                case 0x3b, 0x7b -> SoftFloat.toFixed(a, esize, 0, u, esize, SoftFloat.ROUND_ZERO, s);
                case 0x1d, 0x5d -> SoftFloat.fromFixed(u ? a : signExtend(a, esize), u, 0, esize, rounding, s);
                case 0x2c -> compare(a, 0, esize, GREATER, s);
                case 0x6c -> compare(a, 0, esize, GREATER_EQUAL, s);
                case 0x2d -> compare(a, 0, esize, EQUAL, s);
                case 0x6d -> compare(0, a, esize, GREATER_EQUAL, s);
                case 0x3c -> ReciprocalEstimates.unsignedReciprocal(a);
                case 0x7c -> ReciprocalEstimates.unsignedReciprocalSquareRoot(a);
                case 0x3d -> ReciprocalEstimates.reciprocal(a, esize, s);
                case 0x7d -> ReciprocalEstimates.reciprocalSquareRoot(a, esize, s);
                case 0x3f -> ReciprocalEstimates.reciprocalExponent(a, esize, s);
                default -> compare(0, a, esize, GREATER, s);
            };
            if (e * esize < 64) {
                r0 = withElement(r0, e, esize, r);
            } else {
                r1 = withElement(r1, e, esize, r);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, datasize);
        return true;
    }

    /** FCVTN/FCVTXN (narrow, to the low or with Q the high half) and FCVTL (widen the low or high half). */
    private static boolean convertPrecision(boolean u, boolean widen, boolean sz, boolean upper, boolean scalar,
                                            long n0, long n1, int rd, FpSimdState s) {
        if (widen ? u || scalar : (u && !sz) || (scalar && !u)) {
            return false;
        }
        int narrowSize = sz ? 32 : 16;
        int wideSize = 2 * narrowSize;
        int rounding = u ? SoftFloat.ROUND_ODD : SoftFloat.fpcrRounding(s.fpcr);
        if (widen) {
            long source = upper ? n1 : n0;
            long r0 = 0;
            long r1 = 0;
            int elements = 64 / narrowSize;
            for (int e = 0; e < elements; e++) {
                long r = SoftFloat.convert(element(source, 0, e, narrowSize), narrowSize, wideSize, rounding, s);
                if (e * wideSize < 64) {
                    r0 = withElement(r0, e, wideSize, r);
                } else {
                    r1 = withElement(r1, e, wideSize, r);
                }
            }
            IntegerLanes.writeVector(s, rd, r0, r1, 128);
            return true;
        }
        int elements = scalar ? 1 : 64 / narrowSize;
        long result = 0;
        for (int e = 0; e < elements; e++) {
            long r = SoftFloat.convert(element(n0, n1, e, wideSize), wideSize, narrowSize, rounding, s);
            result = withElement(result, e, narrowSize, r);
        }
        TwoRegisterMisc.writeNarrow(s, rd, result, upper, scalar ? narrowSize : 64);
        return true;
    }

    /** FMAXNMV, FMINNMV, FMAXV, FMINV: pairwise reduction tree over the four single-precision lanes. */
    static boolean acrossLanes(int insn, FpSimdState s) {
        boolean u = (insn & (1 << 29)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        boolean min = (insn & (1 << 23)) != 0;
        boolean numeric = ((insn >>> 12) & 31) == 0b01100;
        if (!u || !q || (insn & (1 << 22)) != 0) {
            return false;
        }
        int rn = (insn >>> 5) & 31;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        long low = SoftFloat.maxMin(n0 & 0xffffffffL, n0 >>> 32, 32, !min, numeric, s);
        long highPair = SoftFloat.maxMin(n1 & 0xffffffffL, n1 >>> 32, 32, !min, numeric, s);
        Vregs.writeScalar(s, insn & 31, SoftFloat.maxMin(low, highPair, 32, !min, numeric, s), 32);
        return true;
    }

    /** SCVTF/UCVTF and FCVTZS/FCVTZU with fractional bits (shift by immediate encodings). */
    static boolean fixedPointConversion(int insn, FpSimdState s, boolean scalar, int esize, int fbits) {
        boolean u = (insn & (1 << 29)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        boolean toFloat = ((insn >>> 11) & 31) == 0b11100;
        if (!scalar && esize == 64 && !q) {
            return false;
        }
        int rd = insn & 31;
        int rn = (insn >>> 5) & 31;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        int datasize = scalar ? esize : q ? 128 : 64;
        int elements = datasize / esize;
        int rounding = SoftFloat.fpcrRounding(s.fpcr);
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            long a = element(n0, n1, e, esize);
            long r = toFloat ? SoftFloat.fromFixed(u ? a : signExtend(a, esize), u, fbits, esize, rounding, s)
                    : SoftFloat.toFixed(a, esize, fbits, u, esize, SoftFloat.ROUND_ZERO, s);
            if (e * esize < 64) {
                r0 = withElement(r0, e, esize, r);
            } else {
                r1 = withElement(r1, e, esize, r);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, datasize);
        return true;
    }

    /** FMLA, FMLS, FMUL and FMULX by element (vector and scalar). */
    static boolean byElement(int insn, FpSimdState s, boolean scalar) {
        boolean u = (insn & (1 << 29)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        int size = (insn >>> 22) & 3;
        int opcode = (insn >>> 12) & 15;
        boolean low = (insn & (1 << 21)) != 0;
        int index = ((insn >>> 10) & 2) | (low ? 1 : 0);
        boolean known = u ? opcode == 0b1001 : opcode == 0b0001 || opcode == 0b0101 || opcode == 0b1001;
        if (!known || size < 2) {
            return false;
        }
        int esize = size == 3 ? 64 : 32;
        if (esize == 64) {
            if (low || (!scalar && !q)) {
                return false;
            }
            index >>>= 1;
        }
        int rd = insn & 31;
        int rn = (insn >>> 5) & 31;
        int rm = (insn >>> 16) & 31;
        long operand = Vregs.read(s, rm, index, esize);
        int datasize = scalar ? esize : q ? 128 : 64;
        int elements = datasize / esize;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        long d0 = s.v[2 * rd];
        long d1 = s.v[2 * rd + 1];
        long sign = SoftFloat.signBit(esize);
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            long a = element(n0, n1, e, esize);
            long r = switch (opcode) {
                case 0b0001 -> SoftFloat.mulAdd(element(d0, d1, e, esize), a, operand, esize, s);
                case 0b0101 -> SoftFloat.mulAdd(element(d0, d1, e, esize), a ^ sign, operand, esize, s);
                default -> u ? multiplyExtended(a, operand, esize, s) : SoftFloat.mul(a, operand, esize, s);
            };
            if (e * esize < 64) {
                r0 = withElement(r0, e, esize, r);
            } else {
                r1 = withElement(r1, e, esize, r);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, datasize);
        return true;
    }

    /** Scalar pairwise: ADDP Dd, Vn.2D and FADDP/FMAXP/FMINP/FMAXNMP/FMINNMP of the two lanes of Vn. */
    static boolean scalarPairwise(int insn, FpSimdState s) {
        boolean u = (insn & (1 << 29)) != 0;
        int size = (insn >>> 22) & 3;
        int opcode = (insn >>> 12) & 31;
        int rn = (insn >>> 5) & 31;
        int rd = insn & 31;
        if (!u) {
            if (opcode != 0b11011 || size != 3) {
                return false;
            }
            Vregs.writeScalar(s, rd, s.v[2 * rn] + s.v[2 * rn + 1], 64);
            return true;
        }
        boolean high = size >= 2;
        boolean known = opcode == 0b01100 || opcode == 0b01111 || (opcode == 0b01101 && !high);
        if (!known) {
            return false;
        }
        int esize = (size & 1) != 0 ? 64 : 32;
        long a = Vregs.read(s, rn, 0, esize);
        long b = Vregs.read(s, rn, 1, esize);
        long r = opcode == 0b01101 ? SoftFloat.add(a, b, esize, false, s)
                : SoftFloat.maxMin(a, b, esize, !high, opcode == 0b01100, s);
        Vregs.writeScalar(s, rd, r, esize);
        return true;
    }
}
