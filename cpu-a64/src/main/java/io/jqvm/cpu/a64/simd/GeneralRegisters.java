package io.jqvm.cpu.a64.simd;

/**
 * The integer side of the CPU as the SIMD&amp;FP unit sees it: general registers for moves and conversions
 * (FMOV, UMOV, DUP, SCVTF, FCVTZS, ...) and the NZCV flags for FCMP, FCCMP and FCSEL.
 * Register 31 reads as zero and discards writes (the zero register; no SIMD&amp;FP instruction addresses SP).
 */
public interface GeneralRegisters {
    long x(int n);

    void setX(int n, long value);

    /** NZCV in bits 3..0 (N=8, Z=4, C=2, V=1). */
    int nzcv();

    void setNzcv(int nzcv);
}
