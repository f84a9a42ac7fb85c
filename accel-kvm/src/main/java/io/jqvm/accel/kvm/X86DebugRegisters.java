package io.jqvm.accel.kvm;

import io.jqvm.accel.GuestDebug;
import io.jqvm.accel.VcpuExit;
import java.util.ArrayList;
import java.util.List;

/**
 * A debugger's breakpoints and watchpoints ({@link GuestDebug}) as the x86 debug registers KVM_SET_GUEST_DEBUG
 * loads while the guest runs (Intel SDM vol. 3, 18.2): at most four, in DR0-DR3, each enabled globally in DR7 with
 * its kind (instruction, write, read/write) and length (1, 2, 4 or 8 aligned bytes). Software breakpoints take a
 * debug register too: jqvm plants no INT3 in guest memory. x86 has no read-only watchpoint, so one is refused, as
 * QEMU refuses it. Instruction breakpoints are faults (the instruction has not run); data breakpoints are traps.
 */
final class X86DebugRegisters {
    static final int SLOTS = 4;
    /** DR7.GE and the bit 10 that reads as one, as QEMU sets them. */
    private static final long DR7_BASE = 0x600;

    /** A slot: an instruction breakpoint ({@code watchpoint} null) or a watchpoint. */
    private record Slot(long address, GuestDebug.Watchpoint watchpoint) {
    }

    private final List<Slot> slots;

    private X86DebugRegisters(List<Slot> slots) {
        this.slots = slots;
    }

    /** Null when the debug registers can hold {@code debug}, else why not (for the debugger's error reply). */
    static String problem(GuestDebug debug) {
        int needed = debug.softwareBreakpoints().size() + debug.hardwareBreakpoints().size() + debug.watchpoints().size();
        if (needed > SLOTS) {
            return "x86 has " + SLOTS + " debug registers for breakpoints and watchpoints together, not " + needed;
        }
        for (GuestDebug.Watchpoint w : debug.watchpoints()) {
            if (w.access() == GuestDebug.Access.READ) {
                return "x86 debug registers cannot watch reads alone (use an access watchpoint)";
            }
            if (lengthBits(w.length()) < 0 || (w.address() & (w.length() - 1)) != 0) {
                return "x86 watches 1, 2, 4 or 8 bytes at an address aligned to their length, not " + w.length()
                        + " at 0x" + Long.toHexString(w.address());
            }
        }
        return null;
    }

    static X86DebugRegisters of(GuestDebug debug) {
        String problem = problem(debug);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        List<Slot> slots = new ArrayList<>();
        debug.softwareBreakpoints().forEach(a -> slots.add(new Slot(a, null)));
        debug.hardwareBreakpoints().forEach(a -> slots.add(new Slot(a, null)));
        debug.watchpoints().forEach(w -> slots.add(new Slot(w.address(), w)));
        return new X86DebugRegisters(List.copyOf(slots));
    }

    boolean isEmpty() {
        return slots.isEmpty();
    }

    /** DR0-DR3 (unused ones 0). */
    long[] addresses() {
        long[] dr = new long[SLOTS];
        for (int i = 0; i < slots.size(); i++) {
            dr[i] = slots.get(i).address();
        }
        return dr;
    }

    /** DR7: each used slot's G bit, R/W field (00 execute, 01 write, 11 read or write) and LEN field. */
    long dr7() {
        long dr7 = DR7_BASE;
        for (int i = 0; i < slots.size(); i++) {
            GuestDebug.Watchpoint w = slots.get(i).watchpoint();
            long rw = w == null ? 0 : w.access() == GuestDebug.Access.WRITE ? 1 : 3;
            long len = w == null ? 0 : lengthBits(w.length());
            dr7 |= 2L << (2 * i) | rw << (16 + 4 * i) | len << (18 + 4 * i);
        }
        return dr7;
    }

    /** What a KVM_EXIT_DEBUG with this DR6 means: the slot that fired (B0-B3), else a completed single step (BS). */
    VcpuExit.Debug stop(long dr6) {
        for (int i = 0; i < slots.size(); i++) {
            if ((dr6 & (1L << i)) != 0) {
                GuestDebug.Watchpoint w = slots.get(i).watchpoint();
                return w == null ? new VcpuExit.Debug(GuestDebug.Cause.BREAKPOINT, null, 0)
                        : new VcpuExit.Debug(GuestDebug.Cause.WATCHPOINT, w, w.address());
            }
        }
        return new VcpuExit.Debug(GuestDebug.Cause.STEP, null, 0);
    }

    private static long lengthBits(long length) {
        return switch ((int) Math.min(length, 16)) {
            case 1 -> 0;
            case 2 -> 1;
            case 4 -> 3;
            case 8 -> 2;
            default -> -1;
        };
    }
}
