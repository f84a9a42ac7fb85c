package io.jqvm.accel;

import java.util.Arrays;

/**
 * An x86-64 vCPU's registers, as Linux's {@code user_regs_struct} and GDB's {@code org.gnu.gdb.i386.core}
 * (64-bit) hold them, plus the control registers that say how to read its memory.
 *
 * @param gpr       the sixteen general registers in encoding order: rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15
 * @param rip       the instruction pointer
 * @param rflags    the flags
 * @param selectors segment selectors in encoding order: es, cs, ss, ds, fs, gs
 * @param fsBase    the FS base
 * @param gsBase    the GS base
 * @param cr0       CR0 (paging and protection enables)
 * @param cr3       CR3 (the page-table root)
 * @param cr4       CR4
 * @param efer      EFER (long mode)
 */
public record X86Registers(long[] gpr, long rip, long rflags, int[] selectors, long fsBase, long gsBase,
                           long cr0, long cr3, long cr4, long efer) implements Registers {
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    public static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

    public X86Registers {
        if (gpr.length != 16 || selectors.length != 6) {
            throw new IllegalArgumentException("x86-64 has 16 general registers and 6 segment registers");
        }
        gpr = gpr.clone();
        selectors = selectors.clone();
    }

    /** General register {@code n} in encoding order (8 = r8). */
    public long gpr(int n) {
        return gpr[n];
    }

    public int selector(int n) {
        return selectors[n];
    }

    @Override
    public long[] gpr() {
        return gpr.clone();
    }

    @Override
    public int[] selectors() {
        return selectors.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof X86Registers r && Arrays.equals(gpr, r.gpr) && rip == r.rip && rflags == r.rflags
                && Arrays.equals(selectors, r.selectors) && fsBase == r.fsBase && gsBase == r.gsBase && cr0 == r.cr0
                && cr3 == r.cr3 && cr4 == r.cr4 && efer == r.efer;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(gpr) * 31 + Long.hashCode(rip);
    }
}
