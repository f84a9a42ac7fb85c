package io.jqvm.vmm.debug.gdb;

import io.jqvm.accel.A64Registers;
import io.jqvm.accel.Registers;
import java.util.ArrayList;
import java.util.List;

/**
 * AArch64 as gdb's {@code org.gnu.gdb.aarch64.core} and {@code org.gnu.gdb.aarch64.fpu} features number it: x0-x30,
 * sp, pc, cpsr (32 bits), then v0-v31 (128 bits), fpsr and fpcr (32 bits), QEMU's numbering too. With the fpu
 * feature gdb adds its own q, d, s, h and b views of the V registers.
 */
final class A64Target extends TargetArch {
    private static final String CORE = "org.gnu.gdb.aarch64.core";
    static final String FPU = "org.gnu.gdb.aarch64.fpu";
    private static final int SP = 31;
    private static final int PC = 32;
    private static final int CPSR = 33;
    private static final int V0 = 34;
    private static final int FPSR = V0 + A64Registers.VECTOR_REGISTERS;
    private static final int FPCR = FPSR + 1;

    A64Target() {
        super("aarch64", describe());
    }

    private static List<Register> describe() {
        List<Register> list = new ArrayList<>(numbered("x", 31, 64, "int", CORE));
        list.add(new Register("sp", 64, "data_ptr", CORE));
        list.add(new Register("pc", 64, "code_ptr", CORE));
        list.add(new Register("cpsr", 32, "int", CORE));
        list.addAll(numbered("v", A64Registers.VECTOR_REGISTERS, 128, "aarch64v", FPU));
        list.add(new Register("fpsr", 32, "int", FPU));
        list.add(new Register("fpcr", 32, "int", FPU));
        return list;
    }

    @Override
    boolean breakpointKind(int kind) {
        return kind == 4;
    }

    @Override
    long pc(Registers registers) {
        return ((A64Registers) registers).pc();
    }

    @Override
    long[][] values(Registers registers) {
        A64Registers r = (A64Registers) registers;
        long[][] values = new long[registers().size()][];
        for (int i = 0; i < A64Registers.GENERAL_REGISTERS; i++) {
            values[i] = value(r.x(i));
        }
        values[SP] = value(r.sp());
        values[PC] = value(r.pc());
        values[CPSR] = value(r.pstate() & 0xFFFF_FFFFL);
        for (int n = 0; n < A64Registers.VECTOR_REGISTERS; n++) {
            values[V0 + n] = new long[] {r.vLow(n), r.vHigh(n)};
        }
        values[FPSR] = value(r.fpsr() & 0xFFFF_FFFFL);
        values[FPCR] = value(r.fpcr() & 0xFFFF_FFFFL);
        return values;
    }

    @Override
    Registers withValues(Registers original, long[][] values) {
        long[] x = new long[A64Registers.GENERAL_REGISTERS];
        for (int i = 0; i < x.length; i++) {
            x[i] = values[i][0];
        }
        long[] v = new long[2 * A64Registers.VECTOR_REGISTERS];
        for (int n = 0; n < A64Registers.VECTOR_REGISTERS; n++) {
            v[2 * n] = values[V0 + n][0];
            v[2 * n + 1] = values[V0 + n][1];
        }
        return new A64Registers(x, values[SP][0], values[PC][0], values[CPSR][0], v, (int) values[FPSR][0],
                (int) values[FPCR][0]);
    }
}
