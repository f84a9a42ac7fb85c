package io.jqvm.cpu.a64;

import static io.jqvm.cpu.a64.IntegerOps.extend;
import static io.jqvm.cpu.a64.IntegerOps.mask;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import java.lang.invoke.VarHandle;

/**
 * The load and store instructions: single registers of every size and extension, pairs, literals, SIMD&amp;FP
 * registers and structures (LD1-LD4, ST1-ST4), and the exclusive and acquire/release forms with the local
 * exclusive monitor (the global one is {@link ExclusiveMonitor}).
 */
abstract sealed class LoadStore extends RegionContract permits SystemRegisters {
    LoadStore(int index, PhysicalMemory phys, ExclusiveMonitor monitor, GuestIo io, ExitCounters counters, long epochNanos) {
        super(index, phys, monitor, io, counters, epochNanos);
    }

    /** The base register value; SP as base must be 16-byte aligned when SCTLR_EL1.SA/SA0 says so. */
    final long baseAddress(int insn) {
        int n = rn(insn);
        if (n != 31) {
            return x[n];
        }
        checkSpAlignment();
        return sp;
    }

    final long registerOffset(int insn) {
        long offset = extend(x[rm(insn)], (insn >>> 13) & 7);
        return (insn & (1 << 12)) != 0 ? offset << Decoder.kindScale(Decoder.loadStoreKind(insn)) : offset;
    }

    /** One register's load or store, keyed by size:V:opc. */
    final void transfer(int kind, int t, long address, int accessEl) {
        switch (kind) {
            case 0b00000 -> write8(address, x[t], accessEl);
            case 0b00001 -> setX(t, read8(address, accessEl));
            case 0b00010 -> setX(t, (byte) read8(address, accessEl));
            case 0b00011 -> setX(t, (byte) read8(address, accessEl) & M32);
            case 0b01000 -> write16(address, x[t], accessEl);
            case 0b01001 -> setX(t, read16(address, accessEl));
            case 0b01010 -> setX(t, (short) read16(address, accessEl));
            case 0b01011 -> setX(t, (short) read16(address, accessEl) & M32);
            case 0b10000 -> write32(address, x[t], accessEl);
            case 0b10001 -> setX(t, read32(address, accessEl));
            case 0b10010 -> setX(t, (int) read32(address, accessEl));
            case 0b11000 -> write64(address, x[t], accessEl);
            case 0b11001 -> setX(t, read64(address, accessEl));
            case 0b11010 -> {
                // PRFM: a hint
            }
            default -> transferVector(kind, t, address, accessEl);
        }
    }

    final void transferVector(int kind, int t, long address, int accessEl) {
        checkFpEnabled();
        int scale = Decoder.kindScale(kind);
        if ((kind & 1) == 0) {
            storeVector(t, address, scale, accessEl);
        } else {
            loadVector(t, address, scale, accessEl);
        }
    }

    final void loadVector(int t, long address, int scale, int accessEl) {
        long low;
        long high = 0;
        switch (scale) {
            case 0 -> low = read8(address, accessEl);
            case 1 -> low = read16(address, accessEl);
            case 2 -> low = read32(address, accessEl);
            case 3 -> low = read64(address, accessEl);
            default -> {
                checkAlignmentFlag(address, 16, READ); // one 16-byte access, though made of two halves here
                low = read64(address, accessEl);
                high = read64(address + 8, accessEl);
            }
        }
        fp.v[2 * t] = low;
        fp.v[2 * t + 1] = high;
    }

    final void storeVector(int t, long address, int scale, int accessEl) {
        long low = fp.v[2 * t];
        switch (scale) {
            case 0 -> write8(address, low, accessEl);
            case 1 -> write16(address, low, accessEl);
            case 2 -> write32(address, low, accessEl);
            case 3 -> write64(address, low, accessEl);
            default -> {
                checkAlignmentFlag(address, 16, WRITE);
                write64(address, low, accessEl);
                write64(address + 8, fp.v[2 * t + 1], accessEl);
            }
        }
    }

