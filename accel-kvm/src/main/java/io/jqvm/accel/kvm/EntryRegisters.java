package io.jqvm.accel.kvm;

import io.jqvm.accel.X86Entry;
import io.jqvm.common.Hex;
import io.jqvm.kvm.sys.KvmStructs;
import java.lang.foreign.MemorySegment;

import static io.jqvm.kvm.sys.KvmConstants.CR0_ET;
import static io.jqvm.kvm.sys.KvmConstants.CR0_PE;
import static io.jqvm.kvm.sys.KvmConstants.CR0_PG;
import static io.jqvm.kvm.sys.KvmConstants.CR4_PAE;
import static io.jqvm.kvm.sys.KvmConstants.EFER_LMA;
import static io.jqvm.kvm.sys.KvmConstants.EFER_LME;
import static io.jqvm.kvm.sys.KvmConstants.RFLAGS_FIXED;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Turns an {@link X86Entry} into {@code kvm_regs} and {@code kvm_sregs} contents. Segments are flat and
 * use the selectors of the Linux boot protocol (code 0x10, data 0x18), which Multiboot also accepts.
 */
final class EntryRegisters {
    static final int CODE_SELECTOR = 0x10;
    static final int DATA_SELECTOR = 0x18;
    private static final int TYPE_DATA_READ_WRITE_ACCESSED = 0x3;
    private static final int TYPE_CODE_EXECUTE_READ_ACCESSED = 0xb;
    private static final int TYPE_LDT = 0x2;
    private static final int TYPE_BUSY_TSS = 0xb;
    private static final int REAL_MODE_LIMIT = 0xffff;
    private static final int FLAT_LIMIT = 0xffffffff;

    static final long REGS_RAX = KvmStructs.offset(KvmStructs.REGS, "rax");
    static final long REGS_RBX = KvmStructs.offset(KvmStructs.REGS, "rbx");
    static final long REGS_RSI = KvmStructs.offset(KvmStructs.REGS, "rsi");
    static final long REGS_RSP = KvmStructs.offset(KvmStructs.REGS, "rsp");
    static final long REGS_RIP = KvmStructs.offset(KvmStructs.REGS, "rip");
    static final long REGS_RFLAGS = KvmStructs.offset(KvmStructs.REGS, "rflags");

    static final long SREGS_CR0 = KvmStructs.offset(KvmStructs.SREGS, "cr0");
    static final long SREGS_CR3 = KvmStructs.offset(KvmStructs.SREGS, "cr3");
    static final long SREGS_CR4 = KvmStructs.offset(KvmStructs.SREGS, "cr4");
    static final long SREGS_EFER = KvmStructs.offset(KvmStructs.SREGS, "efer");
    private static final long SREGS_GDT_BASE = KvmStructs.offset(KvmStructs.SREGS, "gdt", "base");
    private static final long SREGS_GDT_LIMIT = KvmStructs.offset(KvmStructs.SREGS, "gdt", "limit");
    private static final long SREGS_IDT_BASE = KvmStructs.offset(KvmStructs.SREGS, "idt", "base");
    private static final long SREGS_IDT_LIMIT = KvmStructs.offset(KvmStructs.SREGS, "idt", "limit");

    private static final long SEG_BASE = KvmStructs.offset(KvmStructs.SEGMENT, "base");
    private static final long SEG_LIMIT = KvmStructs.offset(KvmStructs.SEGMENT, "limit");
    static final long SEG_SELECTOR = KvmStructs.offset(KvmStructs.SEGMENT, "selector");
    private static final long SEG_TYPE = KvmStructs.offset(KvmStructs.SEGMENT, "type");
    private static final long SEG_PRESENT = KvmStructs.offset(KvmStructs.SEGMENT, "present");
    private static final long SEG_DPL = KvmStructs.offset(KvmStructs.SEGMENT, "dpl");
    private static final long SEG_DB = KvmStructs.offset(KvmStructs.SEGMENT, "db");
    private static final long SEG_S = KvmStructs.offset(KvmStructs.SEGMENT, "s");
    private static final long SEG_L = KvmStructs.offset(KvmStructs.SEGMENT, "l");
    private static final long SEG_G = KvmStructs.offset(KvmStructs.SEGMENT, "g");
    private static final long SEG_AVL = KvmStructs.offset(KvmStructs.SEGMENT, "avl");
    private static final long SEG_UNUSABLE = KvmStructs.offset(KvmStructs.SEGMENT, "unusable");

    private static final String[] DATA_SEGMENTS = {"ds", "es", "fs", "gs", "ss"};

    private EntryRegisters() {
    }

    /** Refuses entry states no x86 CPU can start in: 32-bit modes with addresses beyond 4 GiB. */
    static void check(X86Entry entry) {
        if (entry.mode() != X86Entry.Mode.LONG64 && ((entry.rip() | entry.rsp()) >>> 32) != 0) {
            throw new IllegalArgumentException(entry.mode() + " entry with rip " + Hex.of(entry.rip()) + " and rsp "
                    + Hex.of(entry.rsp()) + ": a 32-bit mode cannot address beyond 4 GiB");
        }
        if (entry.mode() == X86Entry.Mode.LONG64 && entry.cr3() == 0) {
            throw new IllegalArgumentException("LONG64 entry without page tables: cr3 is 0");
        }
    }

