package io.jqvm.cpu.a64.simd;

import static io.jqvm.cpu.a64.simd.SoftFloat.FPCR_AHP;
import static io.jqvm.cpu.a64.simd.SoftFloat.FPCR_DN;
import static io.jqvm.cpu.a64.simd.SoftFloat.FPCR_FZ;
import static io.jqvm.cpu.a64.simd.SoftFloat.FPSR_DZC;
import static io.jqvm.cpu.a64.simd.SoftFloat.FPSR_IDC;
import static io.jqvm.cpu.a64.simd.SoftFloat.FPSR_IOC;
import static io.jqvm.cpu.a64.simd.SoftFloat.FPSR_IXC;
import static io.jqvm.cpu.a64.simd.SoftFloat.FPSR_OFC;
import static io.jqvm.cpu.a64.simd.SoftFloat.FPSR_UFC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** Scalar floating point: NaN rules, rounding modes, flush-to-zero, flags, compares and conversions. */
class ScalarFpTest {
    private static final int ROUND_PLUS = 1 << 22;
    private static final int ROUND_MINUS = 2 << 22;
    private static final int ROUND_ZERO = 3 << 22;
    private static final float HALF_ULP_ABOVE_ONE = 0x1p-24f;

    @Test
    void signalingNaNTakesPriorityAndIsQuietened() throws Exception {
        Unit u = new Unit().single(1, 0x7fc00001L).single(2, 0x7f800002L).run("fadd s0, s1, s2");
        assertEquals(0x7fc00002, u.singleBits(0));
        assertEquals(FPSR_IOC, u.flags());
    }

    @Test
    void firstQuietNaNPropagatesWithoutInvalid() throws Exception {
        Unit u = new Unit().single(1, 1.0f).single(2, 0xffc00005L).single(3, 0x7fc00007L).run("fmul s0, s2, s3");
        assertEquals(0xffc00005, u.singleBits(0));
        assertEquals(0, u.flags());
    }

    @Test
    void defaultNaNModeReplacesPropagatedNaNs() throws Exception {
        Unit u = new Unit().fpcr(FPCR_DN).dbl(1, 1.0).set(2, 0xfff0000000000001L, 0).run("fsub d0, d1, d2");
        assertEquals(0x7ff8000000000000L, u.lo(0));
        assertEquals(FPSR_IOC, u.flags());
    }

    @Test
    void invalidOperationsGiveTheDefaultNaN() throws Exception {
        Unit u = new Unit().dbl(1, Double.POSITIVE_INFINITY).dbl(2, 0.0).run("fmul d0, d1, d2", "fsqrt d3, d1");
        assertEquals(0x7ff8000000000000L, u.lo(0));
        assertEquals(Double.POSITIVE_INFINITY, u.doubleValue(3));
        u.dbl(4, -1.0).run("fsqrt d5, d4");
        assertEquals(0x7ff8000000000000L, u.lo(5));
        assertEquals(FPSR_IOC, u.flags());
    }

    @Test
    void divisionByZeroSignalsDivideByZero() throws Exception {
        Unit u = new Unit().single(1, -3.0f).single(2, 0.0f).run("fdiv s0, s1, s2");
        assertEquals(Float.NEGATIVE_INFINITY, u.singleValue(0));
        assertEquals(FPSR_DZC, u.flags());
    }

    @Test
    void halfwayCaseRoundsPerMode() throws Exception {
        int[] modes = {0, ROUND_PLUS, ROUND_MINUS, ROUND_ZERO};
        int[] positive = {0x3f800000, 0x3f800001, 0x3f800000, 0x3f800000};
        int[] negative = {0xbf800000, 0xbf800000, 0xbf800001, 0xbf800000};
        for (int i = 0; i < modes.length; i++) {
            Unit u = new Unit().fpcr(modes[i]).single(1, 1.0f).single(2, HALF_ULP_ABOVE_ONE).single(3, -1.0f)
                    .run("fadd s0, s1, s2", "fsub s4, s3, s2");
            assertEquals(positive[i], u.singleBits(0), "mode " + i);
            assertEquals(negative[i], u.singleBits(4), "mode " + i);
            assertEquals(FPSR_IXC, u.flags());
        }
    }

