package io.jqvm.cpu.a64;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
/**
 * The stage 1 translation of the EL1&amp;0 regime (4 KiB granule): the table walk with its permission rules,
 * and AT S1E{0,1}{R,W} into PAR_EL1. The soft TLB ({@link SoftTlb}) caches its results.
 */
abstract sealed class Stage1Walk extends Exceptions permits SoftTlb {
    // Result of the last table walk
    int walkFault;
    boolean walkDevice;
    long walkAttributes;
    long walkShareability;

    Stage1Walk(int index, PhysicalMemory phys, ExclusiveMonitor monitor, GuestIo io, ExitCounters counters, long epochNanos) {
        super(index, phys, monitor, io, counters, epochNanos);
    }

    /** Translates or raises the abort for {@code type}. */
    final long translate(long va, int accessEl, int type) {
        long pa = walk(va, accessEl, type);
        if (pa < 0) {
            abort(va, type, walkFault);
        }
        return pa;
    }

    /**
     * The EL1&amp;0 stage 1 walk with a 4 KiB granule. Returns the physical address, or -1 with the fault
     * status in {@link #walkFault}. Sets {@link #walkDevice} and the memory attributes for PAR_EL1.
     */
    final long walk(long va, int accessEl, int type) {
        walkDevice = false;
        walkAttributes = 0xFF;
        walkShareability = 0;
        if ((sctlr & SCTLR_M) == 0) {
            // MMU off: flat; treated as Normal memory so RAM keeps the fast path
            if ((va >>> 48) != 0) {
                walkFault = FSC_ADDRESS_SIZE;
                return -1;
            }
            return va;
        }
        boolean upper = (va & (1L << 55)) != 0;
        int txsz = (int) (upper ? tcr >>> 16 : tcr) & 0x3F;
        boolean tbi = (tcr & (upper ? 1L << 38 : 1L << 37)) != 0 && type != EXEC;
        boolean disabled = (tcr & (upper ? 1L << 23 : 1L << 7)) != 0;
        txsz = Math.max(16, Math.min(39, txsz));
        int inputSize = 64 - txsz;
        long topBits = tbi ? (va << 8) >> (inputSize + 8) : va >> inputSize;
        if (topBits != (upper ? -1L : 0L) || disabled) {
            walkFault = FSC_TRANSLATION;
            return -1;
        }
        long table = (upper ? ttbr1 : ttbr0) & 0x0000FFFFFFFFFFFEL;
        int level = 4 - (inputSize - 12 + 8) / 9;
        boolean tableNoEl0 = false;
        boolean tableReadOnly = false;
        boolean tableUxn = false;
        boolean tablePxn = false;
        while (true) {
            int shift = 12 + 9 * (3 - level);
            int indexBits = Math.min(9, inputSize - shift);
            long descriptorAddress = (table & ~7L) + (((va >>> shift) & ((1L << indexBits) - 1)) << 3);
            PhysicalMemory.Region region = phys.regionAt(descriptorAddress);
            if (region == null) {
                walkFault = FSC_EXTERNAL_WALK + level;
                return -1;
            }
            long descriptor = region.host.get(U64, descriptorAddress - region.base);
            int kind = (int) descriptor & 3;
            if ((kind & 1) == 0 || (level == 3 && kind == 1) || (level == 0 && kind == 1)) {
                walkFault = FSC_TRANSLATION + level;
                return -1;
            }
            if (level < 3 && kind == 3) {
                tablePxn |= (descriptor & (1L << 59)) != 0;
                tableUxn |= (descriptor & (1L << 60)) != 0;
                tableNoEl0 |= (descriptor & (1L << 61)) != 0;
                tableReadOnly |= (descriptor & (1L << 62)) != 0;
                table = descriptor & 0x0000FFFFFFFFF000L;
                level++;
                continue;
            }
            if ((descriptor & (1L << 10)) == 0) {
                walkFault = FSC_ACCESS_FLAG + level;
                return -1;
            }
            int ap = (int) (descriptor >>> 6) & 3;
            boolean el0Access = (ap & 1) != 0 && !tableNoEl0;
            boolean readOnly = (ap & 2) != 0 || tableReadOnly;
            boolean permitted = switch (type) {
                case READ -> accessEl == 1 || el0Access;
                case WRITE -> !readOnly && (accessEl == 1 || el0Access);
                default -> {
                    // EL0 may execute what it cannot read (execute-only memory): only UXN and WXN forbid it.
                    // EL1 may not execute what EL0 can write (an implicit PXN), nor with WXN what it can write.
                    boolean writable = !readOnly && (accessEl == 1 || el0Access);
                    boolean wxn = (sctlr & SCTLR_WXN) != 0 && writable;
                    yield accessEl == 0
                            ? (descriptor & (1L << 54)) == 0 && !tableUxn && !wxn
                            : (descriptor & (1L << 53)) == 0 && !tablePxn && !wxn && !(el0Access && !readOnly);
                }
            };
            if (!permitted) {
                walkFault = FSC_PERMISSION + level;
                return -1;
            }
            long blockMask = (1L << shift) - 1;
            walkAttributes = (mair >>> (8 * ((descriptor >>> 2) & 7))) & 0xFF;
            walkDevice = (walkAttributes & 0xF0) == 0;
            walkShareability = (descriptor >>> 8) & 3;
            return (descriptor & 0x0000FFFFFFFFF000L & ~blockMask) | (va & blockMask);
        }
    }

    /**
     * A debugger's read-only translation: the walk as an EL1 read, with no fault raised and no TLB filled;
     * -1 where nothing is mapped.
     */
    final long debuggerTranslate(long va) {
        return walk(va, 1, READ);
    }

    /** AT S1E1R/W, S1E0R/W: the walk's result in PAR_EL1, never a fault. */
    final void addressTranslate(long va, int accessEl, boolean write) {
        long pa = walk(va, accessEl, write ? WRITE : READ);
        if (pa < 0) {
            par = 1L | (long) walkFault << 1 | 1L << 11;
        } else {
            par = (walkAttributes << 56) | (pa & 0x0000FFFFFFFFF000L) | (walkShareability << 7);
        }
    }
}
