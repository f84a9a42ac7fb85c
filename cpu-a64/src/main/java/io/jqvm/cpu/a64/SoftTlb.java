package io.jqvm.cpu.a64;

import static io.jqvm.cpu.a64.IntegerOps.mask;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestDebug;
import io.jqvm.accel.GuestFault;
import io.jqvm.accel.GuestIo;
import io.jqvm.accel.VcpuExit;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Data and instruction access through the soft TLB: direct-mapped read, write and execute entries per
 * exception level that map a virtual page to a host {@link MemorySegment} (or, for execution, to a
 * {@link CodePage}); the slow paths that walk the tables, check alignment and watchpoints, fill the TLB,
 * drop code pages that are written, and send accesses without RAM behind them to the devices.
 */
abstract sealed class SoftTlb extends Stage1Walk permits RegionContract {

    // Soft TLB: 256 entries per exception level, direct-mapped by virtual page number
    static final int TLB_BITS = 8;
    static final int TLB_MASK = (1 << TLB_BITS) - 1;
    static final int TLB_SIZE = 2 << TLB_BITS;

    // Soft TLBs: tag = virtual page number (-1 = empty), index | (accessEl << TLB_BITS)
    final long[] readTag = new long[TLB_SIZE];
    final MemorySegment[] readHost = new MemorySegment[TLB_SIZE];
    final long[] readOffset = new long[TLB_SIZE];
    final long[] writeTag = new long[TLB_SIZE];
    final MemorySegment[] writeHost = new MemorySegment[TLB_SIZE];
    final long[] writeOffset = new long[TLB_SIZE];
    final long[] execTag = new long[TLB_SIZE];
    final CodePage[] execPage = new CodePage[TLB_SIZE];
    long seenTlbGeneration;
    long seenCodeGeneration;

    SoftTlb(int index, PhysicalMemory phys, ExclusiveMonitor monitor, GuestIo io, ExitCounters counters, long epochNanos) {
        super(index, phys, monitor, io, counters, epochNanos);
    }

    /** The decoded page for the instruction at {@code address}, through the exec TLB. */
    final CodePage fetchPage(long address) {
        if (illegalState) {
            syncException(EC_ILLEGAL_STATE, 0, address);
        }
        if ((address & 3) != 0) {
            far = address;
            syncException(EC_PC_ALIGN, 0, address);
        }
        long vpn = address >>> 12;
        if (debuggerBatch && Arrays.binarySearch(debuggerBreakpointPages, vpn) >= 0) {
            pc = address; // not fetched: the debugger's run loop takes this page one instruction at a time
            throw ExceptionTaken.INSTANCE;
        }
        int slot = ((int) vpn & TLB_MASK) | (el << TLB_BITS);
        CodePage page = execPage[slot];
        if (execTag[slot] != vpn || !page.valid) {
            long pa = translate(address, el, EXEC);
            PhysicalMemory.Region region = phys.regionAt(pa);
            if (region == null) {
                abort(address, EXEC, FSC_EXTERNAL);
            }
            long generation = phys.codeGeneration();
            page = phys.codePage(region, pa);
            execTag[slot] = vpn;
            execPage[slot] = page;
            if (phys.codeGeneration() != generation) {
                Arrays.fill(writeTag, -1L); // a new code page may be in the write TLB: its stores must take the slow path
            }
        }
        currentPage = page;
        currentPageNumber = vpn;
        return page;
    }

    static int slot(long vpn, int accessEl) {
        return ((int) vpn & TLB_MASK) | (accessEl << TLB_BITS);
    }

    final long read8(long va, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (readTag[i] == vpn) {
            return readHost[i].get(U8, readOffset[i] + (va & 0xFFF)) & 0xFFL;
        }
        return slowRead(va, 1, accessEl);
    }

    final long read16(long va, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (readTag[i] == vpn && (va & 0xFFF) <= 0xFFE) {
            return readHost[i].get(U16, readOffset[i] + (va & 0xFFF)) & 0xFFFFL;
        }
        return slowRead(va, 2, accessEl);
    }

    final long read32(long va, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (readTag[i] == vpn && (va & 0xFFF) <= 0xFFC) {
            return readHost[i].get(U32, readOffset[i] + (va & 0xFFF)) & M32;
        }
        return slowRead(va, 4, accessEl);
    }

    final long read64(long va, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (readTag[i] == vpn && (va & 0xFFF) <= 0xFF8) {
            return readHost[i].get(U64, readOffset[i] + (va & 0xFFF));
        }
        return slowRead(va, 8, accessEl);
    }

