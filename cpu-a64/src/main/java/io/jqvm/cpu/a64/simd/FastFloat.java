package io.jqvm.cpu.a64.simd;

/**
 * Fast paths for the common case, FPCR round-to-nearest without flush-to-zero: Java's float and double arithmetic
 * with the exact Inexact flag from an error-free residual (TwoSum or a fused multiply-add). Every operand or result
 * near the edges of the range (NaN, infinity, zero, tiny, huge), where Java cannot give the Arm flags cheaply, is
 * left to {@link SoftFloat}: the methods then return {@link #UNHANDLED}, a NaN pattern they never produce.
 */
final class FastFloat {
    private FastFloat() {
    }

    static final long UNHANDLED = -1L;

    /** Below this magnitude the residuals of products and quotients may no longer be representable. */
    private static final double DOUBLE_SMALL = 0x1p-960;
    /** Above this magnitude TwoSum's intermediate steps could overflow. */
    private static final double DOUBLE_LARGE = 0x1p1020;

    static boolean applies(int fpcr) {
        return (fpcr & (SoftFloat.FPCR_FZ | 3 << 22)) == 0;
    }

    static long add(long a, long b, int size, boolean subtract, FpSimdState s) {
        if (size == 64) {
            double x = Double.longBitsToDouble(a);
            double y = subtract ? -Double.longBitsToDouble(b) : Double.longBitsToDouble(b);
            if (!(Math.abs(x) < DOUBLE_LARGE && Math.abs(y) < DOUBLE_LARGE)) {
                return UNHANDLED;
            }
            double r = x + y;
            if (twoSumError(x, y, r) != 0) {
                s.fpsr |= SoftFloat.FPSR_IXC;
            }
            return Double.doubleToRawLongBits(r);
        }
        float xf = Float.intBitsToFloat((int) a);
        float yf = Float.intBitsToFloat((int) b);
        double x = xf;
        double y = subtract ? -(double) yf : yf;
        if (!(Math.abs(x) <= Float.MAX_VALUE && Math.abs(y) <= Float.MAX_VALUE)) {
            return UNHANDLED;
        }
        double exact = x + y;
        if (twoSumError(x, y, exact) != 0) {
            return UNHANDLED;
        }
        return roundToSingle(exact, s);
    }

    static long mul(long a, long b, int size, FpSimdState s) {
        if (size == 64) {
            double x = Double.longBitsToDouble(a);
            double y = Double.longBitsToDouble(b);
            double r = x * y;
            if (!(Math.abs(r) >= DOUBLE_SMALL && Math.abs(r) <= Double.MAX_VALUE)) {
                return UNHANDLED;
            }
            if (Math.fma(x, y, -r) != 0) {
                s.fpsr |= SoftFloat.FPSR_IXC;
            }
            return Double.doubleToRawLongBits(r);
        }
        double exact = (double) Float.intBitsToFloat((int) a) * (double) Float.intBitsToFloat((int) b);
        return roundToSingle(exact, s);
    }

    static long div(long a, long b, int size, FpSimdState s) {
        if (size == 64) {
            double x = Double.longBitsToDouble(a);
            double y = Double.longBitsToDouble(b);
            double q = x / y;
            boolean safe = Math.abs(x) >= DOUBLE_SMALL && Math.abs(x) <= Double.MAX_VALUE
                    && Math.abs(q) >= DOUBLE_SMALL && Math.abs(q) <= Double.MAX_VALUE;
            if (!safe) {
                return UNHANDLED;
            }
            if (Math.fma(q, y, -x) != 0) {
                s.fpsr |= SoftFloat.FPSR_IXC;
            }
            return Double.doubleToRawLongBits(q);
        }
        double x = Float.intBitsToFloat((int) a);
        double y = Float.intBitsToFloat((int) b);
        // The double quotient rounded again to single is correctly rounded (53 >= 2 * 24 + 2).
        float q = (float) (x / y);
        if (!(Math.abs(q) > Float.MIN_NORMAL && Math.abs(q) <= Float.MAX_VALUE)) {
            return UNHANDLED;
        }
        if ((double) q * y != x) {
            s.fpsr |= SoftFloat.FPSR_IXC;
        }
        return Float.floatToRawIntBits(q) & 0xffffffffL;
    }

    static long sqrt(long a, int size, FpSimdState s) {
        if (size == 64) {
            double x = Double.longBitsToDouble(a);
            if (!(x >= DOUBLE_SMALL && x <= Double.MAX_VALUE)) {
                return UNHANDLED;
            }
            double r = Math.sqrt(x);
            if (Math.fma(r, r, -x) != 0) {
                s.fpsr |= SoftFloat.FPSR_IXC;
            }
            return Double.doubleToRawLongBits(r);
        }
        double x = Float.intBitsToFloat((int) a);
        if (!(x > 0 && x <= Float.MAX_VALUE)) {
            return UNHANDLED;
        }
        float r = (float) Math.sqrt(x);
        if ((double) r * r != x) {
            s.fpsr |= SoftFloat.FPSR_IXC;
        }
        return Float.floatToRawIntBits(r) & 0xffffffffL;
    }

    /** Single-precision addend + a * b: the product is exact in double, so only the sum needs checking. */
    static long mulAdd(long addend, long a, long b, int size, FpSimdState s) {
        if (size != 32) {
            return UNHANDLED;
        }
        double product = (double) Float.intBitsToFloat((int) a) * (double) Float.intBitsToFloat((int) b);
        double c = Float.intBitsToFloat((int) addend);
        if (!(Math.abs(product) <= DOUBLE_LARGE && Math.abs(c) <= Float.MAX_VALUE)) {
            return UNHANDLED;
        }
        double exact = product + c;
        if (twoSumError(product, c, exact) != 0) {
            return UNHANDLED;
        }
        return roundToSingle(exact, s);
    }

    private static double twoSumError(double x, double y, double sum) {
        double yPart = sum - x;
        return (x - (sum - yPart)) + (y - yPart);
    }

    /** Rounds an exactly computed value to single precision, if it lies safely within the normal range. */
    private static long roundToSingle(double exact, FpSimdState s) {
        float r = (float) exact;
        if (!(Math.abs(exact) >= Float.MIN_NORMAL && Math.abs(r) <= Float.MAX_VALUE)) {
            return exact == 0 ? Float.floatToRawIntBits(r) & 0xffffffffL : UNHANDLED;
        }
        if (r != exact) {
            s.fpsr |= SoftFloat.FPSR_IXC;
        }
        return Float.floatToRawIntBits(r) & 0xffffffffL;
    }
}
