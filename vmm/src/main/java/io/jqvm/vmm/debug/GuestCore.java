package io.jqvm.vmm.debug;

import io.jqvm.accel.A64Registers;
import io.jqvm.accel.Registers;
import io.jqvm.accel.X86Registers;
import io.jqvm.common.Arch;
import io.jqvm.memory.GuestRegion;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A guest core in the format qvm writes and gdb reads: an ELF64 {@code ET_CORE} file whose PT_NOTE holds one
 * {@code NT_PRSTATUS} per vCPU (Linux's {@code elf_prstatus}, with the registers in the guest architecture's
 * {@code user_regs_struct} / {@code user_pt_regs} layout and the vCPU index + 1 as its thread id) and whose
 * PT_LOAD segments are guest memory at guest-physical addresses. A guest that runs with the MMU off or
 * identity-mapped can be debugged from it with its own ELF: {@code gdb-multiarch guest.elf -c core}.
 */
public final class GuestCore {
    static final int EM_X86_64 = 62;
    static final int EM_AARCH64 = 183;
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    static final int NT_PRSTATUS = 1;
    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final long PAGE = 0x1000;
    /** elf_prstatus up to pr_reg: siginfo, cursig, sigpend, sighold, pid/ppid/pgrp/sid and four timevals. */
    private static final int PRSTATUS_PREFIX = 112;
    private static final int PRSTATUS_PID = 32;
    private static final int CHUNK = 1 << 20;

    private GuestCore() {
    }

    /**
     * Writes the core of a guest stopped with these registers (one per vCPU, null for a vCPU that could not be
     * read, which is left out) and memory regions.
     *
     * @param signal the signal number recorded as the cause (gdb's "terminated with signal")
     */
    public static void write(OutputStream out, Arch arch, List<Registers> vcpus, List<GuestRegion> memory, int signal)
            throws IOException {
        byte[] notes = notes(arch, vcpus, signal);
        int segments = 1 + memory.size();
        long notesOffset = EHDR_SIZE + (long) PHDR_SIZE * segments;
        long dataOffset = align(notesOffset + notes.length);
        ByteBuffer head = ByteBuffer.allocate((int) dataOffset).order(ByteOrder.LITTLE_ENDIAN);
        elfHeader(head, arch == Arch.X86_64 ? EM_X86_64 : EM_AARCH64, segments);
        programHeader(head, PT_NOTE, 0, notesOffset, 0, notes.length, 4);
        long offset = dataOffset;
        for (GuestRegion region : memory) {
            programHeader(head, PT_LOAD, region.readOnly() ? 5 : 7, offset, region.base(), region.size(), PAGE);
            offset += region.size();
        }
        head.put(notes);
        out.write(head.array());
        byte[] chunk = new byte[CHUNK];
        for (GuestRegion region : memory) {
            for (long at = 0; at < region.size(); at += CHUNK) {
                int n = (int) Math.min(CHUNK, region.size() - at);
                MemorySegment.copy(region.host(), ValueLayout.JAVA_BYTE, at, chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }
        out.flush();
    }

    private static long align(long offset) {
        return (offset + PAGE - 1) & -PAGE;
    }

    private static void elfHeader(ByteBuffer b, int machine, int segments) {
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */, 0 /* SysV */});
        b.put(new byte[8]);
        b.putShort((short) 4); // ET_CORE
        b.putShort((short) machine);
        b.putInt(1);
        b.putLong(0); // entry
        b.putLong(EHDR_SIZE); // program headers right after this header
        b.putLong(0); // no section headers
        b.putInt(0);
        b.putShort((short) EHDR_SIZE);
        b.putShort((short) PHDR_SIZE);
        b.putShort((short) segments);
        b.putShort((short) 64); // e_shentsize, as Linux writes it
        b.putShort((short) 0);
        b.putShort((short) 0);
    }

    private static void programHeader(ByteBuffer b, int type, int flags, long offset, long address, long size, long align) {
        b.putInt(type);
        b.putInt(flags);
        b.putLong(offset);
        b.putLong(address); // vaddr: the guest-physical address, what gdb uses with the MMU off
        b.putLong(address); // paddr
        b.putLong(size);
        b.putLong(size);
        b.putLong(align);
    }

    static byte[] notes(Arch arch, List<Registers> vcpus, int signal) {
        int regsSize = arch == Arch.X86_64 ? 27 * 8 : 34 * 8;
        int descSize = PRSTATUS_PREFIX + regsSize + 8; // + pr_fpvalid and padding
        int noteSize = 12 + 8 + descSize;
        ByteBuffer b = ByteBuffer.allocate(noteSize * vcpus.size()).order(ByteOrder.LITTLE_ENDIAN);
        int written = 0;
        for (int i = 0; i < vcpus.size(); i++) {
            Registers r = vcpus.get(i);
            if (r == null) {
                continue;
            }
            b.putInt(5).putInt(descSize).putInt(NT_PRSTATUS);
            b.put(new byte[] {'C', 'O', 'R', 'E', 0, 0, 0, 0});
            int desc = b.position();
            b.putInt(signal); // si_signo
            b.putInt(desc + 12, 0);
            b.putShort(desc + 12, (short) signal); // pr_cursig
            b.putInt(desc + PRSTATUS_PID, i + 1);
            b.position(desc + PRSTATUS_PREFIX);
            switch (r) {
                case X86Registers x -> x86UserRegs(b, x);
                case A64Registers a -> a64UserRegs(b, a);
            }
            b.position(desc + descSize);
            written++;
        }
        byte[] out = new byte[noteSize * written];
        b.flip().get(out);
        return out;
    }

    /** Linux x86-64 {@code user_regs_struct}. */
    private static void x86UserRegs(ByteBuffer b, X86Registers r) {
        long[] order = {r.gpr(15), r.gpr(14), r.gpr(13), r.gpr(12), r.gpr(X86Registers.RBP), r.gpr(X86Registers.RBX),
            r.gpr(11), r.gpr(10), r.gpr(9), r.gpr(8), r.gpr(X86Registers.RAX), r.gpr(X86Registers.RCX),
            r.gpr(X86Registers.RDX), r.gpr(X86Registers.RSI), r.gpr(X86Registers.RDI), -1 /* orig_rax */, r.rip(),
            r.selector(X86Registers.CS), r.rflags(), r.gpr(X86Registers.RSP), r.selector(X86Registers.SS), r.fsBase(),
            r.gsBase(), r.selector(X86Registers.DS), r.selector(X86Registers.ES), r.selector(X86Registers.FS),
            r.selector(X86Registers.GS)};
        for (long v : order) {
            b.putLong(v);
        }
    }

    /** Linux arm64 {@code user_pt_regs}: x0-x30, sp, pc, pstate. */
    private static void a64UserRegs(ByteBuffer b, A64Registers r) {
        for (int i = 0; i < A64Registers.GENERAL_REGISTERS; i++) {
            b.putLong(r.x(i));
        }
        b.putLong(r.sp()).putLong(r.pc()).putLong(r.pstate());
    }
}
