package io.jqvm.cpu.a64;

import static io.jqvm.cpu.a64.IntegerInstructionsTest.runProgram;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LoadStoreTest {
    /** A data area 64 KiB into RAM, addressed through x20. */
    private static final String DATA = """
                movz x20, #0x4001, lsl #16
            """;

    @Test
    void everyAddressingModeOfSingleRegisters() {
        A64Cpu cpu = runProgram(DATA + """
                    ldr x1, =0x8877665544332211
                    str x1, [x20]                  // unsigned offset
                    ldrb w2, [x20, #7]
                    ldrsb x3, [x20, #7]            // 0x88 sign-extended
                    ldrsh w4, [x20, #6]            // 0x8877 into w, upper half zero
                    ldrsw x5, [x20, #4]
                    ldur w6, [x20, #1]             // unscaled, unaligned
                    add x7, x20, #16
                    str x1, [x7, #8]!              // pre-index: x7 = base+24
                    ldr x8, [x7], #-8              // post-index: x7 = base+16
                    mov x9, #3
                    ldrh w10, [x20, x9, lsl #1]    // halfword 3 = 0x8877
                    mov w11, #-1
                    ldrb w12, [x20, w11, sxtw]     // byte at base-1 (zero)
                    add x13, x20, #8
                    ldr w14, [x13, w11, sxtw #2]   // word at base+4
                    mov x15, #0x1000
                    str w1, [x20, x15]
                    ldr w16, [x20, x15]
                    strh w1, [x20, #0x20]
                    strb w1, [x20, #0x23]
                    ldr w17, [x20, #0x20]
                    ldr x18, lit
                    ldrsw x19, lit
                    prfm pldl1keep, [x20]
                    b 1f
                lit: .quad 0xfedcba9880000000
                    .ltorg
                1:
                """);
        assertEquals(0x88, cpu.x(2));
        assertEquals(0xFFFFFFFFFFFFFF88L, cpu.x(3));
        assertEquals(0xFFFF8877L, cpu.x(4));
        assertEquals(0xFFFFFFFF88776655L, cpu.x(5));
        assertEquals(0x55443322L, cpu.x(6));
        assertEquals(TestBoard.RAM + 0x10000 + 16, cpu.x(7));
        assertEquals(0x8877665544332211L, cpu.x(8));
        assertEquals(0x8877, cpu.x(10));
        assertEquals(0, cpu.x(12));
        assertEquals(0x88776655L, cpu.x(14));
        assertEquals(0x44332211L, cpu.x(16));
        assertEquals(0x11002211L, cpu.x(17));
        assertEquals(0xfedcba9880000000L, cpu.x(18));
        assertEquals(0xFFFFFFFF80000000L, cpu.x(19));
    }

    @Test
    void pairsIncludingSignedWordsAndWriteBack() {
        A64Cpu cpu = runProgram(DATA + """
                    mov x1, #-2
                    mov x2, #7
                    stp x1, x2, [x20, #16]
                    ldp x3, x4, [x20, #16]
                    stp w1, w2, [x20, #-8]!         // x20 -= 8
                    ldpsw x5, x6, [x20]
                    ldp w7, w8, [x20], #8           // x20 back
                    mov x9, sp
                    mov x10, x20
                    add sp, x10, #0x100
                    stp x1, x2, [sp, #-16]!
                    ldp x11, x12, [sp], #16
                    mov x13, sp
                    mov sp, x9
                    stnp x2, x1, [x20]
                    ldnp x14, x15, [x20]
                    sub x21, x13, x20
                """);
        assertEquals(-2, cpu.x(3));
        assertEquals(7, cpu.x(4));
        assertEquals(-2, cpu.x(5));
        assertEquals(7, cpu.x(6));
        assertEquals(0xFFFFFFFEL, cpu.x(7));
        assertEquals(TestBoard.RAM + 0x10000, cpu.x(10));
        assertEquals(-2, cpu.x(11));
        assertEquals(7, cpu.x(12));
        assertEquals(0x100, cpu.x(21));
        assertEquals(7, cpu.x(14));
        assertEquals(-2, cpu.x(15));
    }

    @Test
    void exclusivesSucceedOnceAndFailAfterClrex() {
        A64Cpu cpu = runProgram(DATA + """
                    mov x1, #5
                    str x1, [x20]
                    ldaxr x2, [x20]
                    add x2, x2, #1
                    stlxr w3, x2, [x20]            // succeeds: 0
                    stxr w4, x2, [x20]             // no monitor: 1
                    ldxr w5, [x20]
                    clrex
                    stxr w6, w5, [x20]             // cleared: 1
                    ldxrb w7, [x20]
                    mov w8, #0x99
                    stxrb w9, w8, [x20]            // 0
                    ldrb w10, [x20]
                    ldxp x11, x12, [x20]
                    stxp w13, x12, x11, [x20]      // swap halves: 0
                    ldp x14, x15, [x20]
                    ldr x22, =0x0000000200000001
                    str x22, [x20]
                    ldxp w16, w17, [x20]
                    stxp w18, w17, w16, [x20]
                    ldar x19, [x20]
                    stlrh w8, [x20]
                    ldarh w21, [x20]
                """);
        assertEquals(0, cpu.x(3));
        assertEquals(1, cpu.x(4));
        assertEquals(6, cpu.x(5));
        assertEquals(1, cpu.x(6));
        assertEquals(0, cpu.x(9));
        assertEquals(0x99, cpu.x(10));
        assertEquals(0, cpu.x(13));
        assertEquals(0, cpu.x(14));
        assertEquals(0x99, cpu.x(15));
        assertEquals(0, cpu.x(18));
        assertEquals(0x0000000100000002L, cpu.x(19));
        assertEquals(0x99, cpu.x(21));
    }

    @Test
    void dcZvaZeroesSixtyFourAlignedBytes() {
        A64Cpu cpu = runProgram(DATA + """
                    mov x1, #-1
                    mov x2, #0
                1:  str x1, [x20, x2]
                    add x2, x2, #8
                    cmp x2, #192
                    b.ne 1b
                    add x3, x20, #72               // inside the second 64-byte block
                    dc zva, x3
                    ldr x4, [x20, #56]
                    ldr x5, [x20, #64]
                    ldr x6, [x20, #120]
                    ldr x7, [x20, #128]
                    mrs x8, dczid_el0
                """);
        assertEquals(-1, cpu.x(4));
        assertEquals(0, cpu.x(5));
        assertEquals(0, cpu.x(6));
        assertEquals(-1, cpu.x(7));
        assertEquals(4, cpu.x(8));
    }

    @Test
    void vectorRegisterLoadsAndStores() {
        A64Cpu cpu = runProgram(DATA + """
                    mov x1, #3 << 20
                    msr cpacr_el1, x1
                    isb
                    ldr x1, =0x0706050403020100
                    ldr x2, =0x0f0e0d0c0b0a0908
                    stp x1, x2, [x20]
                    ldr q0, [x20]
                    str q0, [x20, #32]
                    ldr d1, [x20, #8]
                    ldr s2, [x20, #4]
                    ldr h3, [x20, #2]
                    ldr b4, [x20, #1]
                    ldur q5, [x20, #1]
                    ldp q6, q7, [x20, #16]
                    stp d1, d1, [x20, #64]
                    ldr q8, [x20, #64]
                    ld1 {v9.16b}, [x20]
                    add x3, x20, #32
                    ld1 {v10.4s, v11.4s}, [x3], #32   // post-index by the transfer size
                    ld1r {v12.8h}, [x20]
                    ld1 {v13.s}[3], [x20]
                    st1 {v13.d}[1], [x20, #96]  // no offset form needs a register; see below
                    ld2 {v14.8b, v15.8b}, [x20]
                    ldr q16, qlit
                    mov x4, #128
                    st1 {v0.2d}, [x20], x4
                    b 1f
                    .align 4
                qlit: .quad 0x1111111111111111, 0x2222222222222222
                    .ltorg
                1:
                """.replace("st1 {v13.d}[1], [x20, #96]  // no offset form needs a register; see below",
                "add x5, x20, #96\n st1 {v13.d}[1], [x5]\n ldr x6, [x20, #96]"));
        long[] v = cpu.fpState().v;
        assertEquals(0x0706050403020100L, v[0]);
        assertEquals(0x0f0e0d0c0b0a0908L, v[1]);
        assertEquals(0x0f0e0d0c0b0a0908L, v[2]);
        assertEquals(0, v[3]);
        assertEquals(0x07060504L, v[4]);
        assertEquals(0x0302, v[6]);
        assertEquals(0x01, v[8]);
        assertEquals(0x0807060504030201L, v[10]);
        assertEquals(0x000f0e0d0c0b0a09L, v[11]);
        assertEquals(0, v[12] | v[13]);
        assertEquals(v[0], v[14]);
        assertEquals(v[1], v[15]);
        assertEquals(v[2], v[16]);
        assertEquals(v[2], v[17]);
        assertEquals(v[0], v[18]);
        assertEquals(v[1], v[19]);
        assertEquals(v[0], v[20]);
        assertEquals(v[1], v[21]);
        assertEquals(0x0100010001000100L, v[24]);
        assertEquals(0x0100010001000100L, v[25]);
        assertEquals(0x03020100L << 32, v[27] & 0xFFFFFFFF00000000L);
        assertEquals(0x0302010000000000L | (v[27] & 0xFFFFFFFFL), cpu.x(6));
        assertEquals(0x0e0c0a0806040200L, v[28]);
        assertEquals(0, v[29]);
        assertEquals(0x0f0d0b0907050301L, v[30]);
        assertEquals(0x1111111111111111L, v[32]);
        assertEquals(0x2222222222222222L, v[33]);
        assertEquals(TestBoard.RAM + 0x10000 + 128, cpu.x(20));
    }
}