    final void write8(long va, long value, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (writeTag[i] == vpn) {
            writeHost[i].set(U8, writeOffset[i] + (va & 0xFFF), (byte) value);
        } else {
            slowWrite(va, 1, value, accessEl);
        }
    }

    final void write16(long va, long value, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (writeTag[i] == vpn && (va & 0xFFF) <= 0xFFE) {
            writeHost[i].set(U16, writeOffset[i] + (va & 0xFFF), (short) value);
        } else {
            slowWrite(va, 2, value, accessEl);
        }
    }

    final void write32(long va, long value, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (writeTag[i] == vpn && (va & 0xFFF) <= 0xFFC) {
            writeHost[i].set(U32, writeOffset[i] + (va & 0xFFF), (int) value);
        } else {
            slowWrite(va, 4, value, accessEl);
        }
    }

    final void write64(long va, long value, int accessEl) {
        long vpn = va >>> 12;
        int i = slot(vpn, accessEl);
        if (writeTag[i] == vpn && (va & 0xFFF) <= 0xFF8) {
            writeHost[i].set(U64, writeOffset[i] + (va & 0xFFF), value);
        } else {
            slowWrite(va, 8, value, accessEl);
        }
    }

    final long readSized(long va, int size, int accessEl) {
        return switch (size) {
            case 1 -> read8(va, accessEl);
            case 2 -> read16(va, accessEl);
            case 4 -> read32(va, accessEl);
            default -> read64(va, accessEl);
        };
    }

    final void writeSized(long va, int size, long value, int accessEl) {
        switch (size) {
            case 1 -> write8(va, value, accessEl);
            case 2 -> write16(va, value, accessEl);
            case 4 -> write32(va, value, accessEl);
            default -> write64(va, value, accessEl);
        }
    }

    static long hostRead(MemorySegment host, long offset, int size) {
        return switch (size) {
            case 1 -> host.get(U8, offset) & 0xFFL;
            case 2 -> host.get(U16, offset) & 0xFFFFL;
            case 4 -> host.get(U32, offset) & M32;
            default -> host.get(U64, offset);
        };
    }

    static void hostWrite(MemorySegment host, long offset, int size, long value) {
        switch (size) {
            case 1 -> host.set(U8, offset, (byte) value);
            case 2 -> host.set(U16, offset, (short) value);
            case 4 -> host.set(U32, offset, (int) value);
            default -> host.set(U64, offset, value);
        }
    }

    final long slowRead(long va, int size, int accessEl) {
        if (dataChecks) {
            checkAlignmentFlag(va, size, READ);
        }
        if ((va & PhysicalMemory.PAGE_MASK) + size > 4096) {
            long value = 0;
            for (int k = 0; k < size; k++) {
                value |= read8(va + k, accessEl) << (8 * k);
            }
            return value;
        }
        long pa = translate(va, accessEl, READ);
        if (dataChecks) {
            checkWatchpoints(va, size, false, accessEl);
        }
        PhysicalMemory.Region region = phys.regionAt(pa);
        if (region == null || walkDevice) {
            if (walkDevice && (va & (size - 1)) != 0) {
                abort(va, READ, FSC_ALIGNMENT);
            }
            if (region == null) {
                return mmioRead(va, pa, size);
            }
        } else if (!dataChecks) {
            long vpn = va >>> 12;
            int i = slot(vpn, accessEl);
            readTag[i] = vpn;
            readHost[i] = region.host;
            readOffset[i] = (pa & ~PhysicalMemory.PAGE_MASK) - region.base;
        }
        return hostRead(region.host, pa - region.base, size);
    }

    final void slowWrite(long va, int size, long value, int accessEl) {
        if (dataChecks) {
            checkAlignmentFlag(va, size, WRITE);
        }
        if ((va & PhysicalMemory.PAGE_MASK) + size > 4096) {
            // check both pages before writing either, so a fault leaves memory unchanged
            translate(va, accessEl, WRITE);
            translate(va + size - 1, accessEl, WRITE);
            for (int k = 0; k < size; k++) {
                write8(va + k, value >>> (8 * k), accessEl);
            }
            return;
        }
        long pa = translate(va, accessEl, WRITE);
        if (dataChecks) {
            checkWatchpoints(va, size, true, accessEl);
        }
        PhysicalMemory.Region region = phys.regionAt(pa);
        if (walkDevice && (va & (size - 1)) != 0) {
            abort(va, WRITE, FSC_ALIGNMENT);
        }
        if (region == null || region.readOnly) {
            mmioWrite(va, pa, size, value);
            return;
        }
        if (phys.hasCode(region, pa)) {
            phys.invalidateCode(region, pa);
            currentPageNumber = -1;
        } else if (!walkDevice && !dataChecks) {
            long vpn = va >>> 12;
            fillWrite(slot(vpn, accessEl), vpn, region, pa);
        }
        hostWrite(region.host, pa - region.base, size, value);
    }

