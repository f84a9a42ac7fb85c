package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.accel.VcpuExit;
import org.junit.jupiter.api.Test;

/**
 * Stage 1 translation with a 39-bit TTBR0 space (walk starts at level 1): 0-1 GiB a Device block (the
 * UART), the first 2 MiB of RAM identity-mapped by a level 2 block, and at VA 0x40200000 a level 3 table
 * with a read-only EL1 page, a page without AF, a hole and an EL0 read/write page.
 */
class MmuTest {
    private static final String MMU_ON = """
                adr x1, l1
                msr ttbr0_el1, x1
                ldr x1, =0x0000000500800019      // IPS 48 bit, EPD1, 4K granule, T0SZ 25
                msr tcr_el1, x1
                ldr x1, =0xff00                  // attr0 Device-nGnRnE, attr1 Normal WB
                msr mair_el1, x1
                isb
                mrs x1, sctlr_el1
                orr x1, x1, #1
                msr sctlr_el1, x1
                isb
            """;

    private static final String TABLES = """
                .align 12
            l1: .quad 0x0000000000000401         // 0-1 GiB: Device block
                .quad l2 + 3                     // 1-2 GiB: table
                .fill 510, 8, 0
            l2: .quad 0x0000000040000405         // 0x40000000: Normal block, EL1 RW
                .quad l3 + 3                     // 0x40200000: table
                .fill 510, 8, 0
            l3: .quad 0x0000000040300487         // 0x40200000 -> 0x40300000 EL1 read-only
                .quad 0x0000000040301007         // 0x40201000: AF = 0
                .quad 0                          // 0x40202000: invalid
                .quad 0x0000000040303447         // 0x40203000 -> 0x40303000 EL0 and EL1 read/write
                .fill 508, 8, 0
            """;

    private static A64Cpu run(String body) {
        TestBoard board = TestBoard.withProgram(ExceptionTest.VECTORS + """
                    ldr x1, =0x40300008
                    ldr x2, =0x1234567890
                    str x2, [x1]
                """ + MMU_ON + body + ExceptionTest.END + TABLES);
        assertEquals(VcpuExit.POWERED_OFF, board.run(), () -> board.cpu().registerDump());
        return board.cpu();
    }

    private static long dataAbort(int iss) {
        return 0x25L << 26 | 1L << 25 | iss;
    }

    @Test
    void translatedAccessesAndDataAbortsCarryLevelAndWnR() {
        A64Cpu cpu = run("""
                    ldr x9, =0x40200008
                    ldr x1, [x9]                     // through the level 3 page
                    mov x2, #0x09000000
                    mov w3, #'k'
                    strb w3, [x2]                    // Device block to the UART
                    ldr x9, =0x40400000
                    ldr x4, [x9]                     // level 2 hole: translation fault level 2
                    mov x10, x25
                    mov x11, x26
                    ldr x9, =0x40202000
                    ldr x4, [x9]                     // level 3 hole
                    mov x12, x25
                    ldr x9, =0x40200000
                    str x4, [x9]                     // read-only page: permission fault, WnR
                    mov x13, x25
                    ldr x9, =0x40201000
                    ldr x4, [x9]                     // access flag clear
                    mov x14, x25
                    ldr x9, =0x8000000000
                    ldr x4, [x9]                     // outside the 39-bit range: level 0
                    mov x15, x25
                    ldr x9, =0x40200000
                    ldtr x4, [x9]                    // EL0 permissions: not accessible
                    mov x16, x25
                    ldr x9, =0x40203010
                    mov x5, #77
                    sttr x5, [x9]
                    ldtr x17, [x9]
                    ldr x9, =0x40202000
                    at s1e1r, x9
                    mrs x18, par_el1
                    ldr x9, =0x40200010
                    at s1e1w, x9
                    mrs x19, par_el1
                    at s1e1r, x9
                    mrs x20, par_el1
                    ldr x9, =0x40203000
                    at s1e0w, x9
                    mrs x8, par_el1
                """);
        assertEquals(0x1234567890L, cpu.x(1));
        assertEquals(dataAbort(0x06), cpu.x(10));
        assertEquals(0x40400000L, cpu.x(11));
        assertEquals(dataAbort(0x07), cpu.x(12));
        assertEquals(dataAbort(0x4F), cpu.x(13));
        assertEquals(dataAbort(0x0B), cpu.x(14));
        assertEquals(dataAbort(0x04), cpu.x(15));
        assertEquals(dataAbort(0x0F), cpu.x(16));
        assertEquals(77, cpu.x(17));
        assertEquals(1 | 0x07 << 1 | 1 << 11, cpu.x(18));
        assertEquals(1 | 0x0F << 1 | 1 << 11, cpu.x(19));
        assertEquals(0xFF00000040300000L, cpu.x(20));
        assertEquals(0xFF00000040303000L, cpu.x(8));
        assertEquals(0x40200000L, cpu.far()); // the last abort (LDTR); AT never writes FAR
    }

    @Test
    void instructionFetchFromAnUnmappedPageIsAnInstructionAbort() {
        A64Cpu cpu = run("""
                    ldr x1, =resume_at
                    adr x2, back
                    str x2, [x1]
                    ldr x9, =0x40400000
                    br x9
                back:
                    mov x10, x25
                    mov x11, x26
                    mov x12, x27
                """);
        assertEquals(0x21L << 26 | 1L << 25 | 0x06, cpu.x(10));
        assertEquals(0x40400000L, cpu.x(11));
        assertEquals(0x40400000L, cpu.x(12));
    }

    @Test
    void el0ExecutesEl1OnlyPagesWithoutUxnButCannotReadThem() {
        A64Cpu cpu = run("""
                    ldr x1, =resume_at
                    adr x2, back
                    str x2, [x1]
                    ldr x1, =0x40203800
                    msr sp_el0, x1
                    adr x1, el0
                    msr elr_el1, x1
                    msr spsr_el1, xzr
                    eret
                el0:
                    mov x20, #1                      // EL1-only, UXN clear: execute-only for EL0
                    ldr x3, [x1]                     // but no EL0 data access: permission fault, level 2
                back:
                    mov x10, x25
                    mov x11, x21
                    mov x12, x28
                """);
        assertEquals(0x24L << 26 | 1L << 25 | 0x0E, cpu.x(10));
        assertEquals(0, cpu.x(11));
        assertEquals(8, cpu.x(12));
        assertEquals(1, cpu.x(20));
    }
}
