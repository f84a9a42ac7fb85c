package io.jqvm.accel;

import java.util.Arrays;

/**
 * An AArch64 vCPU's registers as Linux's {@code user_pt_regs} and {@code user_fpsimd_state} hold them, and GDB's
 * {@code org.gnu.gdb.aarch64.core} and {@code org.gnu.gdb.aarch64.fpu} features.
 *
 * @param x      x0 to x30
 * @param sp     the stack pointer of the current exception level and SPSel
 * @param pc     the address of the next instruction
 * @param pstate PSTATE in SPSR_ELx layout (NZCV, DAIF, EL and SP selection)
 * @param v      the 32 128-bit SIMD&amp;FP registers V0-V31 as pairs of longs: {@code v[2n]} the low and
 *               {@code v[2n+1]} the high 64 bits of Vn
 * @param fpsr   FPSR (cumulative exception flags, QC)
 * @param fpcr   FPCR (rounding mode, flush-to-zero, default NaN, trap enables)
 */
public record A64Registers(long[] x, long sp, long pc, long pstate, long[] v, int fpsr, int fpcr) implements Registers {
    public static final int GENERAL_REGISTERS = 31;
    public static final int VECTOR_REGISTERS = 32;

    public A64Registers {
        if (x.length != GENERAL_REGISTERS) {
            throw new IllegalArgumentException("AArch64 has 31 general registers, not " + x.length);
        }
        if (v.length != 2 * VECTOR_REGISTERS) {
            throw new IllegalArgumentException("AArch64's 32 V registers are 64 longs, not " + v.length);
        }
        x = x.clone();
        v = v.clone();
    }

    /** General registers only: V0-V31, FPSR and FPCR zero (a vCPU that has not used its FP/SIMD unit). */
    public A64Registers(long[] x, long sp, long pc, long pstate) {
        this(x, sp, pc, pstate, new long[2 * VECTOR_REGISTERS], 0, 0);
    }

    @Override
    public long[] x() {
        return x.clone();
    }

    public long x(int n) {
        return x[n];
    }

    @Override
    public long[] v() {
        return v.clone();
    }

    /** The low 64 bits of Vn. */
    public long vLow(int n) {
        return v[2 * n];
    }

    /** The high 64 bits of Vn. */
    public long vHigh(int n) {
        return v[2 * n + 1];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof A64Registers r && Arrays.equals(x, r.x) && sp == r.sp && pc == r.pc && pstate == r.pstate
                && Arrays.equals(v, r.v) && fpsr == r.fpsr && fpcr == r.fpcr;
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(x) * 31 + Long.hashCode(pc)) * 31 + Arrays.hashCode(v);
    }
}
