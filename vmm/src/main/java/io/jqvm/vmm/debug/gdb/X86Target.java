package io.jqvm.vmm.debug.gdb;

import io.jqvm.accel.Registers;
import io.jqvm.accel.X86Registers;
import java.util.ArrayList;
import java.util.List;

/**
 * x86-64 as gdb's {@code i386:x86-64} descriptions number it: {@code org.gnu.gdb.i386.core} (the sixteen general
 * registers in gdb's order, rip, eflags, the six selectors, and the x87 registers gdb requires there),
 * {@code org.gnu.gdb.i386.sse} (xmm0-15, mxcsr) and {@code org.gnu.gdb.i386.segments} (fs_base, gs_base). The
 * vCPU reports the general, segment and base registers; the x87 and SSE state reads as zero and writes to it
 * are dropped.
 */
final class X86Target extends TargetArch {
    private static final String CORE = "org.gnu.gdb.i386.core";
    private static final String SSE = "org.gnu.gdb.i386.sse";
    private static final String SEGMENTS = "org.gnu.gdb.i386.segments";
    /** gdb's general-register order as indexes into {@link X86Registers#gpr()} (encoding order). */
    private static final int[] GPR = {X86Registers.RAX, X86Registers.RBX, X86Registers.RCX, X86Registers.RDX,
        X86Registers.RSI, X86Registers.RDI, X86Registers.RBP, X86Registers.RSP, 8, 9, 10, 11, 12, 13, 14, 15};
    /** gdb's selector order (cs ss ds es fs gs) as indexes into {@link X86Registers#selectors()}. */
    private static final int[] SELECTORS = {X86Registers.CS, X86Registers.SS, X86Registers.DS, X86Registers.ES,
        X86Registers.FS, X86Registers.GS};
    private static final int RIP = 16;
    private static final int EFLAGS = 17;
    private static final int FIRST_SELECTOR = 18;
    private static final int FS_BASE = 57;
    private static final int GS_BASE = 58;

    X86Target() {
        super("i386:x86-64", describe());
    }

    private static List<Register> describe() {
        List<Register> list = new ArrayList<>();
        for (String name : List.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi")) {
            list.add(new Register(name, 64, "int64", CORE));
        }
        list.add(new Register("rbp", 64, "data_ptr", CORE));
        list.add(new Register("rsp", 64, "data_ptr", CORE));
        for (int i = 8; i < 16; i++) {
            list.add(new Register("r" + i, 64, "int64", CORE));
        }
        list.add(new Register("rip", 64, "code_ptr", CORE));
        list.add(new Register("eflags", 32, "int32", CORE));
        for (String name : List.of("cs", "ss", "ds", "es", "fs", "gs")) {
            list.add(new Register(name, 32, "int32", CORE));
        }
        list.addAll(numbered("st", 8, 80, "i387_ext", CORE));
        for (String name : List.of("fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop")) {
            list.add(new Register(name, 32, "int", CORE));
        }
        list.addAll(numbered("xmm", 16, 128, "vec128", SSE));
        list.add(new Register("mxcsr", 32, "int", SSE));
        list.add(new Register("fs_base", 64, "int", SEGMENTS));
        list.add(new Register("gs_base", 64, "int", SEGMENTS));
        return list;
    }

    @Override
    boolean breakpointKind(int kind) {
        return kind == 1;
    }

    @Override
    long pc(Registers registers) {
        return ((X86Registers) registers).rip();
    }

    @Override
    long[][] values(Registers registers) {
        X86Registers r = (X86Registers) registers;
        long[][] values = new long[registers().size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = value(0);
        }
        for (int i = 0; i < GPR.length; i++) {
            values[i] = value(r.gpr(GPR[i]));
        }
        values[RIP] = value(r.rip());
        values[EFLAGS] = value(r.rflags() & 0xFFFF_FFFFL);
        for (int i = 0; i < SELECTORS.length; i++) {
            values[FIRST_SELECTOR + i] = value(r.selector(SELECTORS[i]) & 0xFFFF);
        }
        values[FS_BASE] = value(r.fsBase());
        values[GS_BASE] = value(r.gsBase());
        return values;
    }

    @Override
    Registers withValues(Registers original, long[][] values) {
        X86Registers r = (X86Registers) original;
        long[] gpr = new long[16];
        for (int i = 0; i < GPR.length; i++) {
            gpr[GPR[i]] = values[i][0];
        }
        int[] selectors = new int[6];
        for (int i = 0; i < SELECTORS.length; i++) {
            selectors[SELECTORS[i]] = (int) values[FIRST_SELECTOR + i][0] & 0xFFFF;
        }
        return new X86Registers(gpr, values[RIP][0], (r.rflags() & ~0xFFFF_FFFFL) | values[EFLAGS][0], selectors,
                values[FS_BASE][0], values[GS_BASE][0], r.cr0(), r.cr3(), r.cr4(), r.efer());
    }
}
