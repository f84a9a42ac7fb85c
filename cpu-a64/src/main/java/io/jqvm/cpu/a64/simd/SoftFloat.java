package io.jqvm.cpu.a64.simd;

/**
 * IEEE 754 binary16/32/64 arithmetic with the Arm semantics (the FPUnpack, FPProcessNaNs, FPRound, FPToFixed,
 * FPRoundInt and FPConvert pseudocode): every rounding mode, FZ, DN, AHP, and the cumulative FPSR flags.
 * Operands and results are raw bit patterns in the low {@code size} bits of a long. Exact intermediate values are
 * carried as an integer significand scaled by a power of two (with a "jam" bit standing for any discarded
 * non-zero bits), so nothing allocates. Only conversions use binary16: this is an ARMv8.0 CPU without FEAT_FP16.
 */
final class SoftFloat {
    static final int FPCR_AHP = 1 << 26;
    static final int FPCR_DN = 1 << 25;
    static final int FPCR_FZ = 1 << 24;

    static final int FPSR_IOC = 1;
    static final int FPSR_DZC = 1 << 1;
    static final int FPSR_OFC = 1 << 2;
    static final int FPSR_UFC = 1 << 3;
    static final int FPSR_IXC = 1 << 4;
    static final int FPSR_IDC = 1 << 7;
    static final int FPSR_QC = 1 << 27;

    /** Rounding modes: the first four in FPCR.RMode order, then ties-away (FCVTA*, FRINTA). */
    static final int ROUND_NEAREST = 0;
    static final int ROUND_PLUS_INF = 1;
    static final int ROUND_MINUS_INF = 2;
    static final int ROUND_ZERO = 3;
    static final int ROUND_TIES_AWAY = 4;
    /** Von Neumann rounding (FCVTXN): truncate, then set the lowest bit if inexact. */
    static final int ROUND_ODD = 5;

    static final int NZCV_UNORDERED = 0b0011;

    private SoftFloat() {
    }

    static int fpcrRounding(int fpcr) {
        return (fpcr >>> 22) & 3;
    }

    static int fracBits(int size) {
        return size == 64 ? 52 : size == 32 ? 23 : 10;
    }

    static int expBits(int size) {
        return size == 64 ? 11 : size == 32 ? 8 : 5;
    }

    static long signBit(int size) {
        return 1L << (size - 1);
    }

    static long expMask(int size) {
        return ((1L << expBits(size)) - 1) << fracBits(size);
    }

    static long fracMask(int size) {
        return (1L << fracBits(size)) - 1;
    }

    static long quietBit(int size) {
        return 1L << (fracBits(size) - 1);
    }

    static boolean isNaN(long x, int size) {
        long em = expMask(size);
        return (x & em) == em && (x & fracMask(size)) != 0;
    }

    static boolean isSignalingNaN(long x, int size) {
        return isNaN(x, size) && (x & quietBit(size)) == 0;
    }

    static boolean isInfinite(long x, int size) {
        return (x & (signBit(size) - 1)) == expMask(size);
    }

    static boolean isZero(long x, int size) {
        return (x & (signBit(size) - 1)) == 0;
    }

    static boolean isNegative(long x, int size) {
        return (x & signBit(size)) != 0;
    }

    static long defaultNaN(int size) {
        return expMask(size) | quietBit(size);
    }

    static long infinity(boolean negative, int size) {
        return (negative ? signBit(size) : 0) | expMask(size);
    }

    static long zero(boolean negative, int size) {
        return negative ? signBit(size) : 0;
    }

    /** The integer significand of a finite value (implicit bit included). */
    static long significand(long x, int size) {
        long f = x & fracMask(size);
        return (x & expMask(size)) == 0 ? f : f | (1L << fracBits(size));
    }

    /** The power of two that scales {@link #significand} to the value. */
    static int scale(long x, int size) {
        int biased = (int) ((x & expMask(size)) >>> fracBits(size));
        return Math.max(biased, 1) - ((1 << (expBits(size) - 1)) - 1) - fracBits(size);
    }

