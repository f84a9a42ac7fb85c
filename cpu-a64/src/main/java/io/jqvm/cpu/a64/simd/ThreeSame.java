package io.jqvm.cpu.a64.simd;

import static io.jqvm.cpu.a64.simd.Vregs.element;
import static io.jqvm.cpu.a64.simd.Vregs.mask;
import static io.jqvm.cpu.a64.simd.Vregs.signExtend;
import static io.jqvm.cpu.a64.simd.Vregs.withElement;

/**
 * Advanced SIMD "three same" (vector and scalar): integer arithmetic, compares, shifts by register, logic and
 * pairwise integer operations. The floating-point opcodes (11000..11111) go to {@link FpVector}.
 */
final class ThreeSame {
    private ThreeSame() {
    }

    private static final int HALVING_ADD = 0;
    private static final int SATURATING_ADD = 1;
    private static final int ROUNDING_HALVING_ADD = 2;
    private static final int LOGIC = 3;
    private static final int HALVING_SUB = 4;
    private static final int SATURATING_SUB = 5;
    private static final int COMPARE_GREATER = 6;
    private static final int COMPARE_GREATER_EQUAL = 7;
    private static final int SHIFT = 8;
    private static final int SATURATING_SHIFT = 9;
    private static final int ROUNDING_SHIFT = 10;
    private static final int SATURATING_ROUNDING_SHIFT = 11;
    private static final int MAX = 12;
    private static final int MIN = 13;
    private static final int ABSOLUTE_DIFFERENCE = 14;
    private static final int ABSOLUTE_DIFFERENCE_ACCUMULATE = 15;
    private static final int ADD_SUB = 16;
    private static final int TEST_EQUAL = 17;
    private static final int MULTIPLY_ACCUMULATE = 18;
    private static final int MULTIPLY = 19;
    private static final int MAX_PAIRWISE = 20;
    private static final int MIN_PAIRWISE = 21;
    private static final int DOUBLING_MULTIPLY_HIGH = 22;
    private static final int ADD_PAIRWISE = 23;

