package io.jqvm.cpu.a64.simd;

import static io.jqvm.cpu.a64.simd.SoftFloat.FPSR_IOC;
import static io.jqvm.cpu.a64.simd.SoftFloat.FPSR_QC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** Advanced SIMD integer, permute, move, shift and floating-point instructions on chosen operands. */
class VectorTest {
    @Test
    void strlenIdiomFindsTheFirstZeroByte() throws Exception {
        // "abc\0efgh\0..." in little-endian lanes: zero bytes at indexes 3 and 8.
        Unit u = new Unit().set(0, 0x6867666500636261L, 0x7a7a7a7a7a7a7a00L)
                .run("cmeq v0.16b, v0.16b, #0", "shrn v0.8b, v0.8h, #4", "fmov x1, d0");
        assertEquals(0x0000000f0000f000L, u.g.x[1]);
        assertEquals(0L, u.hi(0));
        assertEquals(12, Long.numberOfTrailingZeros(u.g.x[1]));
    }

    @Test
    void saturatingArithmeticClampsAndSetsQc() throws Exception {
        Unit u = new Unit().set(1, 0x7f7f7f7f7f7f7f7fL, 0x8080808080808080L).set(2, 0x0101010101010101L, -1L)
                .run("sqadd v0.16b, v1.16b, v2.16b");
        assertEquals(0x7f7f7f7f7f7f7f7fL, u.lo(0));
        assertEquals(0x8080808080808080L, u.hi(0));
        assertEquals(FPSR_QC, u.flags());
        Unit unsigned = new Unit().set(1, 0, 0).set(2, 1, 0).run("uqsub v0.2d, v1.2d, v2.2d", "uqadd d3, d2, d1");
        assertEquals(0L, unsigned.lo(0));
        assertEquals(1L, unsigned.lo(3));
        assertEquals(FPSR_QC, unsigned.flags());
    }

    @Test
    void pairwiseAndAcrossLaneReductions() throws Exception {
        Unit u = new Unit().set(1, 0x0807060504030201L, 0xf0e0d0c0b0a09080L)
                .run("umaxp v2.16b, v1.16b, v1.16b", "addv b3, v1.16b", "saddlv h4, v1.16b", "uminv b5, v1.16b",
                        "smaxv b6, v1.16b");
        assertEquals(0xf0d0b09008060402L, u.lo(2));
        assertEquals(0xf0d0b09008060402L, u.hi(2));
        int sum = 0;
        int signedSum = 0;
        for (int i = 0; i < 16; i++) {
            int b = (int) Vregs.element(u.lo(1), u.hi(1), i, 8);
            sum += b;
            signedSum += (byte) b;
        }
        assertEquals(sum & 0xff, u.lo(3));
        assertEquals(signedSum & 0xffff, u.lo(4));
        assertEquals(1L, u.lo(5));
        assertEquals(8L, u.lo(6));
    }

    @Test
    void tableLookupsZeroOrKeepOutOfRangeLanes() throws Exception {
        Unit u = new Unit().set(1, 0x0706050403020100L, 0x0f0e0d0c0b0a0908L).set(2, 0x1f1e1d1c1b1a1918L, 0x2726252423222120L)
                .set(3, 0x00ff10200f011011L, 0).set(4, -1L, -1L)
                .run("tbl v5.8b, {v1.16b, v2.16b}, v3.8b", "tbx v4.8b, {v1.16b}, v3.8b");
        assertEquals(0x000018000f011819L, u.lo(5));
        assertEquals(0x00ffffff0f01ffffL, u.lo(4));
        assertEquals(0L, u.hi(4));
    }

    @Test
    void permutesAndExtract() throws Exception {
        Unit u = new Unit().set(1, 0x0706050403020100L, 0x0f0e0d0c0b0a0908L).set(2, 0x1716151413121110L, 0x1f1e1d1c1b1a1918L)
                .run("zip1 v3.16b, v1.16b, v2.16b", "uzp2 v4.8h, v1.8h, v2.8h", "trn1 v5.4s, v1.4s, v2.4s",
                        "ext v6.16b, v1.16b, v2.16b, #3", "ext v7.8b, v1.8b, v2.8b, #7");
        assertEquals(0x1303120211011000L, u.lo(3));
        assertEquals(0x0f0e0b0a07060302L, u.lo(4));
        assertEquals(0x1f1e1b1a17161312L, u.hi(4));
        assertEquals(0x1312111003020100L, u.lo(5));
        assertEquals(0x0a09080706050403L, u.lo(6));
        assertEquals(0x1211100f0e0d0c0bL, u.hi(6));
        assertEquals(0x1615141312111007L, u.lo(7));
        assertEquals(0L, u.hi(7));
    }