    /** FPUnpack's flush-to-zero of denormal inputs (FPCR.FZ; half precision has its own FZ16, not implemented). */
    static long flushInput(long x, int size, FpSimdState s) {
        if (size != 16 && (s.fpcr & FPCR_FZ) != 0 && (x & expMask(size)) == 0 && (x & fracMask(size)) != 0) {
            s.fpsr |= FPSR_IDC;
            return x & signBit(size);
        }
        return x;
    }

    static long processNaN(long x, int size, FpSimdState s) {
        if (isSignalingNaN(x, size)) {
            s.fpsr |= FPSR_IOC;
            x |= quietBit(size);
        }
        return (s.fpcr & FPCR_DN) != 0 ? defaultNaN(size) : x;
    }

    /** FPProcessNaNs; call only when at least one operand is a NaN. */
    static long processNaNs(long a, long b, int size, FpSimdState s) {
        if (isSignalingNaN(a, size)) {
            return processNaN(a, size, s);
        }
        if (isSignalingNaN(b, size)) {
            return processNaN(b, size, s);
        }
        return processNaN(isNaN(a, size) ? a : b, size, s);
    }

    private static long invalid(int size, FpSimdState s) {
        s.fpsr |= FPSR_IOC;
        return defaultNaN(size);
    }

    /**
     * FPRound: rounds {@code mant * 2^exp} (mant &gt; 0, below 2^63; its lowest bit may be a jam bit standing for
     * discarded non-zero bits, as long as at least two bits below the target precision are kept).
     */
    static long round(boolean negative, long mant, int exp, int size, int fpcr, int rounding, FpSimdState s) {
        int lz = Long.numberOfLeadingZeros(mant);
        mant <<= lz - 1;
        exp -= lz - 1;
        int unbiased = exp + 62;
        int fracBits = fracBits(size);
        int expBits = expBits(size);
        int minExp = 2 - (1 << (expBits - 1));
        long sign = negative ? signBit(size) : 0;
        if (size != 16 && (fpcr & FPCR_FZ) != 0 && unbiased < minExp) {
            s.fpsr |= FPSR_UFC;
            return sign;
        }
        int biased = Math.max(unbiased - minExp + 1, 0);
        int shift = 62 - fracBits + (biased == 0 ? minExp - unbiased : 0);
        long intMant;
        int versusHalf;
        boolean inexact;
        if (shift > 63) {
            intMant = 0;
            versusHalf = -1;
            inexact = true;
        } else {
            intMant = mant >>> shift;
            long rem = mant & ((1L << shift) - 1);
            long half = 1L << (shift - 1);
            versusHalf = Long.compare(rem, half);
            inexact = rem != 0;
        }
        if (biased == 0 && inexact) {
            s.fpsr |= FPSR_UFC;
        }
        boolean roundUp;
        boolean overflowToInfinity;
        switch (rounding) {
            case ROUND_NEAREST -> {
                roundUp = versusHalf > 0 || (versusHalf == 0 && (intMant & 1) != 0);
                overflowToInfinity = true;
            }
            case ROUND_PLUS_INF -> {
                roundUp = inexact && !negative;
                overflowToInfinity = !negative;
            }
            case ROUND_MINUS_INF -> {
                roundUp = inexact && negative;
                overflowToInfinity = negative;
            }
            case ROUND_ZERO -> {
                roundUp = false;
                overflowToInfinity = false;
            }
            case ROUND_ODD -> {
                roundUp = false;
                overflowToInfinity = false;
                intMant |= inexact ? 1 : 0;
            }
            default -> {
                roundUp = versusHalf >= 0;
                overflowToInfinity = true;
            }
        }
        if (roundUp) {
            intMant++;
            if (intMant == 1L << fracBits) {
                biased = 1;
            }
            if (intMant == 1L << (fracBits + 1)) {
                biased++;
                intMant >>>= 1;
            }
        }
        long result;
        boolean alternativeHalf = size == 16 && (fpcr & FPCR_AHP) != 0;
        if (!alternativeHalf && biased >= (1 << expBits) - 1) {
            s.fpsr |= FPSR_OFC;
            inexact = true;
            result = overflowToInfinity ? sign | expMask(size) : sign | (expMask(size) - (1L << fracBits)) | fracMask(size);
        } else if (alternativeHalf && biased >= 1 << expBits) {
            s.fpsr |= FPSR_IOC;
            inexact = false;
            result = sign | 0x7fff;
        } else {
            result = sign | (long) biased << fracBits | (intMant & fracMask(size));
        }
        if (inexact) {
            s.fpsr |= FPSR_IXC;
        }
        return result;
    }

