package io.jqvm.cpu.a64.simd;

/** Element-wise integer helpers shared by the Advanced SIMD classes: saturation, shifts, polynomial products. */
final class IntegerLanes {
    private IntegerLanes() {
    }

    static long signedMax(int esize) {
        return esize == 64 ? Long.MAX_VALUE : (1L << (esize - 1)) - 1;
    }

    static long signedMin(int esize) {
        return esize == 64 ? Long.MIN_VALUE : -(1L << (esize - 1));
    }

    /** Clamps a signed value to esize bits (below 64), setting FPSR.QC when it saturates. */
    static long saturateSigned(long value, int esize, FpSimdState s) {
        long max = signedMax(esize);
        long min = signedMin(esize);
        if (value > max || value < min) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return value > max ? max : min;
        }
        return value;
    }

    /** Clamps a signed value to an unsigned esize-bit range (below 64), setting FPSR.QC when it saturates. */
    static long saturateUnsigned(long value, int esize, FpSimdState s) {
        long max = Vregs.mask(esize);
        if (value < 0 || value > max) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return value < 0 ? 0 : max;
        }
        return value;
    }

    static long signedAdd(long a, long b, int esize, FpSimdState s) {
        if (esize < 64) {
            return saturateSigned(a + b, esize, s);
        }
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    static long signedSubtract(long a, long b, int esize, FpSimdState s) {
        if (esize < 64) {
            return saturateSigned(a - b, esize, s);
        }
        long r = a - b;
        if (((a ^ b) & (a ^ r)) < 0) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    /** Operands are zero-extended esize-bit values. */
    static long unsignedAdd(long a, long b, int esize, FpSimdState s) {
        long r = a + b;
        boolean overflow = esize == 64 ? Long.compareUnsigned(r, a) < 0 : r > Vregs.mask(esize);
        if (overflow) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return Vregs.mask(esize);
        }
        return r;
    }

    static long unsignedSubtract(long a, long b, FpSimdState s) {
        if (Long.compareUnsigned(a, b) < 0) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return 0;
        }
        return a - b;
    }

    static long logicalShiftRight(long x, int n) {
        return n >= 64 ? 0 : x >>> n;
    }

    static long arithmeticShiftRight(long x, int n) {
        return x >> Math.min(n, 63);
    }

    /** Right shift by n &ge; 1 rounding to nearest with ties up, as SRSHR/URSHR do, without intermediate overflow. */
    static long roundingShiftRight(long x, int n, boolean unsigned) {
        if (unsigned) {
            return logicalShiftRight(x, n) + (logicalShiftRight(x, n - 1) & 1);
        }
        return arithmeticShiftRight(x, n) + (arithmeticShiftRight(x, n - 1) & 1);
    }

    /**
     * SSHL/USHL/SRSHL/URSHL: shift by the signed low byte of {@code shiftOperand}; negative shifts go right.
     * {@code value} is sign- or zero-extended to 64 bits per {@code unsigned}.
     */
    static long shiftByRegister(long value, long shiftOperand, int esize, boolean unsigned, boolean rounding) {
        int shift = (byte) shiftOperand;
        if (shift >= 0) {
            return shift >= esize ? 0 : value << shift;
        }
        if (rounding) {
            return roundingShiftRight(value, -shift, unsigned);
        }
        return unsigned ? logicalShiftRight(value, -shift) : arithmeticShiftRight(value, -shift);
    }

    /** Carry-less product of two 8-bit polynomials (16-bit result). */
    static long polynomialMultiply8(long a, long b) {
        long result = 0;
        for (int i = 0; i < 8; i++) {
            if ((b & (1L << i)) != 0) {
                result ^= a << i;
            }
        }
        return result;
    }

    static int countLeadingSignBits(long value, int esize) {
        long signed = Vregs.signExtend(value, esize);
        long differing = signed ^ (signed >> 63);
        return Long.numberOfLeadingZeros(differing) - (64 - esize) - 1;
    }

    static int countLeadingZeros(long value, int esize) {
        return Long.numberOfLeadingZeros(value) - (64 - esize);
    }

    static void writeVector(FpSimdState s, int rd, long lo, long hi, int datasize) {
        s.v[2 * rd] = datasize >= 64 ? lo : lo & Vregs.mask(datasize);
        s.v[2 * rd + 1] = datasize == 128 ? hi : 0;
    }

    /**
     * Saturating left shift (SQSHL, UQSHL, SQSHLU): {@code value} is signed unless {@code signedSource} is false;
     * the result saturates to a signed or (with {@code unsignedResult}) unsigned esize-bit range.
     */
    static long saturatingShiftLeft(long value, int shift, int esize, boolean signedSource, boolean unsignedResult,
                                    FpSimdState s) {
        boolean negative = signedSource && value < 0;
        long max = unsignedResult ? Vregs.mask(esize) : signedMax(esize);
        long min = unsignedResult ? 0 : signedMin(esize);
        if (unsignedResult && negative) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return 0;
        }
        if (value == 0) {
            return 0;
        }
        if (shift >= esize) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return negative ? min : max;
        }
        long shifted = value << shift;
        boolean lost = negative || !unsignedResult ? (shifted >> shift) != value : (shifted >>> shift) != value;
        boolean outOfRange = unsignedResult ? esize < 64 && Long.compareUnsigned(shifted, max) > 0
                : shifted > max || shifted < min;
        if (lost || outOfRange) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return negative ? min : max;
        }
        return shifted;
    }

    /** SQDMULH/SQRDMULH on signed 16- or 32-bit elements: the high half of 2*a*b, optionally rounded. */
    static long doublingMultiplyHigh(long a, long b, int esize, boolean round, FpSimdState s) {
        long product = a * b;
        long high = (product + (round ? 1L << (esize - 2) : 0)) >> (esize - 1);
        return saturateSigned(high, esize, s);
    }

    /** SQDMULL: 2*a*b of signed esize-bit elements, saturated to 2*esize bits. */
    static long doublingMultiplyLong(long a, long b, int esize, FpSimdState s) {
        long product = a * b;
        if (esize == 32) {
            if (product == 1L << 62) {
                s.fpsr |= SoftFloat.FPSR_QC;
                return Long.MAX_VALUE;
            }
            return 2 * product;
        }
        return saturateSigned(2 * product, 2 * esize, s);
    }

    /** SUQADD: a signed accumulator plus an unsigned operand (both esize bits), saturated signed. */
    static long signedPlusUnsigned(long accumulator, long unsignedValue, int esize, FpSimdState s) {
        if (esize < 64) {
            return saturateSigned(accumulator + unsignedValue, esize, s);
        }
        long r = accumulator + unsignedValue;
        boolean overflow = unsignedValue < 0 ? accumulator >= 0 || r < 0 : accumulator >= 0 && r < 0;
        if (overflow) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return Long.MAX_VALUE;
        }
        return r;
    }

    /** USQADD: an unsigned accumulator plus a signed operand, saturated unsigned. */
    static long unsignedPlusSigned(long accumulator, long signedValue, int esize, FpSimdState s) {
        if (esize < 64) {
            return saturateUnsigned(accumulator + signedValue, esize, s);
        }
        long r = accumulator + signedValue;
        if (signedValue >= 0 ? Long.compareUnsigned(r, accumulator) < 0
                : Long.compareUnsigned(accumulator, -signedValue) < 0) {
            s.fpsr |= SoftFloat.FPSR_QC;
            return signedValue >= 0 ? -1L : 0;
        }
        return r;
    }
}
