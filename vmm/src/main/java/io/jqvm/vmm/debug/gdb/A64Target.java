package io.jqvm.vmm.debug.gdb;

import io.jqvm.accel.A64Registers;
import io.jqvm.accel.Registers;
import java.util.ArrayList;
import java.util.List;

/**
 * AArch64 as gdb's {@code org.gnu.gdb.aarch64.core} feature numbers it: x0-x30, sp, pc, cpsr (32 bits). The
 * FP/SIMD registers ({@code org.gnu.gdb.aarch64.fpu}, optional for gdb) are not described: the vCPU interface
 * does not report them yet.
 */
final class A64Target extends TargetArch {
    private static final String CORE = "org.gnu.gdb.aarch64.core";
    private static final int SP = 31;
    private static final int PC = 32;
    private static final int CPSR = 33;

    A64Target() {
        super("aarch64", describe());
    }

    private static List<Register> describe() {
        List<Register> list = new ArrayList<>(numbered("x", 31, 64, "int", CORE));
        list.add(new Register("sp", 64, "data_ptr", CORE));
        list.add(new Register("pc", 64, "code_ptr", CORE));
        list.add(new Register("cpsr", 32, "int", CORE));
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
        return values;
    }

    @Override
    Registers withValues(Registers original, long[][] values) {
        long[] x = new long[A64Registers.GENERAL_REGISTERS];
        for (int i = 0; i < x.length; i++) {
            x[i] = values[i][0];
        }
        return new A64Registers(x, values[SP][0], values[PC][0], values[CPSR][0]);
    }
}