    final void loadLiteral(int insn, long address) {
        int opc = (insn >>> 30) & 3;
        int t = rd(insn);
        if ((insn & (1 << 26)) != 0) {
            checkFpEnabled();
            loadVector(t, address, opc + 2, el);
            return;
        }
        switch (opc) {
            case 0 -> setX(t, read32(address, el));
            case 1 -> setX(t, read64(address, el));
            case 2 -> setX(t, (int) read32(address, el));
            default -> {
                // PRFM (literal): a hint
            }
        }
    }

    final void pair(int op, int insn, long imm) {
        int opc = (insn >>> 30) & 3;
        boolean vector = (insn & (1 << 26)) != 0;
        boolean load = (insn & (1 << 22)) != 0;
        int t = rd(insn);
        int t2 = (insn >>> 10) & 31;
        long base = baseAddress(insn);
        long address = op == Op.LDSTP_POST ? base : base + imm;
        if (vector) {
            checkFpEnabled();
            int scale = 2 + opc;
            int bytes = 1 << scale;
            if (load) {
                loadVector(t, address, scale, el);
                loadVector(t2, address + bytes, scale, el);
            } else {
                storeVector(t, address, scale, el);
                storeVector(t2, address + bytes, scale, el);
            }
        } else if (opc == 2) {
            if (load) {
                long a = read64(address, el);
                long b = read64(address + 8, el);
                setX(t, a);
                setX(t2, b);
            } else {
                write64(address, x[t], el);
                write64(address + 8, x[t2], el);
            }
        } else if (load) {
            long a = read32(address, el);
            long b = read32(address + 4, el);
            setX(t, opc == 1 ? (int) a : a);
            setX(t2, opc == 1 ? (int) b : b);
        } else {
            write32(address, x[t], el);
            write32(address + 4, x[t2], el);
        }
        if (op != Op.LDSTP_OFFSET) {
            setXsp(rn(insn), base + imm);
        }
    }

    /** LDP of two X registers: both loads complete before either register changes. */
    final void loadPair(int insn, long address) {
        long a = read64(address, el);
        long b = read64(address + 8, el);
        setX(rd(insn), a);
        setX((insn >>> 10) & 31, b);
    }

    final void storePair(int insn, long address) {
        write64(address, x[rd(insn)], el);
        write64(address + 8, x[(insn >>> 10) & 31], el);
    }

    final void checkAlignment(long address, int bytes, boolean write) {
        if ((address & (bytes - 1)) != 0) {
            abort(address, write ? WRITE : READ, FSC_ALIGNMENT);
        }
    }

    final void exclusiveOrOrdered(int op, int insn) {
        int t = rd(insn);
        int s = rm(insn);
        int t2 = (insn >>> 10) & 31;
        long address = baseAddress(insn);
        switch (op) {
            case Op.LDAR -> {
                int size = 1 << (insn >>> 30);
                checkAlignment(address, size, false);
                setX(t, readSized(address, size, el));
                VarHandle.acquireFence();
            }
            case Op.STLR -> {
                int size = 1 << (insn >>> 30);
                checkAlignment(address, size, true);
                VarHandle.releaseFence();
                writeSized(address, size, x[t], el);
                monitor.storeReleased();
            }
            case Op.LDXR -> {
                int size = 1 << (insn >>> 30);
                checkAlignment(address, size, false);
                long value = readSized(address, size, el);
                markExclusive(address, size, value, 0);
                setX(t, value);
            }
            case Op.LDXP -> {
                boolean wide = (insn & (1 << 30)) != 0;
                checkAlignment(address, wide ? 16 : 8, false);
                long low = read64(address, el);
                long high = wide ? read64(address + 8, el) : 0;
                markExclusive(address, wide ? 16 : 8, low, high);
                setX(t, wide ? low : low & M32);
                setX(t2, wide ? high : low >>> 32);
            }
            case Op.STXR -> {
                int size = 1 << (insn >>> 30);
                checkAlignment(address, size, true);
                setX(s, storeExclusive(address, size, x[t], 0));
            }
            default -> {
                boolean wide = (insn & (1 << 30)) != 0;
                checkAlignment(address, wide ? 16 : 8, true);
                long low = wide ? x[t] : (x[t] & M32) | x[t2] << 32;
                setX(s, storeExclusive(address, wide ? 16 : 8, low, wide ? x[t2] : 0));
            }
        }
    }

