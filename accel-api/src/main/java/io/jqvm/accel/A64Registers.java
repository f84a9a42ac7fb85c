package io.jqvm.accel;

import java.util.Arrays;

/**
 * An AArch64 vCPU's general registers, as Linux's {@code user_pt_regs} and GDB's
 * {@code org.gnu.gdb.aarch64.core} hold them.
 *
 * @param x      x0 to x30
 * @param sp     the stack pointer of the current exception level and SPSel
 * @param pc     the address of the next instruction
 * @param pstate PSTATE in SPSR_ELx layout (NZCV, DAIF, EL and SP selection)
 */
public record A64Registers(long[] x, long sp, long pc, long pstate) implements Registers {
    public static final int GENERAL_REGISTERS = 31;

    public A64Registers {
        if (x.length != GENERAL_REGISTERS) {
            throw new IllegalArgumentException("AArch64 has 31 general registers, not " + x.length);
        }
        x = x.clone();
    }

    @Override
    public long[] x() {
        return x.clone();
    }

    public long x(int n) {
        return x[n];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof A64Registers r && Arrays.equals(x, r.x) && sp == r.sp && pc == r.pc && pstate == r.pstate;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(x) * 31 + Long.hashCode(pc);
    }
}
