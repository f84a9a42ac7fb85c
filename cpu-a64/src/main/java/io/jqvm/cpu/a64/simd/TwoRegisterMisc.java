package io.jqvm.cpu.a64.simd;

import static io.jqvm.cpu.a64.simd.Vregs.element;
import static io.jqvm.cpu.a64.simd.Vregs.mask;
import static io.jqvm.cpu.a64.simd.Vregs.signExtend;
import static io.jqvm.cpu.a64.simd.Vregs.withElement;

/**
 * Advanced SIMD "two-register miscellaneous" (vector and scalar) integer operations, and "across lanes".
 * Floating-point opcodes go to {@link FpVector}.
 */
final class TwoRegisterMisc {
    private TwoRegisterMisc() {
    }

    static boolean execute(int insn, FpSimdState s, boolean scalar) {
        boolean u = (insn & (1 << 29)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        int size = (insn >>> 22) & 3;
        int opcode = (insn >>> 12) & 31;
        int rd = insn & 31;
        int rn = (insn >>> 5) & 31;
        if (opcode >= 0b11000 || (opcode >= 0b01100 && opcode <= 0b01111) || opcode == 0b10110 || opcode == 0b10111) {
            return FpVector.twoRegisterMisc(insn, s, scalar);
        }
        // NOT and RBIT use the size field to select the operation; they work on bytes.
        int esize = opcode == 0b00101 ? 8 : 8 << size;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        switch (opcode) {
            case 0b10010, 0b10100 -> {
                return narrow(u, opcode, size, q, scalar, n0, n1, rd, s);
            }
            case 0b10011 -> {
                return !scalar && u && size != 3 && shiftLeftLong(size, q, n0, n1, rd, s);
            }
            case 0b00010, 0b00110 -> {
                return !scalar && size != 3 && pairwiseAddLong(u, opcode == 0b00110, size, q, n0, n1, rd, s);
            }
            default -> {
                // element-wise operations below
            }
        }
        if (scalar ? !scalarAllowed(u, opcode, size) : !vectorAllowed(u, opcode, size, q)) {
            return false;
        }
        int datasize = scalar ? esize : q ? 128 : 64;
        if (opcode == 0b01001 && !u) {
            IntegerLanes.writeVector(s, rd, Swar.equal(n0, 0, esize), Swar.equal(n1, 0, esize), datasize);
            return true;
        }
        int elements = datasize / esize;
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            long r;
            if (opcode <= 1) {
                r = element(n0, n1, e ^ reversalMask(u, opcode, size), esize);
            } else if (opcode == 0b00011) {
                r = saturatingAccumulate(u, element(s.v[2 * rd], s.v[2 * rd + 1], e, esize),
                        element(n0, n1, e, esize), esize, s);
            } else {
                r = apply(u, opcode, size, element(n0, n1, e, esize), esize, s);
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

    /** REV64/REV32/REV16 swap element e with e ^ (elements per container - 1). */
    private static int reversalMask(boolean u, int opcode, int size) {
        int containerBits = opcode == 1 ? 16 : u ? 32 : 64;
        return (containerBits >>> (3 + size)) - 1;
    }

    private static boolean vectorAllowed(boolean u, int opcode, int size, boolean q) {
        if (size == 3 && !q) {
            return false;
        }
        return switch (opcode) {
            case 0b00000 -> size < (u ? 2 : 3);
            case 0b00001 -> !u && size == 0;
            case 0b00100 -> size != 3;
            case 0b00101 -> u ? size <= 1 : size == 0;
            case 0b00011, 0b00111, 0b01000, 0b01001, 0b01011 -> true;
            case 0b01010 -> !u;
            default -> false;
        };
    }

    private static boolean scalarAllowed(boolean u, int opcode, int size) {
        return switch (opcode) {
            case 0b00011, 0b00111 -> true;
            case 0b01000, 0b01001, 0b01011 -> size == 3;
            case 0b01010 -> !u && size == 3;
            default -> false;
        };
    }

    private static long apply(boolean u, int opcode, int size, long a, int esize, FpSimdState s) {
        long sa = signExtend(a, esize);
        long all = mask(esize);
        return switch (opcode) {
            case 0b00100 -> u ? IntegerLanes.countLeadingZeros(a, esize) : IntegerLanes.countLeadingSignBits(a, esize);
            case 0b00101 -> !u ? Long.bitCount(a) : size == 0 ? ~a : Integer.reverse((int) a) >>> 24;
            case 0b00111 -> saturatingAbsNeg(u, sa, esize, s);
            case 0b01000 -> (u ? sa >= 0 : sa > 0) ? all : 0;
            case 0b01001 -> (u ? sa <= 0 : sa == 0) ? all : 0;
            case 0b01010 -> sa < 0 ? all : 0;
            default -> u ? -sa : Math.abs(sa);
        };
    }

    /** SUQADD (signed accumulator, unsigned operand) and USQADD (unsigned accumulator, signed operand). */
    private static long saturatingAccumulate(boolean u, long accumulator, long operand, int esize, FpSimdState s) {
        return u ? IntegerLanes.unsignedPlusSigned(accumulator, signExtend(operand, esize), esize, s)
                : IntegerLanes.signedPlusUnsigned(signExtend(accumulator, esize), operand, esize, s);
    }

    private static long saturatingAbsNeg(boolean negate, long sa, int esize, FpSimdState s) {
        long r = negate ? -sa : Math.abs(sa);
        if (esize == 64) {
            if (sa == Long.MIN_VALUE) {
                s.fpsr |= SoftFloat.FPSR_QC;
                return Long.MAX_VALUE;
            }
            return r;
        }
        return IntegerLanes.saturateSigned(r, esize, s);
    }

    /** XTN, SQXTN, UQXTN, SQXTUN: narrow 2*esize source elements; the "2" forms fill the upper half of Vd. */
    private static boolean narrow(boolean u, int opcode, int size, boolean q, boolean scalar, long n0, long n1,
                                  int rd, FpSimdState s) {
        boolean plain = !u && opcode == 0b10010;
        if (size == 3 || (scalar && plain)) {
            return false;
        }
        int esize = 8 << size;
        int elements = scalar ? 1 : 64 / esize;
        long result = 0;
        for (int e = 0; e < elements; e++) {
            long wide = element(n0, n1, e, 2 * esize);
            long signed = signExtend(wide, 2 * esize);
            long r;
            if (plain) {
                r = wide;
            } else if (opcode == 0b10010 || !u) {
                // SQXTUN (10010 with U) narrows signed to unsigned; SQXTN (10100 without U) stays signed.
                r = u ? IntegerLanes.saturateUnsigned(signed, esize, s) : IntegerLanes.saturateSigned(signed, esize, s);
            } else if (Long.compareUnsigned(wide, mask(esize)) > 0) {
                s.fpsr |= SoftFloat.FPSR_QC;
                r = mask(esize);
            } else {
                r = wide;
            }
            result = withElement(result, e, esize, r);
        }
        writeNarrow(s, rd, result, q && !scalar, scalar ? esize : 64);
        return true;
    }

    /** Writes a 64-bit narrowed result: to the low half (upper cleared), or for the "2" forms to the upper half. */
    static void writeNarrow(FpSimdState s, int rd, long result, boolean upper, int datasize) {
        if (upper) {
            s.v[2 * rd + 1] = result;
        } else {
            IntegerLanes.writeVector(s, rd, result, 0, datasize);
        }
    }

    private static boolean shiftLeftLong(int size, boolean q, long n0, long n1, int rd, FpSimdState s) {
        int esize = 8 << size;
        long source = q ? n1 : n0;
        long r0 = 0;
        long r1 = 0;
        int elements = 64 / esize;
        for (int e = 0; e < elements; e++) {
            long r = element(source, 0, e, esize) << esize;
            if (e * 2 * esize < 64) {
                r0 = withElement(r0, e, 2 * esize, r);
            } else {
                r1 = withElement(r1, e, 2 * esize, r);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, 128);
        return true;
    }

    /** SADDLP/UADDLP, and with accumulate SADALP/UADALP. */
    private static boolean pairwiseAddLong(boolean u, boolean accumulate, int size, boolean q, long n0, long n1,
                                           int rd, FpSimdState s) {
        int esize = 8 << size;
        int datasize = q ? 128 : 64;
        int elements = datasize / (2 * esize);
        long d0 = s.v[2 * rd];
        long d1 = s.v[2 * rd + 1];
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            long a = element(n0, n1, 2 * e, esize);
            long b = element(n0, n1, 2 * e + 1, esize);
            long sum = u ? a + b : signExtend(a, esize) + signExtend(b, esize);
            if (accumulate) {
                sum += element(d0, d1, e, 2 * esize);
            }
            if (e * 2 * esize < 64) {
                r0 = withElement(r0, e, 2 * esize, sum);
            } else {
                r1 = withElement(r1, e, 2 * esize, sum);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, datasize);
        return true;
    }

    /** ADDV, SADDLV/UADDLV, SMAXV/UMAXV, SMINV/UMINV; floating-point reductions go to {@link FpVector}. */
    static boolean acrossLanes(int insn, FpSimdState s) {
        boolean u = (insn & (1 << 29)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        int size = (insn >>> 22) & 3;
        int opcode = (insn >>> 12) & 31;
        if (opcode == 0b01100 || opcode == 0b01111) {
            return FpVector.acrossLanes(insn, s);
        }
        boolean known = opcode == 0b00011 || opcode == 0b01010 || opcode == 0b11010 || (opcode == 0b11011 && !u);
        if (!known || size == 3 || (size == 2 && !q)) {
            return false;
        }
        int esize = 8 << size;
        int elements = (q ? 128 : 64) / esize;
        long n0 = s.v[2 * ((insn >>> 5) & 31)];
        long n1 = s.v[2 * ((insn >>> 5) & 31) + 1];
        long acc = u ? element(n0, n1, 0, esize) : signExtend(element(n0, n1, 0, esize), esize);
        for (int e = 1; e < elements; e++) {
            long x = u ? element(n0, n1, e, esize) : signExtend(element(n0, n1, e, esize), esize);
            acc = switch (opcode) {
                case 0b01010 -> Math.max(acc, x);
                case 0b11010 -> Math.min(acc, x);
                default -> acc + x;
            };
        }
        int resultBits = opcode == 0b00011 ? 2 * esize : esize;
        Vregs.writeScalar(s, insn & 31, acc, resultBits);
        return true;
    }
}