    final void markExclusive(long address, int size, long value, long high) {
        exclusiveActive = true;
        exclusiveAddress = address;
        exclusiveSize = size;
        exclusiveValue = value;
        exclusiveValueHigh = high;
    }

    /** Returns the STXR status: 0 stored, 1 failed. */
    final int storeExclusive(long address, int size, long value, long high) {
        boolean held = exclusiveActive && exclusiveAddress == address && exclusiveSize == size;
        exclusiveActive = false;
        if (!held) {
            return 1;
        }
        if (!resolveWritable(address, size)) {
            // MMIO, ROM or a page with decoded code: no host CAS, a plain store is the best we can do
            if (size == 16) {
                write64(address, value, el);
                write64(address + 8, high, el);
            } else {
                writeSized(address, size, value, el);
            }
            return 0;
        }
        boolean stored = size == 16
                ? monitor.compareAndSetPair(exclusiveSegment, exclusiveOffset, exclusiveValue, exclusiveValueHigh, value, high)
                : monitor.compareAndSet(exclusiveSegment, exclusiveOffset, size, exclusiveValue, value);
        if (stored) {
            monitor.storeReleased();
        }
        return stored ? 0 : 1;
    }

    /** Makes sure a write-TLB entry maps {@code address} and exposes its host location; false when none can. */
    final boolean resolveWritable(long address, int size) {
        long vpn = address >>> 12;
        int slot = ((int) vpn & TLB_MASK) | (el << TLB_BITS);
        if (writeTag[slot] != vpn) {
            long pa = translate(address, el, WRITE);
            PhysicalMemory.Region region = phys.regionAt(pa);
            if (region == null || region.readOnly || walkDevice || phys.hasCode(region, pa)) {
                return false;
            }
            if (dataChecks) { // the TLB stays empty: check here what slowWrite would
                checkWatchpoints(address, size, true, el);
                exclusiveSegment = region.host;
                exclusiveOffset = pa - region.base;
                return true;
            }
            fillWrite(slot, vpn, region, pa);
        }
        exclusiveSegment = writeHost[slot];
        exclusiveOffset = writeOffset[slot] + (address & PhysicalMemory.PAGE_MASK);
        return true;
    }

    /** LD1-LD4 / ST1-ST4 (multiple structures). */
    final void simdMultiple(int insn) {
        int opcode = (insn >>> 12) & 0xF;
        int repeats;
        int elementsPerStructure;
        switch (opcode) {
            case 0b0000 -> { repeats = 1; elementsPerStructure = 4; }
            case 0b0010 -> { repeats = 4; elementsPerStructure = 1; }
            case 0b0100 -> { repeats = 1; elementsPerStructure = 3; }
            case 0b0110 -> { repeats = 3; elementsPerStructure = 1; }
            case 0b0111 -> { repeats = 1; elementsPerStructure = 1; }
            case 0b1000 -> { repeats = 1; elementsPerStructure = 2; }
            case 0b1010 -> { repeats = 2; elementsPerStructure = 1; }
            default -> {
                undefined(insn);
                return;
            }
        }
        int size = (insn >>> 10) & 3;
        boolean q = (insn & (1 << 30)) != 0;
        if (size == 3 && !q && elementsPerStructure > 1) {
            undefined(insn);
        }
        checkFpEnabled();
        boolean load = (insn & (1 << 22)) != 0;
        int t = rd(insn);
        long base = baseAddress(insn);
        long address = base;
        int registerBytes = q ? 16 : 8;
        int elementBytes = 1 << size;
        int elements = registerBytes / elementBytes;
        for (int r = 0; r < repeats; r++) {
            for (int e = 0; e < elements; e++) {
                for (int s = 0; s < elementsPerStructure; s++) {
                    int reg = (t + r + s) & 31;
                    if (load) {
                        setLane(reg, e, size, readSized(address, elementBytes, el));
                    } else {
                        writeSized(address, elementBytes, lane(reg, e, size), el);
                    }
                    address += elementBytes;
                }
            }
            if (load && !q) {
                for (int s = 0; s < elementsPerStructure; s++) {
                    fp.v[2 * ((t + r + s) & 31) + 1] = 0;
                }
            }
        }
        if ((insn & (1 << 23)) != 0) {
            int m = rm(insn);
            setXsp(rn(insn), base + (m == 31 ? (long) repeats * elementsPerStructure * registerBytes : x[m]));
        }
    }