    /** Shifts right by {@code n} (&ge; 0), OR-ing any bits shifted out into bit 0. */
    static long shiftRightJam(long m, int n) {
        if (n == 0) {
            return m;
        }
        if (n >= 63) {
            return m != 0 ? 1 : 0;
        }
        return (m >>> n) | ((m & ((1L << n) - 1)) != 0 ? 1 : 0);
    }

    /** The low 64 bits of the 128-bit {@code hi:lo} shifted right by {@code n} (0..127), with jamming. */
    private static long shiftRight128JamLow(long hi, long lo, int n) {
        if (n == 0) {
            return lo;
        }
        if (n < 64) {
            return (lo >>> n) | (hi << (64 - n)) | ((lo << (64 - n)) != 0 ? 1 : 0);
        }
        long dropped = n == 64 ? 0 : hi << (128 - n);
        return (hi >>> (n - 64)) | (lo != 0 || dropped != 0 ? 1 : 0);
    }

    private static long shiftRight128JamHigh(long hi, int n) {
        return n == 0 ? hi : n < 64 ? hi >>> n : 0;
    }

    private static int bitLength128(long hi, long lo) {
        return hi != 0 ? 128 - Long.numberOfLeadingZeros(hi) : 64 - Long.numberOfLeadingZeros(lo);
    }

    /** A zero result that is exact: its sign depends only on the rounding mode. */
    private static long exactZero(int size, int fpcr) {
        return fpcrRounding(fpcr) == ROUND_MINUS_INF ? signBit(size) : 0;
    }

    static long add(long a, long b, int size, boolean subtract, FpSimdState s) {
        if (FastFloat.applies(s.fpcr)) {
            long fast = FastFloat.add(a, b, size, subtract, s);
            if (fast != FastFloat.UNHANDLED) {
                return fast;
            }
        }
        return addSoft(a, b, size, subtract, s);
    }

    static long addSoft(long a, long b, int size, boolean subtract, FpSimdState s) {
        a = flushInput(a, size, s);
        b = flushInput(b, size, s);
        if (isNaN(a, size) || isNaN(b, size)) {
            return processNaNs(a, b, size, s);
        }
        if (subtract) {
            b ^= signBit(size);
        }
        boolean negA = isNegative(a, size);
        boolean negB = isNegative(b, size);
        boolean infA = isInfinite(a, size);
        boolean infB = isInfinite(b, size);
        if (infA && infB && negA != negB) {
            return invalid(size, s);
        }
        if (infA) {
            return a;
        }
        if (infB) {
            return b;
        }
        boolean zeroA = isZero(a, size);
        boolean zeroB = isZero(b, size);
        if (zeroA && zeroB) {
            return negA == negB ? a : exactZero(size, s.fpcr);
        }
        if (zeroA) {
            return b;
        }
        if (zeroB) {
            return a;
        }
        long ma = significand(a, size);
        long mb = significand(b, size);
        int shiftA = Long.numberOfLeadingZeros(ma) - 2;
        int shiftB = Long.numberOfLeadingZeros(mb) - 2;
        ma <<= shiftA;
        mb <<= shiftB;
        int ea = scale(a, size) - shiftA;
        int eb = scale(b, size) - shiftB;
        int exp = Math.max(ea, eb);
        ma = shiftRightJam(ma, exp - ea);
        mb = shiftRightJam(mb, exp - eb);
        long mant;
        boolean negative = negA;
        if (negA == negB) {
            mant = ma + mb;
        } else {
            mant = ma - mb;
            if (mant == 0) {
                return exactZero(size, s.fpcr);
            }
            if (mant < 0) {
                mant = -mant;
                negative = negB;
            }
        }
        return round(negative, mant, exp, size, s.fpcr, fpcrRounding(s.fpcr), s);
    }

    static long mul(long a, long b, int size, FpSimdState s) {
        if (FastFloat.applies(s.fpcr)) {
            long fast = FastFloat.mul(a, b, size, s);
            if (fast != FastFloat.UNHANDLED) {
                return fast;
            }
        }
        return mulSoft(a, b, size, s);
    }

