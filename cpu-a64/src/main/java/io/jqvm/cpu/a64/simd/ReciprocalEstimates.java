package io.jqvm.cpu.a64.simd;

/**
 * The table-driven estimates FRECPE, FRSQRTE, URECPE and URSQRTE (the RecipEstimate/RecipSqrtEstimate
 * pseudocode, 8-bit results) and FRECPX.
 */
final class ReciprocalEstimates {
    private ReciprocalEstimates() {
    }

    /** RecipEstimate for inputs 256..511 (0.5 &le; x &lt; 1 in steps of 1/512); results 256..511. */
    private static final int[] RECIPROCAL = new int[512];
    /** RecipSqrtEstimate for inputs 128..511 (0.25 &le; x &lt; 1). */
    private static final int[] RECIPROCAL_SQRT = new int[512];

    static {
        for (int a = 256; a < 512; a++) {
            int b = (1 << 19) / (a * 2 + 1);
            RECIPROCAL[a] = (b + 1) / 2;
        }
        for (int a = 128; a < 512; a++) {
            long scaled = a < 256 ? a * 2L + 1 : ((a >> 1) << 1) * 2L + 2;
            long b = 512;
            while (scaled * (b + 1) * (b + 1) < (1L << 28)) {
                b++;
            }
            RECIPROCAL_SQRT[a] = (int) ((b + 1) / 2);
        }
    }

    private static final long FRACTION_52 = (1L << 52) - 1;

    /** The fraction widened to 52 bits (the double layout the pseudocode works in). */
    private static long wideFraction(long x, int size) {
        return (x & SoftFloat.fracMask(size)) << (52 - SoftFloat.fracBits(size));
    }

    private static int biasedExponent(long x, int size) {
        return (int) ((x & SoftFloat.expMask(size)) >>> SoftFloat.fracBits(size));
    }

    /** FPRecipEstimate. */
    static long reciprocal(long x, int size, FpSimdState s) {
        x = SoftFloat.flushInput(x, size, s);
        if (SoftFloat.isNaN(x, size)) {
            return SoftFloat.processNaN(x, size, s);
        }
        boolean negative = SoftFloat.isNegative(x, size);
        long sign = x & SoftFloat.signBit(size);
        if (SoftFloat.isInfinite(x, size)) {
            return sign;
        }
        if (SoftFloat.isZero(x, size)) {
            s.fpsr |= SoftFloat.FPSR_DZC;
            return SoftFloat.infinity(negative, size);
        }
        int exp = biasedExponent(x, size);
        long fraction = wideFraction(x, size);
        if (exp == 0 && (fraction >>> 50) == 0) {
            int rounding = SoftFloat.fpcrRounding(s.fpcr);
            boolean toInfinity = rounding == SoftFloat.ROUND_NEAREST
                    || (rounding == SoftFloat.ROUND_PLUS_INF && !negative)
                    || (rounding == SoftFloat.ROUND_MINUS_INF && negative);
            s.fpsr |= SoftFloat.FPSR_OFC | SoftFloat.FPSR_IXC;
            return toInfinity ? SoftFloat.infinity(negative, size)
                    : sign | (SoftFloat.expMask(size) - (1L << SoftFloat.fracBits(size))) | SoftFloat.fracMask(size);
        }
        int bias = (1 << (SoftFloat.expBits(size) - 1)) - 1;
        if ((s.fpcr & SoftFloat.FPCR_FZ) != 0 && exp >= 2 * bias - 1) {
            s.fpsr |= SoftFloat.FPSR_UFC;
            return sign;
        }
        if (exp == 0) {
            if ((fraction >>> 51) == 0) {
                exp = -1;
                fraction = (fraction << 2) & FRACTION_52;
            } else {
                fraction = (fraction << 1) & FRACTION_52;
            }
        }
        int resultExp = 2 * bias - 1 - exp;
        long resultFraction = (long) (RECIPROCAL[(int) (0x100 | (fraction >>> 44))] & 0xff) << 44;
        if (resultExp == 0) {
            resultFraction = (1L << 51) | (resultFraction >>> 1);
        } else if (resultExp == -1) {
            resultFraction = (1L << 50) | (resultFraction >>> 2);
            resultExp = 0;
        }
        return sign | (long) resultExp << SoftFloat.fracBits(size) | resultFraction >>> (52 - SoftFloat.fracBits(size));
    }

    /** FPRSqrtEstimate. */
    static long reciprocalSquareRoot(long x, int size, FpSimdState s) {
        x = SoftFloat.flushInput(x, size, s);
        if (SoftFloat.isNaN(x, size)) {
            return SoftFloat.processNaN(x, size, s);
        }
        boolean negative = SoftFloat.isNegative(x, size);
        if (SoftFloat.isZero(x, size)) {
            s.fpsr |= SoftFloat.FPSR_DZC;
            return SoftFloat.infinity(negative, size);
        }
        if (negative) {
            s.fpsr |= SoftFloat.FPSR_IOC;
            return SoftFloat.defaultNaN(size);
        }
        if (SoftFloat.isInfinite(x, size)) {
            return 0;
        }
        int exp = biasedExponent(x, size);
        long fraction = wideFraction(x, size);
        if (exp == 0) {
            while ((fraction >>> 51) == 0) {
                fraction = (fraction << 1) & FRACTION_52;
                exp--;
            }
            fraction = (fraction << 1) & FRACTION_52;
        }
        int scaled = (exp & 1) == 0 ? (int) (0x100 | (fraction >>> 44)) : (int) (0x80 | (fraction >>> 45));
        int bias = (1 << (SoftFloat.expBits(size) - 1)) - 1;
        int resultExp = (3 * bias - 1 - exp) / 2;
        long estimate = RECIPROCAL_SQRT[scaled] & 0xff;
        return (long) resultExp << SoftFloat.fracBits(size) | estimate << (SoftFloat.fracBits(size) - 8);
    }

    /** FPRecpX: an exponent-only reciprocal approximation used to scale before FRECPE. */
    static long reciprocalExponent(long x, int size, FpSimdState s) {
        x = SoftFloat.flushInput(x, size, s);
        if (SoftFloat.isNaN(x, size)) {
            return SoftFloat.processNaN(x, size, s);
        }
        long sign = x & SoftFloat.signBit(size);
        int maxExp = (1 << SoftFloat.expBits(size)) - 1;
        int exp = biasedExponent(x, size);
        long resultExp = exp == 0 ? maxExp - 1 : ~exp & maxExp;
        return sign | resultExp << SoftFloat.fracBits(size);
    }

    /** URECPE on a 32-bit element. */
    static long unsignedReciprocal(long x) {
        if ((x & 0x80000000L) == 0) {
            return 0xffffffffL;
        }
        return (long) (RECIPROCAL[(int) (x >>> 23) & 0x1ff] & 0x1ff) << 23;
    }

    /** URSQRTE on a 32-bit element. */
    static long unsignedReciprocalSquareRoot(long x) {
        if ((x & 0xc0000000L) == 0) {
            return 0xffffffffL;
        }
        return (long) (RECIPROCAL_SQRT[(int) (x >>> 23) & 0x1ff] & 0x1ff) << 23;
    }
}
