package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.accel.VcpuExit;
import org.junit.jupiter.api.Test;

/**
 * Synchronous exceptions through a vector table. Every vector records its index in x28, counts in x24
 * and saves ESR/FAR/ELR/SPSR in x25/x26/x27/x21; the handler resumes after the faulting instruction
 * (SVC's ELR already points there), or
 * at EL1 at the address stored in {@code resume_at}, which is then cleared. {@code svc #0xffff} powers the machine off from EL1.
 */
class ExceptionTest {
    static final String VECTORS = """
                b start
                .align 11
            vectors:
                .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
                .align 7
                mov x28, #\\n
                b handler
                .endr
            handler:
                add x24, x24, #1
                mrs x25, esr_el1
                mrs x26, far_el1
                mrs x27, elr_el1
                mrs x21, spsr_el1
                lsr x23, x25, #26
                cmp x23, #0x15
                b.ne 1f
                and x22, x25, #0xffff
                movz x23, #0xffff
                cmp x22, x23
                b.eq off
                eret
            1:  ldr x23, =resume_at
                ldr x22, [x23]
                cbz x22, 2f
                msr elr_el1, x22
                str xzr, [x23]
                mov x22, #0x3c5                  // resume at EL1h, masked
                msr spsr_el1, x22
                eret
            2:  add x22, x27, #4
                msr elr_el1, x22
                bic x22, x21, #(1 << 20)       // resume legally after an illegal return
                msr spsr_el1, x22
                eret
                .ltorg
                .align 3
            resume_at: .quad 0
            off:
                movz x0, #0x0008
                movk x0, #0x8400, lsl #16
                hvc #0
            start:
                ldr x1, =vectors
                msr vbar_el1, x1
                mov x24, #0
            """;

    static final String END = """
                svc #0xffff
                .ltorg
            """;

    private static A64Cpu run(String body) {
        TestBoard board = TestBoard.withProgram(VECTORS + body + END);
        assertEquals(VcpuExit.POWERED_OFF, board.run(), () -> board.cpu().registerDump());
        return board.cpu();
    }

    private static long esr(int ec, int iss) {
        return (long) ec << 26 | 1L << 25 | iss;
    }

    @Test
    void svcEntersTheCurrentElSpxVectorAndEretReturns() {
        A64Cpu cpu = run("""
                    mov x1, #0x3c5
                    msr spsr_el1, x1
                    svc #0x123
                after:
                    adr x2, after
                    mov x3, #1
                """);
        assertEquals(esr(0x15, 0xffff), cpu.esr());
        assertEquals(2, cpu.x(24));
        assertEquals(1, cpu.x(3));
        assertEquals(4, cpu.x(28));
        assertEquals(0x3C5, cpu.x(21)); // EL1h, DAIF masked as at entry
    }

    @Test
    void undefinedInstructionReportsUnknownReason() {
        A64Cpu cpu = run("""
                undef:
                    .word 0x00000000
                    adr x1, undef
                    mov x2, x25
                    mov x3, x27
                """);
        assertEquals(esr(0, 0), cpu.x(2));
        assertEquals(cpu.x(1), cpu.x(3));
        assertEquals(1, cpu.undefinedInstructions());
    }

    @Test
    void externalAbortOnMmioReportsFarAndWnRButNoInstructionSyndrome() {
        A64Cpu cpu = run("""
                    mov x1, #0x0a000000
                    ldr x2, [x1, #8]
                    mov x3, x25
                    mov x4, x26
                    str x2, [x1, #16]
                    mov x5, x25
                    mov x6, x26
                    ldrsh w7, [x1]
                    mov x8, x25
                    stlrb w9, [x1]
                    mov x10, x25
                    ldp x11, x12, [x1]
                    mov x13, x25
                """);
        // ISV = 0 throughout: the syndrome is optional for aborts taken to EL1, and QEMU gives none
        assertEquals(esr(0x25, 0x10), cpu.x(3));
        assertEquals(0x0A000008L, cpu.x(4));
        assertEquals(esr(0x25, 1 << 6 | 0x10), cpu.x(5));
        assertEquals(0x0A000010L, cpu.x(6));
        assertEquals(esr(0x25, 0x10), cpu.x(8));
        assertEquals(esr(0x25, 1 << 6 | 0x10), cpu.x(10));
        assertEquals(esr(0x25, 0x10), cpu.x(13));
    }