    static long mulSoft(long a, long b, int size, FpSimdState s) {
        a = flushInput(a, size, s);
        b = flushInput(b, size, s);
        if (isNaN(a, size) || isNaN(b, size)) {
            return processNaNs(a, b, size, s);
        }
        boolean negative = isNegative(a, size) != isNegative(b, size);
        boolean infA = isInfinite(a, size);
        boolean infB = isInfinite(b, size);
        boolean zeroA = isZero(a, size);
        boolean zeroB = isZero(b, size);
        if ((infA && zeroB) || (zeroA && infB)) {
            return invalid(size, s);
        }
        if (infA || infB) {
            return infinity(negative, size);
        }
        if (zeroA || zeroB) {
            return zero(negative, size);
        }
        long ma = significand(a, size);
        long mb = significand(b, size);
        long lo = ma * mb;
        long hi = Math.multiplyHigh(ma, mb);
        int shift = Math.max(bitLength128(hi, lo) - 63, 0);
        long mant = shiftRight128JamLow(hi, lo, shift);
        return round(negative, mant, scale(a, size) + scale(b, size) + shift, size, s.fpcr, fpcrRounding(s.fpcr), s);
    }

    static long div(long a, long b, int size, FpSimdState s) {
        if (FastFloat.applies(s.fpcr)) {
            long fast = FastFloat.div(a, b, size, s);
            if (fast != FastFloat.UNHANDLED) {
                return fast;
            }
        }
        return divSoft(a, b, size, s);
    }

    static long divSoft(long a, long b, int size, FpSimdState s) {
        a = flushInput(a, size, s);
        b = flushInput(b, size, s);
        if (isNaN(a, size) || isNaN(b, size)) {
            return processNaNs(a, b, size, s);
        }
        boolean negative = isNegative(a, size) != isNegative(b, size);
        boolean infA = isInfinite(a, size);
        boolean infB = isInfinite(b, size);
        boolean zeroA = isZero(a, size);
        boolean zeroB = isZero(b, size);
        if ((infA && infB) || (zeroA && zeroB)) {
            return invalid(size, s);
        }
        if (infA || zeroB) {
            if (!infA) {
                s.fpsr |= FPSR_DZC;
            }
            return infinity(negative, size);
        }
        if (zeroA || infB) {
            return zero(negative, size);
        }
        long ma = significand(a, size);
        long mb = significand(b, size);
        int shiftA = Long.numberOfLeadingZeros(ma) - 2;
        int shiftB = Long.numberOfLeadingZeros(mb) - 2;
        ma <<= shiftA;
        mb <<= shiftB;
        // Restoring division: 62 quotient bits of ma/mb, whose ratio lies in (1/2, 2).
        long quotient = 0;
        long rem = ma;
        for (int i = 0; i < 62; i++) {
            quotient <<= 1;
            if (rem >= mb) {
                rem -= mb;
                quotient |= 1;
            }
            rem <<= 1;
        }
        quotient |= rem != 0 ? 1 : 0;
        int exp = (scale(a, size) - shiftA) - (scale(b, size) - shiftB) - 61;
        return round(negative, quotient, exp, size, s.fpcr, fpcrRounding(s.fpcr), s);
    }

    static long sqrt(long a, int size, FpSimdState s) {
        if (FastFloat.applies(s.fpcr)) {
            long fast = FastFloat.sqrt(a, size, s);
            if (fast != FastFloat.UNHANDLED) {
                return fast;
            }
        }
        return sqrtSoft(a, size, s);
    }

