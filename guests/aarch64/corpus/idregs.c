/* The identification registers as QEMU's -cpu cortex-a57 reports them, and the debug registers' reset
   values. Fields where jqvm deliberately promises less than QEMU's model are masked (each with why), so the
   comparison covers every other bit: see cpu-a64/src/main/java/io/jqvm/cpu/a64/CoreIdentity.java. */
#include "rt.h"

#define SHOW(name, value) printf("%-14s %016lx\n", name, (u64)(value))

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    SHOW("MIDR_EL1", READ_SYSREG(midr_el1));
    SHOW("REVIDR_EL1", READ_SYSREG(revidr_el1));
    SHOW("MPIDR_EL1", READ_SYSREG(mpidr_el1));
    SHOW("AIDR_EL1", READ_SYSREG(aidr_el1));
    /* EL0/EL1 AArch32 support (QEMU: 2, jqvm: 1, AArch64 only) is not compared. */
    SHOW("AA64PFR0 ~EL0/1", READ_SYSREG(id_aa64pfr0_el1) & ~0xffUL);
    SHOW("AA64PFR0 EL0/1>0", ((READ_SYSREG(id_aa64pfr0_el1) & 0xf) != 0) + ((READ_SYSREG(id_aa64pfr0_el1) & 0xf0) != 0));
    SHOW("AA64PFR1", READ_SYSREG(id_aa64pfr1_el1));
    /* PMUVer: QEMU models a PMU, jqvm has none. */
    SHOW("AA64DFR0 ~PMU", READ_SYSREG(id_aa64dfr0_el1) & ~0xf00UL);
    SHOW("AA64DFR1", READ_SYSREG(id_aa64dfr1_el1));
    SHOW("AA64AFR0", READ_SYSREG(id_aa64afr0_el1));
    SHOW("AA64AFR1", READ_SYSREG(id_aa64afr1_el1));
    /* AES/PMULL, SHA1, SHA2 (bits 4-15): not implemented by jqvm. */
    SHOW("AA64ISAR0 ~CRY", READ_SYSREG(id_aa64isar0_el1) & ~0xfff0UL);
    SHOW("AA64ISAR1", READ_SYSREG(id_aa64isar1_el1));
    /* BigEnd (bits 8-11) and TGran64 (bits 24-27): jqvm runs little-endian with 4 KiB pages only. */
    SHOW("AA64MMFR0 ~GRN", READ_SYSREG(id_aa64mmfr0_el1) & ~0x0f000f00UL);
    SHOW("AA64MMFR1", READ_SYSREG(id_aa64mmfr1_el1));
    SHOW("AA64MMFR2", READ_SYSREG(s3_0_c0_c7_2));
    SHOW("AA64ZFR0", READ_SYSREG(s3_0_c0_c4_4));
    /* IDC and DIC (bits 28, 29): jqvm tracks stores to code, so needs no cache maintenance. */
    SHOW("CTR_EL0 ~IDC/DIC", READ_SYSREG(ctr_el0) & ~0x30000000UL);
    SHOW("DCZID_EL0", READ_SYSREG(dczid_el0));
    SHOW("CLIDR_EL1", READ_SYSREG(clidr_el1));
    for (u64 sel = 0; sel < 4; sel++) {
        WRITE_SYSREG(csselr_el1, sel);
        ISB();
        printf("CCSIDR_EL1 CSSELR=%lu %016lx\n", sel, READ_SYSREG(ccsidr_el1));
    }
    /* The OS lock is locked at reset; the other debug registers reset to zero. */
    SHOW("OSLSR_EL1", READ_SYSREG(oslsr_el1));
    SHOW("MDSCR_EL1", READ_SYSREG(mdscr_el1));
    SHOW("DBGBCR0_EL1", READ_SYSREG(dbgbcr0_el1));
    SHOW("DBGWCR0_EL1", READ_SYSREG(dbgwcr0_el1));
    WRITE_SYSREG(oslar_el1, 0);
    ISB();
    SHOW("OSLSR unlocked", READ_SYSREG(oslsr_el1));
    WRITE_SYSREG(oslar_el1, 1);
    ISB();
    SHOW("OSLSR locked", READ_SYSREG(oslsr_el1));
    WRITE_SYSREG(oslar_el1, 0);
    ISB();
    system_off();
}