    /** Fills {@code regs} entirely: the entry's registers, everything else zero, interrupts off. */
    static void fillRegs(X86Entry entry, MemorySegment regs) {
        regs.fill((byte) 0);
        boolean real = entry.mode() == X86Entry.Mode.REAL;
        regs.set(JAVA_LONG, REGS_RIP, real ? entry.rip() & 0xffff : entry.rip());
        regs.set(JAVA_LONG, REGS_RSP, entry.rsp());
        regs.set(JAVA_LONG, REGS_RAX, entry.rax());
        regs.set(JAVA_LONG, REGS_RBX, entry.rbx());
        regs.set(JAVA_LONG, REGS_RSI, entry.rsi());
        regs.set(JAVA_LONG, REGS_RFLAGS, RFLAGS_FIXED);
    }

    /**
     * Rewrites the mode-defining parts of {@code sregs} (as KVM_GET_SREGS returned them, so the APIC base
     * and pending-interrupt bitmap are kept): segments, control registers, EFER and the GDT.
     */
    static void fillSregs(X86Entry entry, MemorySegment sregs) {
        switch (entry.mode()) {
            case REAL -> {
                long csBase = entry.rip() & ~0xffffL;
                segment(sregs, "cs", csBase, REAL_MODE_LIMIT, (int) (csBase >>> 4), TYPE_CODE_EXECUTE_READ_ACCESSED, false, false, false);
                for (String name : DATA_SEGMENTS) {
                    segment(sregs, name, 0, REAL_MODE_LIMIT, 0, TYPE_DATA_READ_WRITE_ACCESSED, false, false, false);
                }
                controlRegisters(sregs, CR0_ET, 0, 0, 0);
            }
            case PROTECTED32 -> {
                segment(sregs, "cs", 0, FLAT_LIMIT, CODE_SELECTOR, TYPE_CODE_EXECUTE_READ_ACCESSED, false, true, true);
                flatDataSegments(sregs);
                controlRegisters(sregs, CR0_ET | CR0_PE, 0, 0, 0);
            }
            case LONG64 -> {
                segment(sregs, "cs", 0, FLAT_LIMIT, CODE_SELECTOR, TYPE_CODE_EXECUTE_READ_ACCESSED, true, false, true);
                flatDataSegments(sregs);
                controlRegisters(sregs, CR0_ET | CR0_PE | CR0_PG, entry.cr3(), CR4_PAE, EFER_LME | EFER_LMA);
            }
        }
        systemSegment(sregs, "tr", TYPE_BUSY_TSS);
        systemSegment(sregs, "ldt", TYPE_LDT);
        sregs.set(JAVA_LONG, SREGS_IDT_BASE, 0);
        sregs.set(JAVA_SHORT, SREGS_IDT_LIMIT, (short) REAL_MODE_LIMIT);
        if (entry.gdtBase() != 0) {
            sregs.set(JAVA_LONG, SREGS_GDT_BASE, entry.gdtBase());
            sregs.set(JAVA_SHORT, SREGS_GDT_LIMIT, (short) entry.gdtLimit());
        }
    }

    private static void flatDataSegments(MemorySegment sregs) {
        for (String name : DATA_SEGMENTS) {
            segment(sregs, name, 0, FLAT_LIMIT, DATA_SELECTOR, TYPE_DATA_READ_WRITE_ACCESSED, false, true, true);
        }
    }

    private static void controlRegisters(MemorySegment sregs, long cr0, long cr3, long cr4, long efer) {
        sregs.set(JAVA_LONG, SREGS_CR0, cr0);
        sregs.set(JAVA_LONG, SREGS_CR3, cr3);
        sregs.set(JAVA_LONG, SREGS_CR4, cr4);
        sregs.set(JAVA_LONG, SREGS_EFER, efer);
    }

    private static void segment(MemorySegment sregs, String name, long base, int limit, int selector, int type,
                                boolean code64, boolean big, boolean pageGranular) {
        MemorySegment s = sregs.asSlice(KvmStructs.offset(KvmStructs.SREGS, name), KvmStructs.SEGMENT.byteSize());
        s.fill((byte) 0);
        s.set(JAVA_LONG, SEG_BASE, base);
        s.set(JAVA_INT, SEG_LIMIT, limit);
        s.set(JAVA_SHORT, SEG_SELECTOR, (short) selector);
        s.set(JAVA_BYTE, SEG_TYPE, (byte) type);
        s.set(JAVA_BYTE, SEG_PRESENT, (byte) 1);
        s.set(JAVA_BYTE, SEG_DPL, (byte) 0);
        s.set(JAVA_BYTE, SEG_DB, (byte) (big ? 1 : 0));
        s.set(JAVA_BYTE, SEG_S, (byte) 1);
        s.set(JAVA_BYTE, SEG_L, (byte) (code64 ? 1 : 0));
        s.set(JAVA_BYTE, SEG_G, (byte) (pageGranular ? 1 : 0));
        s.set(JAVA_BYTE, SEG_AVL, (byte) 0);
        s.set(JAVA_BYTE, SEG_UNUSABLE, (byte) 0);
    }

    /** TR and LDTR as at reset: null selector, present, so that VM entry accepts them in any mode. */
    private static void systemSegment(MemorySegment sregs, String name, int type) {
        MemorySegment s = sregs.asSlice(KvmStructs.offset(KvmStructs.SREGS, name), KvmStructs.SEGMENT.byteSize());
        s.fill((byte) 0);
        s.set(JAVA_INT, SEG_LIMIT, REAL_MODE_LIMIT);
        s.set(JAVA_BYTE, SEG_TYPE, (byte) type);
        s.set(JAVA_BYTE, SEG_PRESENT, (byte) 1);
    }

    /** The selector of segment {@code name} in {@code sregs}, for register dumps. */
    static int selector(MemorySegment sregs, String name) {
        return Short.toUnsignedInt(sregs.get(JAVA_SHORT, KvmStructs.offset(KvmStructs.SREGS, name) + SEG_SELECTOR));
    }
}