    static long sqrtSoft(long a, int size, FpSimdState s) {
        a = flushInput(a, size, s);
        if (isNaN(a, size)) {
            return processNaN(a, size, s);
        }
        if (isZero(a, size)) {
            return a;
        }
        if (isNegative(a, size)) {
            return invalid(size, s);
        }
        if (isInfinite(a, size)) {
            return a;
        }
        long m = significand(a, size);
        int e = scale(a, size);
        if ((e & 1) != 0) {
            m <<= 1;
            e--;
        }
        // Scale the radicand into [1, 4): the double square root is then correctly rounded and the fused residual
        // r*r - x is exact, telling on which side of r the true root lies (it is never exactly halfway).
        int evenBits = (63 - Long.numberOfLeadingZeros(m)) & ~1;
        double x = Math.scalb((double) m, -evenBits);
        double r = Math.sqrt(x);
        double residual = Math.fma(r, r, -x);
        long rBits = Double.doubleToRawLongBits(r);
        long mant = ((rBits & fracMask(64)) | (1L << 52)) << 2;
        if (residual > 0) {
            mant--;
        } else if (residual < 0) {
            mant++;
        }
        int exp = (int) (rBits >>> 52) - 1023 - 52 - 2 + (evenBits + e) / 2;
        return round(false, mant, exp, size, s.fpcr, fpcrRounding(s.fpcr), s);
    }

    /** FPMulAdd: addend + a * b with a single rounding. */
    static long mulAdd(long addend, long a, long b, int size, FpSimdState s) {
        if (FastFloat.applies(s.fpcr)) {
            long fast = FastFloat.mulAdd(addend, a, b, size, s);
            if (fast != FastFloat.UNHANDLED) {
                return fast;
            }
        }
        return mulAdd(addend, a, b, size, 0, s);
    }

    static long mulAddSoft(long addend, long a, long b, int size, FpSimdState s) {
        return mulAdd(addend, a, b, size, 0, s);
    }

    /** FPMulAdd scaled by 2^exponentAdjust before its single rounding. */
    private static long mulAdd(long addend, long a, long b, int size, int exponentAdjust, FpSimdState s) {
        addend = flushInput(addend, size, s);
        a = flushInput(a, size, s);
        b = flushInput(b, size, s);
        boolean infA = isInfinite(a, size);
        boolean infB = isInfinite(b, size);
        boolean zeroA = isZero(a, size);
        boolean zeroB = isZero(b, size);
        boolean invalidProduct = (infA && zeroB) || (zeroA && infB);
        if (isNaN(addend, size) || isNaN(a, size) || isNaN(b, size)) {
            long result;
            if (isSignalingNaN(addend, size)) {
                result = processNaN(addend, size, s);
            } else if (isSignalingNaN(a, size)) {
                result = processNaN(a, size, s);
            } else if (isSignalingNaN(b, size)) {
                result = processNaN(b, size, s);
            } else if (isNaN(addend, size)) {
                result = processNaN(addend, size, s);
            } else {
                result = processNaN(isNaN(a, size) ? a : b, size, s);
            }
            if (isNaN(addend, size) && !isSignalingNaN(addend, size) && invalidProduct) {
                result = invalid(size, s);
            }
            return result;
        }
        boolean negC = isNegative(addend, size);
        boolean negP = isNegative(a, size) != isNegative(b, size);
        boolean infC = isInfinite(addend, size);
        boolean infP = infA || infB;
        boolean zeroC = isZero(addend, size);
        boolean zeroP = zeroA || zeroB;
        if (invalidProduct || (infC && infP && negC != negP)) {
            return invalid(size, s);
        }
        if (infC) {
            return addend;
        }
        if (infP) {
            return infinity(negP, size);
        }
        if (zeroC && zeroP) {
            return negC == negP ? addend : exactZero(size, s.fpcr);
        }
        if (zeroP) {
            return addend;
        }
        // The exact product as a 128-bit integer normalised to bit 125, leaving room for the addend's carry.
        long ma = significand(a, size);
        long mb = significand(b, size);
        long pLo = ma * mb;
        long pHi = Math.multiplyHigh(ma, mb);
        int pShift = 126 - bitLength128(pHi, pLo);
        pHi = pShift >= 64 ? pLo << (pShift - 64) : (pHi << pShift) | (pShift == 0 ? 0 : pLo >>> (64 - pShift));
        pLo = pShift >= 64 ? 0 : pLo << pShift;
        int pExp = scale(a, size) + scale(b, size) - pShift;
        long hi;
        long lo;
        int exp;
        boolean negative;
        if (zeroC) {
            hi = pHi;
            lo = pLo;
            exp = pExp;
            negative = negP;
        } else {
            long mc = significand(addend, size);
            int cShift = 126 - (64 - Long.numberOfLeadingZeros(mc));
            long cHi = cShift >= 64 ? mc << (cShift - 64) : mc >>> (64 - cShift);
            long cLo = cShift >= 64 ? 0 : mc << cShift;
            int cExp = scale(addend, size) - cShift;
            exp = Math.max(pExp, cExp);
            int pAlign = Math.min(exp - pExp, 127);
            int cAlign = Math.min(exp - cExp, 127);
            long pl = shiftRight128JamLow(pHi, pLo, pAlign);
            long ph = shiftRight128JamHigh(pHi, pAlign);
            long cl = shiftRight128JamLow(cHi, cLo, cAlign);
            long ch = shiftRight128JamHigh(cHi, cAlign);
            if (negP == negC) {
                lo = pl + cl;
                hi = ph + ch + (Long.compareUnsigned(lo, pl) < 0 ? 1 : 0);
                negative = negP;
            } else {
                boolean productLarger = ph != ch ? Long.compareUnsigned(ph, ch) > 0 : Long.compareUnsigned(pl, cl) >= 0;
                long xh = productLarger ? ph : ch;
                long xl = productLarger ? pl : cl;
                long yh = productLarger ? ch : ph;
                long yl = productLarger ? cl : pl;
                lo = xl - yl;
                hi = xh - yh - (Long.compareUnsigned(xl, yl) < 0 ? 1 : 0);
                negative = productLarger ? negP : negC;
                if (hi == 0 && lo == 0) {
                    return exactZero(size, s.fpcr);
                }
            }
        }
        int shift = Math.max(bitLength128(hi, lo) - 63, 0);
        long mant = shiftRight128JamLow(hi, lo, shift);
        return round(negative, mant, exp + shift + exponentAdjust, size, s.fpcr, fpcrRounding(s.fpcr), s);
    }

