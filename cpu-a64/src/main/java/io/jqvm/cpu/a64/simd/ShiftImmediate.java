package io.jqvm.cpu.a64.simd;

import static io.jqvm.cpu.a64.simd.Vregs.element;
import static io.jqvm.cpu.a64.simd.Vregs.mask;
import static io.jqvm.cpu.a64.simd.Vregs.signExtend;
import static io.jqvm.cpu.a64.simd.Vregs.withElement;

/** Advanced SIMD shift by immediate (vector and scalar); the fixed-point conversions go to {@link FpVector}. */
final class ShiftImmediate {
    private ShiftImmediate() {
    }

    static boolean execute(int insn, FpSimdState s, boolean scalar) {
        boolean u = (insn & (1 << 29)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        int immh = (insn >>> 19) & 15;
        int immhb = (insn >>> 16) & 127;
        int opcode = (insn >>> 11) & 31;
        if (immh == 0) {
            return false;
        }
        int size = 31 - Integer.numberOfLeadingZeros(immh);
        int esize = 8 << size;
        if (opcode == 0b11100 || opcode == 0b11111) {
            return size >= 2 && FpVector.fixedPointConversion(insn, s, scalar, esize, 2 * esize - immhb);
        }
        int rd = insn & 31;
        int rn = (insn >>> 5) & 31;
        long n0 = s.v[2 * rn];
        long n1 = s.v[2 * rn + 1];
        if (opcode >= 0b10000 && opcode <= 0b10011) {
            return size != 3 && narrow(u, opcode, esize, 2 * esize - immhb, q && !scalar, scalar, n0, n1, rd, s);
        }
        if (opcode == 0b10100) {
            return !scalar && size != 3 && shiftLeftLong(u, esize, immhb - esize, q, n0, n1, rd, s);
        }
        boolean known = switch (opcode) {
            case 0b00000, 0b00010, 0b00100, 0b00110, 0b01010, 0b01110 -> true;
            case 0b01000, 0b01100 -> u;
            default -> false;
        };
        boolean sizeAllowed = scalar ? size == 3 || opcode == 0b01110 || opcode == 0b01100 : size != 3 || q;
        if (!known || !sizeAllowed) {
            return false;
        }
        int rightShift = 2 * esize - immhb;
        int leftShift = immhb - esize;
        int datasize = scalar ? esize : q ? 128 : 64;
        int elements = datasize / esize;
        long d0 = s.v[2 * rd];
        long d1 = s.v[2 * rd + 1];
        long all = mask(esize);
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            long a = element(n0, n1, e, esize);
            long d = element(d0, d1, e, esize);
            long operand = u ? a : signExtend(a, esize);
            long r = switch (opcode) {
                case 0b00000 -> shiftRight(operand, rightShift, u);
                case 0b00010 -> d + shiftRight(operand, rightShift, u);
                case 0b00100 -> IntegerLanes.roundingShiftRight(operand, rightShift, u);
                case 0b00110 -> d + IntegerLanes.roundingShiftRight(operand, rightShift, u);
                case 0b01000 -> {
                    long inserted = IntegerLanes.logicalShiftRight(all, rightShift);
                    yield (d & ~inserted) | IntegerLanes.logicalShiftRight(a, rightShift);
                }
                case 0b01010 -> u ? (d & ~(all << leftShift)) | (a << leftShift) : a << leftShift;
                case 0b01100 -> IntegerLanes.saturatingShiftLeft(signExtend(a, esize), leftShift, esize, true, true, s);
                default -> IntegerLanes.saturatingShiftLeft(operand, leftShift, esize, !u, u, s);
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

    private static long shiftRight(long operand, int shift, boolean unsigned) {
        return unsigned ? IntegerLanes.logicalShiftRight(operand, shift) : IntegerLanes.arithmeticShiftRight(operand, shift);
    }

    /** SHRN, RSHRN, SQSHRN, UQSHRN, SQRSHRN, UQRSHRN, SQSHRUN, SQRSHRUN. */
    private static boolean narrow(boolean u, int opcode, int esize, int shift, boolean upper, boolean scalar,
                                  long n0, long n1, int rd, FpSimdState s) {
        boolean plain = !u && opcode <= 0b10001;
        if (scalar && plain) {
            return false;
        }
        boolean rounding = (opcode & 1) != 0;
        boolean signedSource = opcode <= 0b10001 ? u || plain : !u;
        int elements = scalar ? 1 : 64 / esize;
        long result = 0;
        for (int e = 0; e < elements; e++) {
            long wide = element(n0, n1, e, 2 * esize);
            long operand = signedSource ? signExtend(wide, 2 * esize) : wide;
            long shifted = rounding ? IntegerLanes.roundingShiftRight(operand, shift, !signedSource)
                    : shiftRight(operand, shift, !signedSource);
            long r;
            if (plain) {
                r = shifted;
            } else if (signedSource) {
                boolean toUnsigned = opcode <= 0b10001;
                r = toUnsigned ? IntegerLanes.saturateUnsigned(shifted, esize, s)
                        : IntegerLanes.saturateSigned(shifted, esize, s);
            } else if (Long.compareUnsigned(shifted, mask(esize)) > 0) {
                s.fpsr |= SoftFloat.FPSR_QC;
                r = mask(esize);
            } else {
                r = shifted;
            }
            result = withElement(result, e, esize, r);
        }
        TwoRegisterMisc.writeNarrow(s, rd, result, upper, scalar ? esize : 64);
        return true;
    }

    /** SSHLL/USHLL (and so SXTL/UXTL): widen the low or (Q) high half, shifting left. */
    private static boolean shiftLeftLong(boolean u, int esize, int shift, boolean q, long n0, long n1, int rd,
                                         FpSimdState s) {
        long source = q ? n1 : n0;
        int elements = 64 / esize;
        long r0 = 0;
        long r1 = 0;
        for (int e = 0; e < elements; e++) {
            long a = element(source, 0, e, esize);
            long r = (u ? a : signExtend(a, esize)) << shift;
            if (e * 2 * esize < 64) {
                r0 = withElement(r0, e, 2 * esize, r);
            } else {
                r1 = withElement(r1, e, 2 * esize, r);
            }
        }
        IntegerLanes.writeVector(s, rd, r0, r1, 128);
        return true;
    }
}