    @Test
    void immediateMovesExpandTheirEncodings() throws Exception {
        Unit u = new Unit().set(3, 0x00ff00ff00ff00ffL, 0x00ff00ff00ff00ffL)
                .run("movi v0.4s, #0xab, lsl #16", "mvni v1.8h, #0x12, lsl #8", "movi v2.2s, #0x12, msl #8",
                        "bic v3.8h, #0xff", "movi d4, #0xff00ff0000ffff00", "fmov v5.2d, #-0.5");
        assertEquals(0x00ab000000ab0000L, u.lo(0));
        assertEquals(0x00ab000000ab0000L, u.hi(0));
        assertEquals(0xedffedffedffedffL, u.lo(1));
        assertEquals(0x000012ff000012ffL, u.lo(2));
        assertEquals(0L, u.hi(2));
        assertEquals(0L, u.lo(3));
        assertEquals(0xff00ff0000ffff00L, u.lo(4));
        assertEquals(0L, u.hi(4));
        assertEquals(0xbfe0000000000000L, u.lo(5));
        assertEquals(0xbfe0000000000000L, u.hi(5));
    }

    @Test
    void shiftsByImmediateAtTheLimits() throws Exception {
        Unit u = new Unit().set(1, 0x80ff7f0102fe4081L, 0)
                .run("ushr v2.8b, v1.8b, #8", "sshr v3.8b, v1.8b, #8", "srshr v4.8b, v1.8b, #1",
                        "sqshrn v5.8b, v1.8h, #1", "sxtl v6.8h, v1.8b", "sli v7.8b, v1.8b, #4", "uqshl v8.8b, v1.8b, #1");
        assertEquals(0L, u.lo(2));
        assertEquals(0xffff000000ff00ffL, u.lo(3));
        assertEquals(0xc000400101ff20c1L, u.lo(4));
        assertEquals(0x00000000807f7f7fL, u.lo(5));
        assertEquals(0x0002fffe0040ff81L, u.lo(6));
        assertEquals(0xff80ffff007f0001L, u.hi(6));
        assertEquals(0x00f0f01020e00010L, u.lo(7));
        assertEquals(0xfffffe0204ff80ffL, u.lo(8));
        assertEquals(FPSR_QC, u.flags());
    }

    @Test
    void widenAndNarrowThreeDifferent() throws Exception {
        Unit u = new Unit().set(1, 0x00000003fffffffeL, 0x0000000200000001L).set(2, 0x00000005ffffffffL, 0x7fffffff00000001L)
                .run("smull v3.2d, v1.2s, v2.2s", "umull v4.2d, v1.2s, v2.2s", "addhn v5.2s, v1.2d, v2.2d");
        assertEquals(2L, u.lo(3));
        assertEquals(15L, u.hi(3));
        assertEquals(0xfffffffd00000002L, u.lo(4));
        assertEquals(15L, u.hi(4));
        assertEquals(0x8000000100000009L, u.lo(5));
        assertEquals(0L, u.hi(5));
    }

    @Test
    void lanesMovesSignAndZeroExtend() throws Exception {
        Unit u = new Unit().set(1, 0x8877665544332211L, 0xfedcba9876543210L);
        u.g.x[20] = 0x1234;
        u.run("umov w2, v1.b[7]", "smov x3, v1.h[3]", "smov w4, v1.b[15]", "umov x5, v1.d[1]", "ins v1.h[0], w20",
                "dup v6.4s, v1.s[3]");
        assertEquals(0x88L, u.g.x[2]);
        assertEquals(0xffffffffffff8877L, u.g.x[3]);
        assertEquals(0xfffffffeL, u.g.x[4]);
        assertEquals(0xfedcba9876543210L, u.g.x[5]);
        assertEquals(0x8877665544331234L, u.lo(1));
        assertEquals(0xfedcba98fedcba98L, u.lo(6));
    }