    /**
     * FRECPS (2 - a*b) and FRSQRTS ((3 - a*b) / 2), fused: FPRecipStepFused and FPRSqrtStepFused. Infinity times
     * zero gives exactly 2 or 1.5 without signalling.
     */
    static long reciprocalStep(long a, long b, int size, boolean squareRoot, FpSimdState s) {
        a = flushInput(a ^ signBit(size), size, s);
        b = flushInput(b, size, s);
        if (isNaN(a, size) || isNaN(b, size)) {
            return processNaNs(a, b, size, s);
        }
        boolean infA = isInfinite(a, size);
        boolean infB = isInfinite(b, size);
        boolean zeroA = isZero(a, size);
        boolean zeroB = isZero(b, size);
        long onePointFive = expandImmediate(0x78, size);
        long two = expandImmediate(0x00, size);
        if ((infA && zeroB) || (zeroA && infB)) {
            return squareRoot ? onePointFive : two;
        }
        if (infA || infB) {
            return infinity(isNegative(a, size) != isNegative(b, size), size);
        }
        if (zeroA || zeroB) {
            return squareRoot ? onePointFive : two;
        }
        long three = expandImmediate(0x08, size);
        return squareRoot ? mulAdd(three, a, b, size, -1, s) : mulAdd(two, a, b, size, 0, s);
    }

    /** Orders non-NaN values: negative, zero or positive as a is below, equal to or above b (+0 equals -0). */
    static int compareValues(long a, long b, int size) {
        return Long.compare(orderKey(a, size), orderKey(b, size));
    }

    private static long orderKey(long x, int size) {
        long magnitude = x & (signBit(size) - 1);
        return isNegative(x, size) ? -magnitude : magnitude;
    }

    /** FPMax/FPMin, and with {@code numeric} FPMaxNum/FPMinNum (a lone quiet NaN loses). */
    static long maxMin(long a, long b, int size, boolean max, boolean numeric, FpSimdState s) {
        if (numeric) {
            boolean quietA = isNaN(a, size) && !isSignalingNaN(a, size);
            boolean quietB = isNaN(b, size) && !isSignalingNaN(b, size);
            if (quietA && !quietB) {
                a = infinity(max, size);
            } else if (quietB && !quietA) {
                b = infinity(max, size);
            }
        }
        a = flushInput(a, size, s);
        b = flushInput(b, size, s);
        if (isNaN(a, size) || isNaN(b, size)) {
            return processNaNs(a, b, size, s);
        }
        if (isZero(a, size) && isZero(b, size)) {
            boolean negA = isNegative(a, size);
            boolean negB = isNegative(b, size);
            return zero(max ? negA && negB : negA || negB, size);
        }
        int cmp = compareValues(a, b, size);
        return (max ? cmp > 0 : cmp < 0) ? a : b;
    }