    @Test
    void overflowGoesToInfinityOrLargestFiniteByMode() throws Exception {
        Unit nearest = new Unit().single(1, Float.MAX_VALUE).single(2, 2.0f).run("fmul s0, s1, s2");
        assertEquals(Float.POSITIVE_INFINITY, nearest.singleValue(0));
        assertEquals(FPSR_OFC | FPSR_IXC, nearest.flags());
        Unit towardZero = new Unit().fpcr(ROUND_ZERO).single(1, Float.MAX_VALUE).single(2, 2.0f).run("fmul s0, s1, s2");
        assertEquals(Float.MAX_VALUE, towardZero.singleValue(0));
    }

    @Test
    void underflowIsDetectedBeforeRounding() throws Exception {
        // (1 + 2^-52) * (largest subnormal) = MIN_NORMAL * (1 - 2^-104): tiny, rounds up to MIN_NORMAL.
        Unit u = new Unit().set(1, 0x3ff0000000000001L, 0).set(2, 0x000fffffffffffffL, 0).run("fmul d0, d1, d2");
        assertEquals(0x0010000000000000L, u.lo(0));
        assertEquals(FPSR_UFC | FPSR_IXC, u.flags());
    }

    @Test
    void exactSubnormalResultsDoNotSignalUnderflow() throws Exception {
        Unit u = new Unit().dbl(1, Double.MIN_NORMAL).dbl(2, 0.5).run("fmul d0, d1, d2");
        assertEquals(Double.MIN_NORMAL / 2, u.doubleValue(0));
        assertEquals(0, u.flags());
    }

    @Test
    void flushToZeroFlushesInputsAndOutputs() throws Exception {
        Unit input = new Unit().fpcr(FPCR_FZ).single(1, 0x00000001L).single(2, 0.0f).run("fadd s0, s1, s2");
        assertEquals(0, input.singleBits(0));
        assertEquals(FPSR_IDC, input.flags());
        Unit output = new Unit().fpcr(FPCR_FZ).dbl(1, Double.MIN_NORMAL).dbl(2, -0.5).run("fmul d0, d1, d2");
        assertEquals(0x8000000000000000L, output.lo(0));
        assertEquals(FPSR_UFC, output.flags());
    }

    @Test
    void fusedMultiplyAddRoundsOnce() throws Exception {
        double a = 1 + 0x1p-30;
        Unit u = new Unit().dbl(1, a).dbl(2, a).dbl(3, -(1 + 0x1p-29)).run("fmadd d0, d1, d2, d3");
        assertEquals(0x1p-60, u.doubleValue(0));
        assertEquals(0, u.flags());
    }

    @Test
    void fusedVariantsNegateTheRightOperands() throws Exception {
        Unit u = new Unit().dbl(1, 2.0).dbl(2, 3.0).dbl(3, 10.0)
                .run("fmsub d4, d1, d2, d3", "fnmadd d5, d1, d2, d3", "fnmsub d6, d1, d2, d3", "fnmul d7, d1, d2");
        assertEquals(4.0, u.doubleValue(4));
        assertEquals(-16.0, u.doubleValue(5));
        assertEquals(-4.0, u.doubleValue(6));
        assertEquals(-6.0, u.doubleValue(7));
    }

    @Test
    void exactZeroSumIsNegativeOnlyWhenRoundingDown() throws Exception {
        Unit nearest = new Unit().single(1, 1.5f).single(2, -1.5f).run("fadd s0, s1, s2");
        assertEquals(0, nearest.singleBits(0));
        Unit down = new Unit().fpcr(ROUND_MINUS).single(1, 1.5f).single(2, -1.5f).run("fadd s0, s1, s2");
        assertEquals(0x80000000, down.singleBits(0));
    }