    @Test
    void scalarAndHalfWidthWritesClearTheRestOfTheRegister() throws Exception {
        Unit u = new Unit().set(0, -1L, -1L).set(1, 5, 7).set(2, 6, 8).set(3, -1L, -1L)
                .run("add d0, d1, d2", "add v3.8b, v1.8b, v2.8b");
        assertEquals(11L, u.lo(0));
        assertEquals(0L, u.hi(0));
        assertEquals(11L, u.lo(3));
        assertEquals(0L, u.hi(3));
    }

    @Test
    void vectorFloatingPointIsFusedAndSignalsOnNaNCompares() throws Exception {
        double a = 1 + 0x1p-30;
        Unit u = new Unit().set(1, Double.doubleToRawLongBits(a), Double.doubleToRawLongBits(2.0))
                .set(2, Double.doubleToRawLongBits(a), Double.doubleToRawLongBits(3.0))
                .set(0, Double.doubleToRawLongBits(-(1 + 0x1p-29)), Double.doubleToRawLongBits(1.0))
                .run("fmla v0.2d, v1.2d, v2.2d");
        assertEquals(0x1p-60, Double.longBitsToDouble(u.lo(0)));
        assertEquals(7.0, Double.longBitsToDouble(u.hi(0)));
        u.set(3, 0x7fc000003f800000L, 0).set(4, 0x3f8000003f800000L, 0).run("fcmge v5.2s, v3.2s, v4.2s");
        assertEquals(0x00000000ffffffffL, u.lo(5));
        assertEquals(FPSR_IOC, u.flags());
    }

    @Test
    void precisionNarrowingAndWidening() throws Exception {
        Unit u = new Unit().set(1, Double.doubleToRawLongBits(1.5), Double.doubleToRawLongBits(-0x1p200))
                .set(2, 0x3c00bc007c00fc00L, 0)
                .run("fcvtn v3.2s, v1.2d", "fcvtl v4.4s, v2.4h", "fcvtxn v5.2s, v1.2d");
        assertEquals(0xff8000003fc00000L, u.lo(3));
        assertEquals(0x7f800000ff800000L, u.lo(4));
        assertEquals(0x3f800000bf800000L, u.hi(4));
        assertEquals(0xff7fffff3fc00000L, u.lo(5));
    }

    @Test
    void doublingMultiplyHighSaturatesOnlyTheMostNegativeSquare() throws Exception {
        Unit u = new Unit().set(1, 0x0000_4000_4000_8000L, 0).set(2, 0x0000_c000_4000_8000L, 0)
                .run("sqdmulh v0.4h, v1.4h, v2.4h");
        assertEquals(0x0000_e000_2000_7fffL, u.lo(0));
        assertEquals(FPSR_QC, u.flags());
    }

    @Test
    void reciprocalEstimatesHaveEightBitsOfPrecision() throws Exception {
        Unit u = new Unit().single(1, 2.0f).single(2, 4.0f).single(3, 0.0f)
                .run("frecpe s4, s1", "frsqrte s5, s2", "frecps s6, s1, s4");
        assertEquals(0x3eff8000, u.singleBits(4));
        assertEquals(0x3eff8000, u.singleBits(5));
        assertEquals(2.0f - 2.0f * u.singleValue(4), u.singleValue(6));
        u.run("frecpe s7, s3");
        assertEquals(Float.POSITIVE_INFINITY, u.singleValue(7));
        assertEquals(SoftFloat.FPSR_DZC, u.flags());
    }

    @Test
    void unallocatedEncodingsAreRejected() {
        FpSimdState s = new FpSimdState();
        TestRegisters g = new TestRegisters();
        // add v0.1d, v0.1d, v0.1d (size 11 with Q=0)
        assertFalse(FpSimdExecutor.execute(0x0ee08400, s, g));
        // aese v0.16b, v1.16b (crypto: not advertised)
        assertFalse(FpSimdExecutor.execute(0x4e284820, s, g));
        // fmov h0, #1.0 (FEAT_FP16)
        assertFalse(FpSimdExecutor.execute(0x1ee01000, s, g));
        // a load (not this unit's group)
        assertFalse(FpSimdExecutor.execute(0x3dc00020, s, g));
    }
}