    /** FPCompare, returning NZCV. {@code signalAll} is FCMPE: any NaN is an Invalid Operation. */
    static int compare(long a, long b, int size, boolean signalAll, FpSimdState s) {
        a = flushInput(a, size, s);
        b = flushInput(b, size, s);
        if (isNaN(a, size) || isNaN(b, size)) {
            if (signalAll || isSignalingNaN(a, size) || isSignalingNaN(b, size)) {
                s.fpsr |= FPSR_IOC;
            }
            return NZCV_UNORDERED;
        }
        int cmp = compareValues(a, b, size);
        return cmp == 0 ? 0b0110 : cmp < 0 ? 0b1000 : 0b0010;
    }

    /** FPConvert between precisions, rounding with {@code rounding}. */
    static long convert(long x, int from, int to, int rounding, FpSimdState s) {
        int fpcr = s.fpcr;
        boolean alternativeIn = from == 16 && (fpcr & FPCR_AHP) != 0;
        boolean alternativeOut = to == 16 && (fpcr & FPCR_AHP) != 0;
        x = flushInput(x, from, s);
        boolean negative = isNegative(x, from);
        if (!alternativeIn && isNaN(x, from)) {
            long result;
            if (alternativeOut) {
                result = zero(negative, to);
            } else if ((fpcr & FPCR_DN) != 0) {
                result = defaultNaN(to);
            } else {
                long frac = x & fracMask(from);
                int delta = fracBits(to) - fracBits(from);
                frac = delta >= 0 ? frac << delta : frac >>> -delta;
                result = (negative ? signBit(to) : 0) | expMask(to) | quietBit(to) | frac;
            }
            if (isSignalingNaN(x, from) || alternativeOut) {
                s.fpsr |= FPSR_IOC;
            }
            return result;
        }
        if (!alternativeIn && isInfinite(x, from)) {
            if (alternativeOut) {
                s.fpsr |= FPSR_IOC;
                return (negative ? signBit(to) : 0) | 0x7fff;
            }
            return infinity(negative, to);
        }
        if (isZero(x, from)) {
            return zero(negative, to);
        }
        return round(negative, significand(x, from), scale(x, from), to, fpcr, rounding, s);
    }

    /**
     * FPToFixed: x * 2^fbits rounded to a signed or unsigned integer of {@code intBits} (32 or 64), saturating with
     * Invalid Operation. The result is sign-extended (signed) or zero-extended (unsigned) to 64 bits.
     */
    static long toFixed(long x, int size, int fbits, boolean unsigned, int intBits, int rounding, FpSimdState s) {
        x = flushInput(x, size, s);
        if (isNaN(x, size)) {
            s.fpsr |= FPSR_IOC;
            return 0;
        }
        boolean negative = isNegative(x, size);
        long max = unsigned ? (intBits == 64 ? -1L : 0xffffffffL) : (1L << (intBits - 1)) - 1;
        long min = unsigned ? 0 : -(1L << (intBits - 1));
        if (isInfinite(x, size)) {
            s.fpsr |= FPSR_IOC;
            return negative ? min : max;
        }
        if (isZero(x, size)) {
            return 0;
        }
        long m = significand(x, size);
        int exp = scale(x, size) + fbits;
        long magnitude;
        int versusHalf = -1;
        boolean inexact = false;
        if (exp >= 0) {
            if (64 - Long.numberOfLeadingZeros(m) + exp > 64) {
                s.fpsr |= FPSR_IOC;
                return negative ? min : max;
            }
            magnitude = m << exp;
        } else if (-exp > 62) {
            magnitude = 0;
            inexact = true;
        } else {
            int shift = -exp;
            magnitude = m >>> shift;
            long rem = m & ((1L << shift) - 1);
            versusHalf = Long.compare(rem, 1L << (shift - 1));
            inexact = rem != 0;
        }
        if (roundsUp(rounding, negative, inexact, versusHalf, magnitude)) {
            magnitude++;
        }
        boolean overflow;
        long result;
        if (negative) {
            overflow = magnitude != 0 && (unsigned || Long.compareUnsigned(magnitude, 1L << (intBits - 1)) > 0);
            result = overflow ? min : -magnitude;
        } else {
            overflow = Long.compareUnsigned(magnitude, max) > 0;
            result = overflow ? max : magnitude;
        }
        if (overflow) {
            s.fpsr |= FPSR_IOC;
        } else if (inexact) {
            s.fpsr |= FPSR_IXC;
        }
        return result;
    }