    @Test
    void maxAndMinOrderSignedZerosAndNumericVariantsIgnoreQuietNaNs() throws Exception {
        Unit u = new Unit().single(1, 0.0f).single(2, -0.0f).single(3, 0x7fc00000L).single(4, -7.0f)
                .run("fmax s10, s2, s1", "fmin s11, s1, s2", "fmaxnm s12, s3, s4", "fminnm s13, s4, s3",
                        "fmax s14, s3, s4");
        assertEquals(0, u.singleBits(10));
        assertEquals(0x80000000, u.singleBits(11));
        assertEquals(-7.0f, u.singleValue(12));
        assertEquals(-7.0f, u.singleValue(13));
        assertEquals(0x7fc00000, u.singleBits(14));
        assertEquals(0, u.flags());
        u.single(5, 0x7f800001L).run("fmaxnm s15, s5, s4");
        assertEquals(0x7fc00001, u.singleBits(15));
        assertEquals(FPSR_IOC, u.flags());
    }

    @Test
    void compareSetsNzcvAndSignalsPerVariant() throws Exception {
        Unit u = new Unit().dbl(1, 1.0).dbl(2, 2.0).dbl(3, -0.0).set(4, 0x7ff8000000000000L, 0);
        u.run("fcmp d1, d2");
        assertEquals(0b1000, u.g.nzcv);
        u.run("fcmp d2, d1");
        assertEquals(0b0010, u.g.nzcv);
        u.run("fcmp d3, #0.0");
        assertEquals(0b0110, u.g.nzcv);
        u.run("fcmp d1, d4");
        assertEquals(0b0011, u.g.nzcv);
        assertEquals(0, u.flags());
        u.run("fcmpe d1, d4");
        assertEquals(FPSR_IOC, u.flags());
    }

    @Test
    void conditionalCompareAndSelectFollowTheCondition() throws Exception {
        Unit u = new Unit().single(1, 1.0f).single(2, 2.0f);
        u.g.nzcv = 0b0100;
        u.run("fccmp s1, s2, #0b0101, ne");
        assertEquals(0b0101, u.g.nzcv);
        u.g.nzcv = 0b0100;
        u.run("fccmp s1, s2, #0b0101, eq");
        assertEquals(0b1000, u.g.nzcv);
        u.run("fcsel s3, s1, s2, mi", "fcsel s4, s1, s2, pl");
        assertEquals(1.0f, u.singleValue(3));
        assertEquals(2.0f, u.singleValue(4));
    }

    @Test
    void conversionsToIntegerSaturateAndRoundPerVariant() throws Exception {
        Unit u = new Unit().single(1, 0x1p31f).single(2, -1.5f).single(3, 0x7fc00000L).single(4, -0.5f)
                .single(5, 2.5f).single(6, -2.5f);
        u.run("fcvtzs w10, s1");
        assertEquals(0x7fffffffL, u.g.x[10]);
        assertEquals(FPSR_IOC, u.flags());
        u.s.fpsr = 0;
        u.run("fcvtzs x11, s2", "fcvtzu w12, s4");
        assertEquals(-1L, u.g.x[11]);
        assertEquals(0L, u.g.x[12]);
        assertEquals(FPSR_IXC, u.flags());
        u.s.fpsr = 0;
        u.run("fcvtzs w13, s3", "fcvtzu x14, s2");
        assertEquals(0L, u.g.x[13]);
        assertEquals(0L, u.g.x[14]);
        assertEquals(FPSR_IOC, u.flags());
        u.run("fcvtns w15, s5", "fcvtas w16, s5", "fcvtas x17, s6", "fcvtms w18, s4", "fcvtps x19, s5",
                "fcvtns x20, s6");
        assertEquals(2L, u.g.x[15]);
        assertEquals(3L, u.g.x[16]);
        assertEquals(-3L, u.g.x[17]);
        assertEquals(0xffffffffL, u.g.x[18]);
        assertEquals(3L, u.g.x[19]);
        assertEquals(-2L, u.g.x[20]);
    }