    final void fillWrite(int slot, long vpn, PhysicalMemory.Region region, long pa) {
        long offset = (pa & ~PhysicalMemory.PAGE_MASK) - region.base;
        writeTag[slot] = vpn;
        writeHost[slot] = region.host;
        writeOffset[slot] = offset;
        // stage 1 write permission implies read permission
        readTag[slot] = vpn;
        readHost[slot] = region.host;
        readOffset[slot] = offset;
    }

    final long mmioRead(long va, long pa, int size) {
        counters.count(ExitCounters.Reason.MMIO);
        currentPageNumber = -1; // the device may have rewritten code (memoryWritten): fetch afresh
        long value = 0;
        try {
            value = io.mmioRead(index, pa, size) & mask(size * 8);
        } catch (GuestFault fault) {
            abort(va, READ, FSC_EXTERNAL);
        }
        stopIfRequested();
        return value;
    }

    final void mmioWrite(long va, long pa, int size, long value) {
        counters.count(ExitCounters.Reason.MMIO);
        currentPageNumber = -1; // the device may have rewritten code (memoryWritten): fetch afresh
        try {
            io.mmioWrite(index, pa, size, value & mask(size * 8));
        } catch (GuestFault fault) {
            abort(va, WRITE, FSC_EXTERNAL);
        }
        stopIfRequested();
    }

    /**
     * A debugger has breakpoints and the vCPU runs a batch outside their pages: entering a page in
     * {@link #debuggerBreakpointPages} (sorted page numbers) ends the batch before its first instruction.
     */
    boolean debuggerBatch;
    long[] debuggerBreakpointPages = {};

    /** The debugger's watchpoints ({@link GuestDebug}), null when it has none; they keep {@link #dataChecks} on. */
    GuestDebug.Watchpoint[] debuggerWatchpoints;
    /** A debugger's watchpoint that stopped the current instruction, for the run loop to return. */
    VcpuExit.Debug debuggerStop;

    final void updateDataChecks() {
        boolean checks = debug.watchpointsEnabled() || (sctlr & SCTLR_A) != 0 || debuggerWatchpoints != null;
        if (checks && !dataChecks) {
            flushTlb();
        }
        dataChecks = checks;
    }

    /** SCTLR_EL1.A: an unaligned ordinary access is an alignment fault (checked on the slow path, see dataChecks). */
    final void checkAlignmentFlag(long va, int size, int type) {
        if ((va & (size - 1)) != 0 && (sctlr & SCTLR_A) != 0) {
            abort(va, type, FSC_ALIGNMENT);
        }
    }

    /** A watchpoint on a data access: checked after translation (a translation fault comes first), as QEMU. */
    final void checkWatchpoints(long va, int size, boolean write, int accessEl) {
        if (debuggerWatchpoints != null) {
            for (GuestDebug.Watchpoint w : debuggerWatchpoints) {
                if (w.hits(va, size, write)) {
                    // before the access, as QEMU stops Arm guests for gdb: gdb steps over it itself
                    debuggerStop = new VcpuExit.Debug(GuestDebug.Cause.WATCHPOINT, w, Math.max(va, w.address()));
                    throw ExceptionTaken.INSTANCE;
                }
            }
        }
        if (debug.watchpointsEnabled() && debug.enabledFrom(el, (daif & DAIF_D) != 0)) {
            long hit = debug.watchpointHit(va, size, write, accessEl, contextidr);
            if (hit >= 0) {
                far = hit;
                syncException(el == 0 ? EC_WATCHPOINT_LOWER : EC_WATCHPOINT_SAME, (write ? 1 << 6 : 0) | FSC_DEBUG, pc);
            }
        }
    }

    /**
     * After a device access: when it stopped the VM (unsupported reference abort, a device powering off),
     * the vCPU stops at once, at this instruction and without completing it, rather than at the batch's end.
     */
    final void stopIfRequested() {
        if (stopRequested) {
            throw ExceptionTaken.INSTANCE;
        }
    }

    final void flushTlb() {
        Arrays.fill(readTag, -1L);
        Arrays.fill(writeTag, -1L);
        Arrays.fill(execTag, -1L);
        Arrays.fill(readHost, null);
        Arrays.fill(writeHost, null);
        Arrays.fill(execPage, null);
        currentPageNumber = -1;
    }
}