    @Test
    void brkAndFpTrapAndSysregTrapSyndromes() {
        A64Cpu cpu = run("""
                    brk #0x800
                    mov x1, x25
                    msr cpacr_el1, xzr
                    ldr q0, [sp]
                    mov x2, x25
                    fmov d0, x1
                    mov x3, x25
                    mrs x9, midr_el1
                    mrs x10, mpidr_el1
                    mrs x11, id_aa64pfr0_el1
                    mrs x12, id_aa64mmfr0_el1
                    mrs x13, s3_0_c0_c6_2          // ID_AA64ISAR2: RAZ
                    mrs x14, cntfrq_el0
                    mrs x15, ctr_el0
                    mrs x16, currentel
                """);
        assertEquals(esr(0x3C, 0x800), cpu.x(1));
        assertEquals(esr(0x07, 0x1E00000), cpu.x(2));
        assertEquals(esr(0x07, 0x1E00000), cpu.x(3));
        assertEquals(0x411FD070L, cpu.x(9)); // Cortex-A57 r1p0, as QEMU
        assertEquals(0x80000000L, cpu.x(10));
        assertEquals(0x11L, cpu.x(11));
        assertEquals(0x0F001024L, cpu.x(12));
        assertEquals(0, cpu.x(13));
        assertEquals(62_500_000L, cpu.x(14));
        assertEquals(0xB444C004L, cpu.x(15));
        assertEquals(4, cpu.x(16));
    }

    @Test
    void el0SvcUsesTheLowerElVectorAndEl0TrapsFollowSctlr() {
        A64Cpu cpu = run("""
                    ldr x1, =0x40800000
                    msr sp_el0, x1
                    adr x1, el0
                    msr elr_el1, x1
                    msr spsr_el1, xzr              // EL0t, interrupts unmasked
                    eret
                el0:
                    svc #7
                    mov x1, x25                    // reading x25 at EL0 is fine: plain registers
                    mov x2, x28
                    mrs x3, midr_el1               // EL1 register at EL0: undefined
                    mov x4, x25
                    mrs x5, ctr_el0                // SCTLR.UCT=0: trapped, EC 0x18
                    mov x6, x25
                    mrs x7, tpidr_el0
                    wfi                            // SCTLR.nTWI=0: trapped, EC 0x01
                    mov x8, x25
                    mrs x9, currentel              // undefined at EL0
                    mov x10, sp
                """ + END + """
                """);
        assertEquals(esr(0x15, 7), cpu.x(1));
        assertEquals(8, cpu.x(2));
        assertEquals(esr(0, 0), cpu.x(4));
        assertEquals(0, cpu.undefinedInstructions()); // EL1 registers at EL0 are not unimplemented instructions
        int ctrIss = 3 << 20 | 1 << 17 | 3 << 14 | 0 << 10 | 5 << 5 | 0 << 1 | 1;
        assertEquals(esr(0x18, ctrIss), cpu.x(6));
        assertEquals(esr(0x01, 0x1E00000), cpu.x(8));
        assertEquals(0x40800000L, cpu.x(10));
        assertEquals(1, cpu.exceptionLevel()); // powered off from the EL1 handler
        assertEquals(0, cpu.sp() & 15);
        assertEquals(0, cpu.x(21)); // SPSR of the final svc: EL0t, nothing masked
    }

    @Test
    void misalignedPcAndSpAreReported() {
        A64Cpu cpu = run("""
                    ldr x1, =resume_at
                    adr x2, recover
                    str x2, [x1]
                    adr x3, somewhere
                    add x3, x3, #2
                    br x3
                somewhere:
                    nop
                recover:
                    mov x4, x25
                    mov x5, x26
                    mov x6, x3
                    mrs x7, sctlr_el1
                    orr x7, x7, #8                  // SA: check SP alignment at EL1
                    msr sctlr_el1, x7
                    mov x8, sp
                    add x8, x8, #4
                    mov sp, x8
                    ldr x9, [sp]
                    mov x10, x25
                """);
        assertEquals(esr(0x22, 0), cpu.x(4));
        assertEquals(cpu.x(6), cpu.x(5));
        assertEquals(esr(0x26, 0), cpu.x(10));
    }

    @Test
    void illegalExceptionReturnSetsIlAndFaultsTheNextInstruction() {
        A64Cpu cpu = run("""
                    adr x1, target
                    msr elr_el1, x1
                    mov x2, #0x10                   // AArch32 user mode: not supported
                    msr spsr_el1, x2
                    eret
                target:
                    nop
                    mov x3, x25
                    mov x4, x21
                    mov x5, x27
                    adr x6, target
                """);
        assertEquals(esr(0x0E, 0), cpu.x(3));
        assertEquals(1L << 20, cpu.x(4) & (1L << 20));
        assertEquals(cpu.x(6), cpu.x(5));
    }
}