    static boolean execute(int insn, FpSimdState s, boolean scalar) {
        int opcode = (insn >>> 11) & 31;
        if (opcode >= 24) {
            return FpVector.threeSame(insn, s, scalar);
        }
        boolean u = (insn & (1 << 29)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        int size = (insn >>> 22) & 3;
        int esize = 8 << size;
        int rd = insn & 31;
        int rn = (insn >>> 5) & 31;
        int rm = (insn >>> 16) & 31;
        if (scalar ? !scalarAllowed(opcode, size) : !vectorAllowed(opcode, size, q, u)) {
            return false;
        }
        int datasize = scalar ? esize : q ? 128 : 64;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        long m0 = s.v[2 * rm];
        long m1 = s.v[2 * rm + 1];
        long d0 = s.v[2 * rd];
        long d1 = s.v[2 * rd + 1];
        if (opcode == LOGIC) {
            IntegerLanes.writeVector(s, rd, logic(u, size, n0, m0, d0), logic(u, size, n1, m1, d1), datasize);
            return true;
        }
        if (opcode == ADD_SUB) {
            IntegerLanes.writeVector(s, rd, u ? Swar.subtract(n0, m0, esize) : Swar.add(n0, m0, esize),
                    u ? Swar.subtract(n1, m1, esize) : Swar.add(n1, m1, esize), datasize);
            return true;
        }
        if (opcode == TEST_EQUAL && u) {
            IntegerLanes.writeVector(s, rd, Swar.equal(n0, m0, esize), Swar.equal(n1, m1, esize), datasize);
            return true;
        }
        int elements = datasize / esize;
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            long r;
            if (opcode == MAX_PAIRWISE || opcode == MIN_PAIRWISE || opcode == ADD_PAIRWISE) {
                int pairOpcode = opcode == MAX_PAIRWISE ? MAX : opcode == MIN_PAIRWISE ? MIN : ADD_SUB;
                int half = elements / 2;
                int first = 2 * (e % half);
                long lo = e < half ? n0 : m0;
                long hi = e < half ? n1 : m1;
                r = apply(pairOpcode, u && opcode != ADD_PAIRWISE, element(lo, hi, first, esize),
                        element(lo, hi, first + 1, esize), 0, esize, s);
            } else {
                r = apply(opcode, u, element(n0, n1, e, esize), element(m0, m1, e, esize), element(d0, d1, e, esize),
                        esize, s);
            }
            if (e * esize < 64) {
                r0 = withElement(r0, e, esize, r);
            } else {
                r1 = withElement(r1, e, esize, r);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, datasize);
        return true;
    }

    private static boolean vectorAllowed(int opcode, int size, boolean q, boolean u) {
        if (size == 3 && !q && opcode != LOGIC) {
            return false;
        }
        return switch (opcode) {
            case HALVING_ADD, ROUNDING_HALVING_ADD, HALVING_SUB, MAX, MIN, ABSOLUTE_DIFFERENCE,
                 ABSOLUTE_DIFFERENCE_ACCUMULATE, MULTIPLY_ACCUMULATE, MAX_PAIRWISE, MIN_PAIRWISE -> size != 3;
            case MULTIPLY -> u ? size == 0 : size != 3;
            case ADD_PAIRWISE -> !u;
            case SATURATING_ADD, LOGIC, SATURATING_SUB, COMPARE_GREATER, COMPARE_GREATER_EQUAL, SHIFT,
                 ROUNDING_SHIFT, ADD_SUB, TEST_EQUAL, SATURATING_SHIFT, SATURATING_ROUNDING_SHIFT -> true;
            case DOUBLING_MULTIPLY_HIGH -> size == 1 || size == 2;
            default -> false;
        };
    }

    private static boolean scalarAllowed(int opcode, int size) {
        return switch (opcode) {
            case SATURATING_ADD, SATURATING_SUB, SATURATING_SHIFT, SATURATING_ROUNDING_SHIFT -> true;
            case DOUBLING_MULTIPLY_HIGH -> size == 1 || size == 2;
            case COMPARE_GREATER, COMPARE_GREATER_EQUAL, SHIFT, ROUNDING_SHIFT, ADD_SUB, TEST_EQUAL -> size == 3;
            default -> false;
        };
    }

    private static long logic(boolean u, int size, long n, long m, long d) {
        if (!u) {
            return switch (size) {
                case 0 -> n & m;
                case 1 -> n & ~m;
                case 2 -> n | m;
                default -> n | ~m;
            };
        }
        return switch (size) {
            case 0 -> n ^ m;
            case 1 -> (d & n) | (~d & m);
            case 2 -> (d & ~m) | (n & m);
            default -> (d & m) | (n & ~m);
        };
    }

    /**
     * One element of a non-pairwise operation (MUL/PMUL being the last); a, b and d are zero-extended, the result
     * is masked by the caller.
     */
    static long apply(int opcode, boolean u, long a, long b, long d, int esize, FpSimdState s) {
        long sa = signExtend(a, esize);
        long sb = signExtend(b, esize);
        long all = mask(esize);
        return switch (opcode) {
            case HALVING_ADD -> u ? (a + b) >>> 1 : (sa + sb) >> 1;
            case SATURATING_ADD -> u ? IntegerLanes.unsignedAdd(a, b, esize, s) : IntegerLanes.signedAdd(sa, sb, esize, s);
            case ROUNDING_HALVING_ADD -> u ? (a + b + 1) >>> 1 : (sa + sb + 1) >> 1;
            case HALVING_SUB -> u ? (a - b) >> 1 : (sa - sb) >> 1;
            case SATURATING_SUB -> u ? IntegerLanes.unsignedSubtract(a, b, s) : IntegerLanes.signedSubtract(sa, sb, esize, s);
            case COMPARE_GREATER -> (u ? Long.compareUnsigned(a, b) > 0 : sa > sb) ? all : 0;
            case COMPARE_GREATER_EQUAL -> (u ? Long.compareUnsigned(a, b) >= 0 : sa >= sb) ? all : 0;
            case SHIFT -> IntegerLanes.shiftByRegister(u ? a : sa, b, esize, u, false);
            case ROUNDING_SHIFT -> IntegerLanes.shiftByRegister(u ? a : sa, b, esize, u, true);
            case SATURATING_SHIFT, SATURATING_ROUNDING_SHIFT -> {
                int shift = (byte) b;
                if (shift >= 0) {
                    yield IntegerLanes.saturatingShiftLeft(u ? a : sa, shift, esize, !u, u, s);
                }
                yield IntegerLanes.shiftByRegister(u ? a : sa, b, esize, u, opcode == SATURATING_ROUNDING_SHIFT);
            }
            case DOUBLING_MULTIPLY_HIGH -> IntegerLanes.doublingMultiplyHigh(sa, sb, esize, u, s);
            case MAX -> u ? (Long.compareUnsigned(a, b) >= 0 ? a : b) : Math.max(sa, sb);
            case MIN -> u ? (Long.compareUnsigned(a, b) <= 0 ? a : b) : Math.min(sa, sb);
            case ABSOLUTE_DIFFERENCE -> u ? Math.abs(a - b) : Math.abs(sa - sb);
            case ABSOLUTE_DIFFERENCE_ACCUMULATE -> d + (u ? Math.abs(a - b) : Math.abs(sa - sb));
            case ADD_SUB -> u ? a - b : a + b;
            case TEST_EQUAL -> (u ? a == b : (a & b) != 0) ? all : 0;
            case MULTIPLY_ACCUMULATE -> u ? d - a * b : d + a * b;
            default -> u ? IntegerLanes.polynomialMultiply8(a, b) : a * b;
        };
    }
}