    /** LD1-LD4 / ST1-ST4 (single structure) and LD1R-LD4R. */
    final void simdSingle(int insn) {
        int opcode = (insn >>> 13) & 7;
        int size = (insn >>> 10) & 3;
        boolean s = (insn & (1 << 12)) != 0;
        boolean q = (insn & (1 << 30)) != 0;
        boolean load = (insn & (1 << 22)) != 0;
        int structure = (((opcode & 1) << 1) | ((insn >>> 21) & 1)) + 1;
        int scale = opcode >>> 1;
        int laneIndex = 0;
        boolean replicate = false;
        switch (scale) {
            case 0 -> laneIndex = (q ? 8 : 0) | (s ? 4 : 0) | size;
            case 1 -> {
                if ((size & 1) != 0) {
                    undefined(insn);
                }
                laneIndex = (q ? 4 : 0) | (s ? 2 : 0) | (size >>> 1);
            }
            case 2 -> {
                if ((size & 2) != 0 || ((size & 1) != 0 && s)) {
                    undefined(insn);
                }
                if ((size & 1) == 0) {
                    laneIndex = (q ? 2 : 0) | (s ? 1 : 0);
                } else {
                    scale = 3;
                    laneIndex = q ? 1 : 0;
                }
            }
            default -> {
                if (!load || s) {
                    undefined(insn);
                }
                scale = size;
                replicate = true;
            }
        }
        checkFpEnabled();
        int t = rd(insn);
        long base = baseAddress(insn);
        long address = base;
        int elementBytes = 1 << scale;
        for (int k = 0; k < structure; k++) {
            int reg = (t + k) & 31;
            if (replicate) {
                long element = readSized(address, elementBytes, el);
                long pattern = element;
                for (int width = elementBytes * 8; width < 64; width *= 2) {
                    pattern |= pattern << width;
                }
                fp.v[2 * reg] = pattern;
                fp.v[2 * reg + 1] = q ? pattern : 0;
            } else if (load) {
                setLane(reg, laneIndex, scale, readSized(address, elementBytes, el));
            } else {
                writeSized(address, elementBytes, lane(reg, laneIndex, scale), el);
            }
            address += elementBytes;
        }
        if ((insn & (1 << 23)) != 0) {
            int m = rm(insn);
            setXsp(rn(insn), base + (m == 31 ? (long) structure * elementBytes : x[m]));
        }
    }

    final long lane(int reg, int laneIndex, int size) {
        int bit = laneIndex << (size + 3);
        long word = fp.v[2 * reg + (bit >>> 6)];
        return size == 3 ? word : (word >>> (bit & 63)) & mask(8 << size);
    }

    final void setLane(int reg, int laneIndex, int size, long value) {
        int bit = laneIndex << (size + 3);
        int slot = 2 * reg + (bit >>> 6);
        if (size == 3) {
            fp.v[slot] = value;
        } else {
            long laneMask = mask(8 << size) << (bit & 63);
            fp.v[slot] = (fp.v[slot] & ~laneMask) | ((value << (bit & 63)) & laneMask);
        }
    }
}
