package io.jqvm.cpu.a64;

import io.jqvm.common.Mpidr;

/**
 * What the CPU says it is: the ID registers of QEMU's {@code -cpu cortex-a57} (read from QEMU 7.2 by
 * {@code guests/aarch64/corpus/idregs.c}), except for fields that would promise what this CPU lacks:
 * <ul>
 * <li>ID_AA64PFR0: EL0 and EL1 are AArch64 only (QEMU also offers AArch32, 0x22);</li>
 * <li>ID_AA64ISAR0: CRC32 only (no AES, PMULL, SHA1, SHA2 instructions);</li>
 * <li>ID_AA64MMFR0: the 4 KiB granule only (TGran64 = 0xF) and little-endian only (BigEnd = 0);</li>
 * <li>ID_AA64DFR0: no PMU (PMUVer = 0); the 6 breakpoints (2 context-aware) and 4 watchpoints are Cortex-A57's;</li>
 * <li>CTR_EL0: IDC and DIC set, because stores to code are tracked ({@code cpu-a64/README.md}); clear (as on the
 * real core) when another process can write the guest's RAM, a vhost-user back end say, whose writes no one
 * sees: the guest then cleans and invalidates by VA, and IC IVAU/IALLU discard the decoded code.</li>
 * </ul>
 * The AArch32 ID registers read as zero, as they may where no EL runs AArch32.
 */
final class CoreIdentity {
    private CoreIdentity() {
    }

    /** Arm, variant 1, architecture 0xF, Cortex-A57 (0xD07), revision 0: r1p0, as QEMU reports. */
    static final long MIDR = 0x411FD070L;
    static final long ID_AA64PFR0 = 0x11L;
    /** DebugVer 6 (v8.0), BRPs 5 (six), WRPs 3 (four), CTX_CMPs 1 (two). */
    static final long ID_AA64DFR0 = 0x10305006L;
    static final long ID_AA64ISAR0 = 0x10000L;
    /** PARange 4 (44 bits), ASIDBits 2 (16), SNSMem 1, TGran4 supported, TGran64 and TGran16 not. */
    static final long ID_AA64MMFR0 = 0x0F001024L;
    static final long CTR = 0xB444C004L;
    /** CTR_EL0 without DIC (bit 29) and IDC (bit 28): Cortex-A57's own value. */
    static final long CTR_NEEDING_MAINTENANCE = CTR & ~(3L << 28);
    /** DC ZVA zeroes 64 bytes. */
    static final long DCZID = 4;
    static final long CLIDR = 0x0A200023L;

    static final int BREAKPOINTS = (int) (ID_AA64DFR0 >>> 12 & 15) + 1;
    static final int WATCHPOINTS = (int) (ID_AA64DFR0 >>> 20 & 15) + 1;
    /** The last {@code CONTEXT_BREAKPOINTS} breakpoints can also match CONTEXTIDR_EL1. */
    static final int CONTEXT_BREAKPOINTS = (int) (ID_AA64DFR0 >>> 28 & 15) + 1;

    /** CCSIDR_EL1 for CSSELR_EL1 (level << 1 | InD): 32 KiB L1 data, 48 KiB L1 instruction, 2 MiB L2. */
    static long ccsidr(long csselr) {
        return switch ((int) csselr) {
            case 0 -> 0x701FE00AL;
            case 1 -> 0x201FE012L;
            case 2 -> 0x70FFE07AL;
            default -> 0;
        };
    }

    /** The ID register space (op0=3, op1=0, CRn=0, CRm=0..7): RAZ except the values above. */
    static long identification(int key, int vcpuIndex) {
        return switch (key) {
            case SysReg.MIDR_EL1 -> MIDR;
            case SysReg.MPIDR_EL1 -> 0x80000000L | Mpidr.affinity(vcpuIndex);
            case SysReg.ID_AA64PFR0_EL1 -> ID_AA64PFR0;
            case SysReg.ID_AA64DFR0_EL1 -> ID_AA64DFR0;
            case SysReg.ID_AA64ISAR0_EL1 -> ID_AA64ISAR0;
            case SysReg.ID_AA64MMFR0_EL1 -> ID_AA64MMFR0;
            default -> 0;
        };
    }
}