    @Test
    void fixedPointConversionsScaleByFractionBits() throws Exception {
        Unit u = new Unit();
        u.g.x[1] = 0x18;
        u.g.x[2] = -1L;
        u.run("scvtf s0, w1, #4", "ucvtf d3, x2", "scvtf d4, x2, #64");
        assertEquals(1.5f, u.singleValue(0));
        assertEquals(0x1p64, u.doubleValue(3));
        assertEquals(-0x1p-64, u.doubleValue(4));
        assertEquals(FPSR_IXC, u.flags());
        u.dbl(5, 3.75).run("fcvtzs w6, d5, #1");
        assertEquals(7L, u.g.x[6]);
    }

    @Test
    void roundToIntegralVariants() throws Exception {
        Unit u = new Unit().dbl(1, 2.5).dbl(2, -2.5).dbl(3, -0.4)
                .run("frintn d10, d1", "frinta d11, d2", "frintn d12, d3", "frintp d13, d3", "frintm d14, d3",
                        "frintz d15, d2");
        assertEquals(2.0, u.doubleValue(10));
        assertEquals(-3.0, u.doubleValue(11));
        assertEquals(0x8000000000000000L, u.lo(12));
        assertEquals(0x8000000000000000L, u.lo(13));
        assertEquals(-1.0, u.doubleValue(14));
        assertEquals(-2.0, u.doubleValue(15));
        assertEquals(0, u.flags());
        u.run("frintx d16, d1");
        assertEquals(2.0, u.doubleValue(16));
        assertEquals(FPSR_IXC, u.flags());
    }

    @Test
    void precisionConversionsIncludingHalfAndAlternativeHalf() throws Exception {
        Unit ieee = new Unit().single(1, 65520.0f).run("fcvt h0, s1");
        assertEquals(0x7c00L, ieee.lo(0));
        assertEquals(FPSR_OFC | FPSR_IXC, ieee.flags());
        Unit alternative = new Unit().fpcr(FPCR_AHP).single(1, 65520.0f).single(2, 0x7fc00000L)
                .run("fcvt h0, s1", "fcvt h3, s2");
        assertEquals(0x7c00L, alternative.lo(0));
        assertEquals(0L, alternative.lo(3));
        assertEquals(FPSR_IXC | FPSR_IOC, alternative.flags());
        Unit widen = new Unit().set(1, 0x7c01L, 0).set(2, 0x3c00L, 0).run("fcvt d0, h1", "fcvt s3, h2");
        assertEquals(0x7ff8040000000000L, widen.lo(0));
        assertEquals(1.0f, widen.singleValue(3));
        assertEquals(FPSR_IOC, widen.flags());
    }

    @Test
    void movesBetweenRegisterFilesAndImmediates() throws Exception {
        Unit u = new Unit().set(2, 0x1111L, 0x2222L).set(3, 0x3333L, 0x4444L);
        u.g.x[4] = 0x5555L;
        u.run("fmov x1, v2.d[1]", "fmov v3.d[1], x4", "fmov d5, #-1.25", "fmov s6, w4", "fmov s7, s3");
        assertEquals(0x2222L, u.g.x[1]);
        assertEquals(0x3333L, u.lo(3));
        assertEquals(0x5555L, u.hi(3));
        assertEquals(0xbff4000000000000L, u.lo(5));
        assertEquals(0x5555L, u.lo(6));
        assertEquals(0x3333L, u.lo(7));
        assertEquals(0L, u.hi(7));
    }

    @Test
    void halfPrecisionArithmeticIsUndefinedOnThisCpu() {
        // fadd h0, h1, h2 (FEAT_FP16, not advertised)
        assertFalse(FpSimdExecutor.execute(0x1ee22820, new FpSimdState(), new TestRegisters()));
    }
}