    /** Whether rounding a magnitude (given the discarded fraction versus one half) moves it away from zero. */
    private static boolean roundsUp(int rounding, boolean negative, boolean inexact, int versusHalf, long magnitude) {
        return switch (rounding) {
            case ROUND_NEAREST -> versusHalf > 0 || (versusHalf == 0 && (magnitude & 1) != 0);
            case ROUND_PLUS_INF -> inexact && !negative;
            case ROUND_MINUS_INF -> inexact && negative;
            case ROUND_ZERO -> false;
            default -> versusHalf >= 0;
        };
    }

    /** FixedToFP: the integer (sign- or zero-extended already to 64 bits) divided by 2^fbits, rounded. */
    static long fromFixed(long value, boolean unsigned, int fbits, int size, int rounding, FpSimdState s) {
        if (value == 0) {
            return 0;
        }
        boolean negative = !unsigned && value < 0;
        long magnitude = negative ? -value : value;
        int exp = -fbits;
        if (magnitude < 0) {
            magnitude = (magnitude >>> 1) | (magnitude & 1);
            exp++;
        }
        return round(negative, magnitude, exp, size, s.fpcr, rounding, s);
    }

    /** FPRoundInt; {@code exact} (FRINTX) signals Inexact. */
    static long roundToIntegral(long x, int size, int rounding, boolean exact, FpSimdState s) {
        x = flushInput(x, size, s);
        if (isNaN(x, size)) {
            return processNaN(x, size, s);
        }
        if (isInfinite(x, size) || isZero(x, size)) {
            return x;
        }
        int exp = scale(x, size);
        if (exp >= 0) {
            return x;
        }
        boolean negative = isNegative(x, size);
        long m = significand(x, size);
        long magnitude;
        int versusHalf;
        boolean inexact;
        if (-exp > 62) {
            magnitude = 0;
            versusHalf = -1;
            inexact = true;
        } else {
            magnitude = m >>> -exp;
            long rem = m & ((1L << -exp) - 1);
            versusHalf = Long.compare(rem, 1L << (-exp - 1));
            inexact = rem != 0;
        }
        if (roundsUp(rounding, negative, inexact, versusHalf, magnitude)) {
            magnitude++;
        }
        if (exact && inexact) {
            s.fpsr |= FPSR_IXC;
        }
        return magnitude == 0 ? zero(negative, size) : round(negative, magnitude, 0, size, s.fpcr, ROUND_ZERO, s);
    }

    /** FRINT{N,P,M,Z,A,X,I} selected as by bits 2..0 of the scalar opcode (N P M Z A - X I). */
    static long roundToIntegralVariant(long x, int size, int variant, FpSimdState s) {
        int rounding = variant < 4 ? variant : variant == 4 ? ROUND_TIES_AWAY : fpcrRounding(s.fpcr);
        return roundToIntegral(x, size, rounding, variant == 6, s);
    }

    /** VFPExpandImm: the 8-bit floating-point immediate of FMOV. */
    static long expandImmediate(int imm8, int size) {
        int expBits = expBits(size);
        int fracBits = fracBits(size);
        long sign = (long) (imm8 >>> 7) & 1;
        long b6 = (imm8 >>> 6) & 1;
        long exp = ((b6 ^ 1) << (expBits - 1)) | ((b6 == 1 ? (1L << (expBits - 3)) - 1 : 0) << 2) | ((imm8 >>> 4) & 3);
        long frac = (long) (imm8 & 15) << (fracBits - 4);
        return sign << (size - 1) | exp << fracBits | frac;
    }
}
