package io.jqvm.cpu.a64.simd;

import static io.jqvm.cpu.a64.simd.Vregs.element;
import static io.jqvm.cpu.a64.simd.Vregs.signExtend;
import static io.jqvm.cpu.a64.simd.Vregs.withElement;

/**
 * Advanced SIMD "three different": widening (…L), wide (…W) and narrowing-high-half (…HN) operations.
 * The "2" forms (Q set) take the upper halves of the narrow sources, or write the upper half of Vd.
 */
final class ThreeDifferent {
    private ThreeDifferent() {
    }

    static boolean execute(int insn, FpSimdState s, boolean scalar) {
        boolean u = (insn & (1 << 29)) != 0;
        boolean q = (insn & (1 << 30)) != 0 && !scalar;
        int size = (insn >>> 22) & 3;
        int opcode = (insn >>> 12) & 15;
        int rd = insn & 31;
        int rn = (insn >>> 5) & 31;
        int rm = (insn >>> 16) & 31;
        boolean doubling = opcode == 0b1001 || opcode == 0b1011 || opcode == 0b1101;
        boolean known = switch (opcode) {
            case 0b1001, 0b1011, 0b1101 -> !u && (size == 1 || size == 2);
            case 0b1110 -> !u && size == 0;
            case 0b1111 -> false;
            default -> size != 3;
        };
        if (scalar && !doubling) {
            return false;
        }
        if (!known) {
            return false;
        }
        int esize = 8 << size;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        long m0 = s.v[2 * rm];
        long m1 = s.v[2 * rm + 1];
        if (opcode == 0b0100 || opcode == 0b0110) {
            narrowHigh(u, opcode == 0b0110, esize, q, n0, n1, m0, m1, rd, s);
            return true;
        }
        boolean wideFirst = opcode == 0b0001 || opcode == 0b0011;
        long narrowN = q ? n1 : n0;
        long narrowM = q ? m1 : m0;
        long d0 = s.v[2 * rd];
        long d1 = s.v[2 * rd + 1];
        int elements = scalar ? 1 : 64 / esize;
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            boolean zeroExtend = u || opcode == 0b1110;
            long a = wideFirst ? element(n0, n1, e, 2 * esize) : extend(element(narrowN, 0, e, esize), esize, zeroExtend);
            long b = extend(element(narrowM, 0, e, esize), esize, zeroExtend);
            long d = element(d0, d1, e, 2 * esize);
            long r = switch (opcode) {
                case 0b0000, 0b0001 -> a + b;
                case 0b0010, 0b0011 -> a - b;
                case 0b0101 -> d + Math.abs(a - b);
                case 0b0111 -> Math.abs(a - b);
                case 0b1000 -> d + a * b;
                case 0b1010 -> d - a * b;
                case 0b1100 -> a * b;
                case 0b1001 -> IntegerLanes.signedAdd(signExtend(d, 2 * esize),
                        IntegerLanes.doublingMultiplyLong(a, b, esize, s), 2 * esize, s);
                case 0b1011 -> IntegerLanes.signedSubtract(signExtend(d, 2 * esize),
                        IntegerLanes.doublingMultiplyLong(a, b, esize, s), 2 * esize, s);
                case 0b1101 -> IntegerLanes.doublingMultiplyLong(a, b, esize, s);
                default -> IntegerLanes.polynomialMultiply8(a, b);
            };
            if (e * 2 * esize < 64) {
                r0 = withElement(r0, e, 2 * esize, r);
            } else {
                r1 = withElement(r1, e, 2 * esize, r);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, scalar ? 2 * esize : 128);
        return true;
    }

    private static long extend(long value, int esize, boolean unsigned) {
        return unsigned ? value : signExtend(value, esize);
    }

    /** ADDHN/RADDHN/SUBHN/RSUBHN: the high half of each 2*esize sum or difference, optionally rounded. */
    private static void narrowHigh(boolean round, boolean subtract, int esize, boolean upper, long n0, long n1,
                                   long m0, long m1, int rd, FpSimdState s) {
        int elements = 64 / esize;
        long result = 0;
        for (int e = 0; e < elements; e++) {
            long a = element(n0, n1, e, 2 * esize);
            long b = element(m0, m1, e, 2 * esize);
            long r = subtract ? a - b : a + b;
            if (round) {
                r += 1L << (esize - 1);
            }
            result = withElement(result, e, esize, r >>> esize);
        }
        TwoRegisterMisc.writeNarrow(s, rd, result, upper, 64);
    }
}
