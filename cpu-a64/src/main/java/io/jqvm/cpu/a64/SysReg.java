package io.jqvm.cpu.a64;

/**
 * System-register encodings as MRS/MSR bits [20:5]: {@code op0:op1:CRn:CRm:op2}, the same key as
 * {@link io.jqvm.device.SystemRegisterDevice#encoding}.
 */
final class SysReg {
    private SysReg() {
    }

    static final int MIDR_EL1 = 3 << 14 | 0 << 11 | 0 << 7 | 0 << 3 | 0;
    static final int MPIDR_EL1 = 3 << 14 | 0 << 11 | 0 << 7 | 0 << 3 | 5;
    static final int REVIDR_EL1 = 3 << 14 | 0 << 11 | 0 << 7 | 0 << 3 | 6;
    static final int CCSIDR_EL1 = 3 << 14 | 1 << 11 | 0 << 7 | 0 << 3 | 0;
    static final int AIDR_EL1 = 3 << 14 | 1 << 11 | 0 << 7 | 0 << 3 | 7;
    static final int CLIDR_EL1 = 3 << 14 | 1 << 11 | 0 << 7 | 0 << 3 | 1;
    static final int CSSELR_EL1 = 3 << 14 | 2 << 11 | 0 << 7 | 0 << 3 | 0;
    static final int CTR_EL0 = 3 << 14 | 3 << 11 | 0 << 7 | 0 << 3 | 1;
    static final int DCZID_EL0 = 3 << 14 | 3 << 11 | 0 << 7 | 0 << 3 | 7;
    static final int SCTLR_EL1 = 3 << 14 | 0 << 11 | 1 << 7 | 0 << 3 | 0;
    static final int ACTLR_EL1 = 3 << 14 | 0 << 11 | 1 << 7 | 0 << 3 | 1;
    static final int CPACR_EL1 = 3 << 14 | 0 << 11 | 1 << 7 | 0 << 3 | 2;
    static final int TTBR0_EL1 = 3 << 14 | 0 << 11 | 2 << 7 | 0 << 3 | 0;
    static final int TTBR1_EL1 = 3 << 14 | 0 << 11 | 2 << 7 | 0 << 3 | 1;
    static final int TCR_EL1 = 3 << 14 | 0 << 11 | 2 << 7 | 0 << 3 | 2;
    static final int SPSR_EL1 = 3 << 14 | 0 << 11 | 4 << 7 | 0 << 3 | 0;
    static final int ELR_EL1 = 3 << 14 | 0 << 11 | 4 << 7 | 0 << 3 | 1;
    static final int SP_EL0 = 3 << 14 | 0 << 11 | 4 << 7 | 1 << 3 | 0;
    static final int SPSEL = 3 << 14 | 0 << 11 | 4 << 7 | 2 << 3 | 0;
    static final int CURRENT_EL = 3 << 14 | 0 << 11 | 4 << 7 | 2 << 3 | 2;
    static final int NZCV = 3 << 14 | 3 << 11 | 4 << 7 | 2 << 3 | 0;
    static final int DAIF = 3 << 14 | 3 << 11 | 4 << 7 | 2 << 3 | 1;
    static final int FPCR = 3 << 14 | 3 << 11 | 4 << 7 | 4 << 3 | 0;
    static final int FPSR = 3 << 14 | 3 << 11 | 4 << 7 | 4 << 3 | 1;
    static final int AFSR0_EL1 = 3 << 14 | 0 << 11 | 5 << 7 | 1 << 3 | 0;
    static final int AFSR1_EL1 = 3 << 14 | 0 << 11 | 5 << 7 | 1 << 3 | 1;
    static final int ESR_EL1 = 3 << 14 | 0 << 11 | 5 << 7 | 2 << 3 | 0;
    static final int FAR_EL1 = 3 << 14 | 0 << 11 | 6 << 7 | 0 << 3 | 0;
    static final int PAR_EL1 = 3 << 14 | 0 << 11 | 7 << 7 | 4 << 3 | 0;
    static final int MAIR_EL1 = 3 << 14 | 0 << 11 | 10 << 7 | 2 << 3 | 0;
    static final int AMAIR_EL1 = 3 << 14 | 0 << 11 | 10 << 7 | 3 << 3 | 0;
    static final int VBAR_EL1 = 3 << 14 | 0 << 11 | 12 << 7 | 0 << 3 | 0;
    static final int ISR_EL1 = 3 << 14 | 0 << 11 | 12 << 7 | 1 << 3 | 0;
    static final int CONTEXTIDR_EL1 = 3 << 14 | 0 << 11 | 13 << 7 | 0 << 3 | 1;
    static final int TPIDR_EL1 = 3 << 14 | 0 << 11 | 13 << 7 | 0 << 3 | 4;
    static final int TPIDR_EL0 = 3 << 14 | 3 << 11 | 13 << 7 | 0 << 3 | 2;
    static final int TPIDRRO_EL0 = 3 << 14 | 3 << 11 | 13 << 7 | 0 << 3 | 3;
    static final int CNTKCTL_EL1 = 3 << 14 | 0 << 11 | 14 << 7 | 1 << 3 | 0;
    static final int CNTFRQ_EL0 = 3 << 14 | 3 << 11 | 14 << 7 | 0 << 3 | 0;
    static final int CNTPCT_EL0 = 3 << 14 | 3 << 11 | 14 << 7 | 0 << 3 | 1;
    static final int CNTVCT_EL0 = 3 << 14 | 3 << 11 | 14 << 7 | 0 << 3 | 2;
    static final int CNTP_TVAL_EL0 = 3 << 14 | 3 << 11 | 14 << 7 | 2 << 3 | 0;
    static final int CNTP_CTL_EL0 = 3 << 14 | 3 << 11 | 14 << 7 | 2 << 3 | 1;
    static final int CNTP_CVAL_EL0 = 3 << 14 | 3 << 11 | 14 << 7 | 2 << 3 | 2;
    static final int CNTV_TVAL_EL0 = 3 << 14 | 3 << 11 | 14 << 7 | 3 << 3 | 0;
    static final int CNTV_CTL_EL0 = 3 << 14 | 3 << 11 | 14 << 7 | 3 << 3 | 1;
    static final int CNTV_CVAL_EL0 = 3 << 14 | 3 << 11 | 14 << 7 | 3 << 3 | 2;
    static final int MDCCINT_EL1 = 2 << 14 | 0 << 11 | 0 << 7 | 2 << 3 | 0;
    static final int MDSCR_EL1 = 2 << 14 | 0 << 11 | 0 << 7 | 2 << 3 | 2;
    static final int MDRAR_EL1 = 2 << 14 | 0 << 11 | 1 << 7 | 0 << 3 | 0;
    static final int OSLAR_EL1 = 2 << 14 | 0 << 11 | 1 << 7 | 0 << 3 | 4;
    static final int OSLSR_EL1 = 2 << 14 | 0 << 11 | 1 << 7 | 1 << 3 | 4;
    static final int OSDLR_EL1 = 2 << 14 | 0 << 11 | 1 << 7 | 3 << 3 | 4;
    static final int ID_AA64PFR0_EL1 = 3 << 14 | 0 << 11 | 0 << 7 | 4 << 3 | 0;
    static final int ID_AA64DFR0_EL1 = 3 << 14 | 0 << 11 | 0 << 7 | 5 << 3 | 0;
    static final int ID_AA64ISAR0_EL1 = 3 << 14 | 0 << 11 | 0 << 7 | 6 << 3 | 0;
    static final int ID_AA64MMFR0_EL1 = 3 << 14 | 0 << 11 | 0 << 7 | 7 << 3 | 0;
}
