package io.jqvm.cpu.a64;

/**
 * Dense ids of decoded A64 instruction classes, the keys of the interpreter's {@code switch}. 0 means
 * "not decoded yet" in a {@link CodePage}. Fields not folded into the id are read from the instruction
 * word at execution; immediates that are costly to expand are precomputed into the page's {@code imm}.
 */
final class Op {
    private Op() {
    }

    static final int UNDECODED = 0;
    static final int UNDEFINED = 1;
    // Data processing, immediate
    static final int ADR = 2;
    static final int ADRP = 3;
    static final int ADD_IMM = 4;
    static final int ADDS_IMM = 5;
    static final int SUB_IMM = 6;
    static final int SUBS_IMM = 7;
    static final int AND_IMM = 8;
    static final int ORR_IMM = 9;
    static final int EOR_IMM = 10;
    static final int ANDS_IMM = 11;
    static final int MOVN = 12;
    static final int MOVZ = 13;
    static final int MOVK = 14;
    static final int SBFM = 15;
    static final int BFM = 16;
    static final int UBFM = 17;
    static final int EXTR = 18;
    // Branches, exceptions, system
    static final int B = 19;
    static final int BL = 20;
    static final int B_COND = 21;
    static final int CBZ = 22;
    static final int CBNZ = 23;
    static final int TBZ = 24;
    static final int TBNZ = 25;
    static final int BR = 26;
    static final int BLR = 27;
    static final int RET = 28;
    static final int ERET = 29;
    static final int SVC = 30;
    static final int HVC = 31;
    static final int SMC = 32;
    static final int BRK = 33;
    static final int NOP = 34;
    static final int WFI = 35;
    static final int WFE = 36;
    static final int SEV = 37;
    static final int SEVL = 38;
    static final int CLREX = 39;
    static final int BARRIER = 40;
    static final int ISB = 41;
    static final int MSR_IMM = 42;
    static final int SYS = 43;
    static final int MRS = 44;
    static final int MSR_REG = 45;
    // Data processing, register
    static final int ORR_REG = 46;
    static final int LOGIC_REG = 47;
    static final int ADD_REG = 48;
    static final int ADDS_REG = 49;
    static final int SUB_REG = 50;
    static final int SUBS_REG = 51;
    static final int ADDSUB_EXT = 52;
    static final int ADC_SBC = 53;
    static final int CCMP = 54;
    static final int CSEL = 55;
    static final int DP1 = 56;
    static final int UDIV = 57;
    static final int SDIV = 58;
    static final int SHIFTV = 59;
    static final int CRC32 = 60;
    static final int MADD = 61;
    static final int MADDL = 62;
    static final int SMULH = 63;
    static final int UMULH = 64;
    // Loads and stores
    static final int LDST_UIMM = 65;
    static final int LDST_UNSCALED = 66;
    static final int LDST_POST = 67;
    static final int LDST_PRE = 68;
    static final int LDST_UNPRIV = 69;
    static final int LDST_REG = 70;
    static final int LDR_LITERAL = 71;
    static final int LDSTP_OFFSET = 72;
    static final int LDSTP_POST = 73;
    static final int LDSTP_PRE = 74;
    static final int LDXR = 75;
    static final int STXR = 76;
    static final int LDXP = 77;
    static final int STXP = 78;
    static final int LDAR = 79;
    static final int STLR = 80;
    static final int SIMD_LDST_MULTI = 81;
    static final int SIMD_LDST_SINGLE = 82;
    // SIMD&FP data processing, delegated
    static final int SIMD_DP = 83;
    // Frequent load/store forms with their own ids, so they skip the size:V:opc switch
    static final int LDR_X_UIMM = 84;
    static final int STR_X_UIMM = 85;
    static final int LDR_W_UIMM = 86;
    static final int STR_W_UIMM = 87;
    static final int LDRB_UIMM = 88;
    static final int STRB_UIMM = 89;
    static final int LDP_X_OFFSET = 90;
    static final int STP_X_OFFSET = 91;
    static final int LDP_X_POST = 92;
    static final int STP_X_PRE = 93;
}
