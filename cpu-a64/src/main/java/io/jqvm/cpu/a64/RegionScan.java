package io.jqvm.cpu.a64;

/**
 * Which instructions of a code page make up the region entered at one of them: everything reachable from the
 * entry through instructions the translator handles ({@link #translatable}), at most a limit; and a JVM
 * local slot for each guest register they use. {@link RegionEmitter} and {@link RegionTranslation} turn it
 * into bytecode.
 */
abstract sealed class RegionScan permits RegionEmitter {
    final CodePage page;
    final int entry;
    final long pageBase;
    final long[] decoded = new long[CodePage.INSTRUCTIONS];
    final long[] imm = new long[CodePage.INSTRUCTIONS];
    final boolean[] member = new boolean[CodePage.INSTRUCTIONS];
    final boolean[] target = new boolean[CodePage.INSTRUCTIONS];
    /** The local slot of each guest register the region reads or writes, 0 for the others. */
    final int[] slots = new int[31];
    private int nextSlot = RegionEmitter.FIRST_REGISTER;
    final int instructions;
    /** Whether a branch in the region jumps back to an instruction of it. */
    boolean hasLoop;

    RegionScan(CodePage page, int entry, long pageBase, int limit) {
        this.page = page;
        this.entry = entry;
        this.pageBase = pageBase;
        this.instructions = explore(limit);
    }

    /** Whether the region translator handles the instruction (else the region ends before it). */
    static boolean translatable(int op, int insn) {
        return switch (op) {
            case Op.ADR, Op.ADRP, Op.ADD_IMM, Op.ADDS_IMM, Op.SUB_IMM, Op.SUBS_IMM, Op.AND_IMM, Op.ORR_IMM, Op.EOR_IMM,
                 Op.ANDS_IMM, Op.MOVN, Op.MOVZ, Op.MOVK, Op.SBFM, Op.BFM, Op.UBFM, Op.EXTR,
                 Op.B, Op.BL, Op.B_COND, Op.CBZ, Op.CBNZ, Op.TBZ, Op.TBNZ, Op.BR, Op.BLR, Op.RET, Op.NOP, Op.BARRIER,
                 Op.ORR_REG, Op.LOGIC_REG, Op.ADD_REG, Op.ADDS_REG, Op.SUB_REG, Op.SUBS_REG, Op.ADDSUB_EXT, Op.CCMP,
                 Op.CSEL, Op.DP1, Op.UDIV, Op.SDIV, Op.SHIFTV, Op.CRC32, Op.MADD, Op.MADDL, Op.SMULH, Op.UMULH,
                 Op.LDR_X_UIMM, Op.STR_X_UIMM, Op.LDR_W_UIMM, Op.STR_W_UIMM, Op.LDRB_UIMM, Op.STRB_UIMM,
                 Op.LDP_X_OFFSET, Op.STP_X_OFFSET, Op.LDP_X_POST, Op.STP_X_PRE -> true;
            case Op.LDST_UIMM, Op.LDST_UNSCALED, Op.LDST_UNPRIV, Op.LDST_PRE, Op.LDST_POST, Op.LDST_REG ->
                    (Decoder.loadStoreKind(insn) & 4) == 0;
            case Op.LDR_LITERAL, Op.LDSTP_OFFSET, Op.LDSTP_PRE, Op.LDSTP_POST -> (insn & (1 << 26)) == 0;
            default -> false;
        };
    }

    /**
     * The instruction's op and word, decoded here into the region's own arrays: the page's are filled by
     * the vCPUs as they interpret, and this may run on the compiler thread.
     */
    private long entryAt(int i) {
        if (decoded[i] == 0) {
            long word = page.entries[i] & 0xFFFFFFFFL;
            decoded[i] = (long) Decoder.decode((int) word, imm, i) << 32 | word;
        }
        return decoded[i];
    }

    /** Marks the region's instructions: everything reachable from the entry through translatable ones. */
    private int explore(int limit) {
        int[] work = new int[2 * limit + 1]; // each member pushes at most two successors
        int top = 0;
        int count = 0;
        work[top++] = entry;
        target[entry] = true;
        while (top > 0) {
            int i = work[--top];
            if (member[i] || count >= limit) {
                continue;
            }
            long e = entryAt(i);
            int op = (int) (e >>> 32);
            int insn = (int) e;
            if (!translatable(op, insn)) {
                continue;
            }
            member[i] = true;
            count++;
            allocateRegisters(op, insn);
            if (fallsThrough(op) && i + 1 < CodePage.INSTRUCTIONS) {
                work[top++] = i + 1;
            }
            int t = branchTargetIndex(op, i);
            if (t >= 0) {
                target[t] = true;
                work[top++] = t;
                hasLoop |= t <= i;
            }
        }
        return count;
    }

    /** Gives a local slot to each general register the instruction names (XZR/SP are handled apart). */
    private void allocateRegisters(int op, int insn) {
        int d = insn & 31;
        int n = (insn >>> 5) & 31;
        int m = (insn >>> 16) & 31;
        int a = (insn >>> 10) & 31;
        switch (op) {
            case Op.B, Op.B_COND, Op.NOP, Op.BARRIER -> {
            }
            case Op.BL -> allocate(30);
            case Op.BR, Op.RET -> allocate(n);
            case Op.BLR -> {
                allocate(n);
                allocate(30);
            }
            case Op.ADR, Op.ADRP, Op.MOVN, Op.MOVZ, Op.MOVK, Op.CBZ, Op.CBNZ, Op.TBZ, Op.TBNZ, Op.LDR_LITERAL -> allocate(d);
            case Op.ORR_REG, Op.LOGIC_REG, Op.ADD_REG, Op.ADDS_REG, Op.SUB_REG, Op.SUBS_REG, Op.ADDSUB_EXT, Op.CSEL,
                 Op.UDIV, Op.SDIV, Op.SHIFTV, Op.CRC32, Op.SMULH, Op.UMULH, Op.EXTR, Op.LDST_REG -> {
                allocate(d);
                allocate(n);
                allocate(m);
            }
            case Op.CCMP -> {
                allocate(n);
                if ((insn & (1 << 11)) == 0) {
                    allocate(m);
                }
            }
            case Op.MADD, Op.MADDL -> {
                allocate(d);
                allocate(n);
                allocate(m);
                allocate(a);
            }
            case Op.LDP_X_OFFSET, Op.STP_X_OFFSET, Op.LDP_X_POST, Op.STP_X_PRE, Op.LDSTP_OFFSET, Op.LDSTP_PRE,
                 Op.LDSTP_POST -> {
                allocate(d);
                allocate(n);
                allocate(a);
            }
            default -> { // immediate data processing, bitfields, single loads and stores
                allocate(d);
                allocate(n);
            }
        }
    }

    private void allocate(int r) {
        if (r != 31 && slots[r] == 0) {
            slots[r] = nextSlot;
            nextSlot += 2;
        }
    }

    static boolean fallsThrough(int op) {
        return switch (op) {
            case Op.B, Op.BL, Op.BR, Op.BLR, Op.RET -> false;
            default -> true;
        };
    }

    /** The in-page index a direct branch (not BL: calls leave the region) may jump to, or -1. */
    int branchTargetIndex(int op, int i) {
        if (op != Op.B && op != Op.B_COND && op != Op.CBZ && op != Op.CBNZ && op != Op.TBZ && op != Op.TBNZ) {
            return -1;
        }
        long offset = 4L * i + imm[i];
        return offset >= 0 && offset < 4096 ? (int) (offset >>> 2) : -1;
    }
}
