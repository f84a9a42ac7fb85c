package io.jqvm.cpu.a64.simd;

/**
 * The SIMD&amp;FP register file: 32 128-bit V registers as pairs of longs ({@code v[2n]} the low 64 bits,
 * {@code v[2n+1]} the high 64 bits, little-endian lane order), FPCR and FPSR.
 * Plain fields: owned by one vCPU thread.
 */
public final class FpSimdState {
    public final long[] v = new long[64];
    public int fpcr;
    public int fpsr;
}
