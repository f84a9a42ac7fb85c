package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.accel.VcpuExit;
import org.junit.jupiter.api.Test;

class IntegerInstructionsTest {
    /** Ends a test program: PSCI SYSTEM_OFF through HVC, which makes run() return POWERED_OFF. */
    static final String OFF = """
                movz x0, #0x0008
                movk x0, #0x8400, lsl #16
                hvc #0
            """;

    static A64Cpu runProgram(String body) {
        TestBoard board = TestBoard.withProgram(body + OFF);
        VcpuExit exit = board.run();
        assertEquals(VcpuExit.POWERED_OFF, exit, () -> board.cpu().registerDump());
        assertEquals(0, board.cpu().undefinedInstructions(), () -> board.cpu().registerDump());
        return board.cpu();
    }

    @Test
    void addAndSubtractSetFlagsAtTheEdges() {
        A64Cpu cpu = runProgram("""
                    mov x1, #0x7fffffffffffffff
                    adds x2, x1, #1            // signed overflow: N=1 V=1
                    mrs x3, nzcv
                    mov x4, #-1
                    adds x5, x4, #1            // carry out, zero: Z=1 C=1
                    mrs x6, nzcv
                    mov w7, #0x80000000
                    subs w8, w7, #1            // 32-bit signed overflow: V=1 C=1
                    mrs x9, nzcv
                    cmp x1, x4                 // MAX - (-1): N=1 V=1, borrow so C=0
                    mrs x10, nzcv
                    mov x11, #5
                    cmp x11, #5                // equal: Z=1 C=1
                    cset x12, eq
                    cset x13, hi
                    cset x14, ls
                    ccmp x11, #3, #0b0010, ne  // condition false: flags = nzcv immediate
                    mrs x15, nzcv
                    ccmn x11, #3, #0, eq       // condition true: compare 5 + 3
                    mrs x16, nzcv
                    mov x17, #-1
                    adcs x18, x17, xzr         // with carry from the ccmn (C=0): x18 = -1
                    mov x19, #1
                    sbc x20, xzr, x19          // 0 - 1 - !C(=1) = -2
                    negs x21, xzr              // 0 - 0: Z=1 C=1
                    mrs x22, nzcv
                """);
        assertEquals(0x8000000000000000L, cpu.x(2));
        assertEquals(0x9L << 28, cpu.x(3));
        assertEquals(0, cpu.x(5));
        assertEquals(0x6L << 28, cpu.x(6));
        assertEquals(0x7FFFFFFFL, cpu.x(8));
        assertEquals(0x3L << 28, cpu.x(9));
        assertEquals(0x9L << 28, cpu.x(10));
        assertEquals(1, cpu.x(12));
        assertEquals(0, cpu.x(13));
        assertEquals(1, cpu.x(14));
        assertEquals(0x2L << 28, cpu.x(15));
        assertEquals(0, cpu.x(16));
        assertEquals(-1L, cpu.x(18));
        assertEquals(-2L, cpu.x(20));
        assertEquals(0x6L << 28, cpu.x(22));
    }

    @Test
    void variableShiftsUseTheAmountModuloTheWidth() {
        A64Cpu cpu = runProgram("""
                    mov x1, #0x1234
                    mov x2, #68
                    lslv x3, x1, x2            // shift by 68 mod 64 = 4
                    mov w4, #0x80000000
                    mov w5, #33
                    asrv w6, w4, w5            // 33 mod 32 = 1, sign-filled, upper half zero
                    lsrv w7, w4, w5
                    mov x8, #1
                    mov x9, #65
                    rorv x10, x8, x9           // rotate right by 1
                    lsl x11, x1, #63
                """);
        assertEquals(0x12340L, cpu.x(3));
        assertEquals(0xC0000000L, cpu.x(6));
        assertEquals(0x40000000L, cpu.x(7));
        assertEquals(0x8000000000000000L, cpu.x(10));
        assertEquals(0, cpu.x(11));
    }

    @Test
    void divisionByZeroGivesZeroAndOverflowWraps() {
        A64Cpu cpu = runProgram("""
                    mov x1, #100
                    udiv x2, x1, xzr
                    sdiv x3, x1, xzr
                    mov x4, #0x8000000000000000
                    mov x5, #-1
                    sdiv x6, x4, x5
                    mov x7, #-7
                    mov x8, #2
                    sdiv x9, x7, x8            // rounds towards zero: -3
                    udiv x10, x7, x8           // unsigned
                    mov w11, #0x80000000
                    mov w12, #-1
                    sdiv w13, w11, w12
                    msub x14, x9, x8, x7       // remainder: -7 - (-3 * 2) = -1
                """);
        assertEquals(0, cpu.x(2));
        assertEquals(0, cpu.x(3));
        assertEquals(0x8000000000000000L, cpu.x(6));
        assertEquals(-3, cpu.x(9));
        assertEquals(Long.divideUnsigned(-7, 2), cpu.x(10));
        assertEquals(0x80000000L, cpu.x(13));
        assertEquals(-1, cpu.x(14));
    }

    @Test
    void multipliesWideAndHigh() {
        A64Cpu cpu = runProgram("""
                    mov x1, #-1
                    mov x2, #-1
                    umulh x3, x1, x2
                    smulh x4, x1, x2
                    mov w5, #-2
                    mov w6, #3
                    smaddl x7, w5, w6, xzr
                    umaddl x8, w5, w6, xzr
                    mov x9, #10
                    smsubl x10, w5, w6, x9
                    mul w11, w5, w6
                """);
        assertEquals(-2L, cpu.x(3));
        assertEquals(0, cpu.x(4));
        assertEquals(-6, cpu.x(7));
        assertEquals(0xFFFFFFFEL * 3, cpu.x(8));
        assertEquals(16, cpu.x(10));
        assertEquals(0xFFFFFFFAL, cpu.x(11));
    }

    @Test
    void bitfieldsExtractsAndBitOperations() {
        A64Cpu cpu = runProgram("""
                    mov x1, #0xf0f0
                    ubfx x2, x1, #4, #8        // 0x0f
                    sbfx x3, x1, #4, #8        // 0x0f sign bit clear
                    sbfx x4, x1, #8, #8        // 0xf0 -> negative
                    mov x5, #-1
                    bfi x5, xzr, #8, #16
                    ubfiz x6, x1, #60, #4      // low nibble 0 -> 0
                    mov x7, #0xb
                    sbfiz x8, x7, #4, #4       // 0xb sign-extended from 4 bits: -5 << 4
                    bfxil x9, x1, #12, #4      // x9 was 0: 0xf
                    ldr x10, =0x1122334455667788
                    extr x11, x10, x10, #8     // rotate right by 8
                    rbit w12, w7
                    rev x13, x10
                    rev16 w14, w10
                    rev32 x15, x10
                    clz x16, x7
                    cls x17, x5
                    mov x18, #-1
                    cls x19, x18
                    clz w20, wzr
                    sxtb x21, w1
                    uxth w22, w5
                    mov w23, #1
                    crc32b w24, wzr, w23
                    crc32cx w25, wzr, x10
                    movn w26, #0
                    movk x27, #0xbeef, lsl #48
                    orn x28, xzr, x7, lsl #4
                    b 1f
                    .ltorg
                1:
                """);
        assertEquals(0x0F, cpu.x(2));
        assertEquals(0x0F, cpu.x(3));
        assertEquals(-16, cpu.x(4));
        assertEquals(0xFFFFFFFFFF0000FFL, cpu.x(5));
        assertEquals(0, cpu.x(6));
        assertEquals(-5L << 4, cpu.x(8));
        assertEquals(0xF, cpu.x(9));
        assertEquals(0x8811223344556677L, cpu.x(11));
        assertEquals(0xD0000000L, cpu.x(12));
        assertEquals(0x8877665544332211L, cpu.x(13));
        assertEquals(0x66558877L, cpu.x(14));
        assertEquals(0x4433221188776655L, cpu.x(15));
        assertEquals(60, cpu.x(16));
        assertEquals(39, cpu.x(17));
        assertEquals(63, cpu.x(19));
        assertEquals(32, cpu.x(20));
        assertEquals(-16, cpu.x(21));
        assertEquals(0x00FF, cpu.x(22));
        assertEquals(crc32Reflected(0xEDB88320, 0, 1L, 1), cpu.x(24));
        assertEquals(crc32Reflected(0x82F63B78, 0, 0x1122334455667788L, 8), cpu.x(25));
        assertEquals(0xFFFFFFFFL, cpu.x(26));
        assertEquals(0xBEEFL << 48, cpu.x(27) & 0xFFFFL << 48);
        assertEquals(~(0xBL << 4), cpu.x(28));
    }

    /** CRC as the Arm pseudocode defines it (no pre/post inversion), computed bit by bit. */
    private static long crc32Reflected(int poly, int acc, long value, int bytes) {
        int crc = acc;
        for (int i = 0; i < bytes * 8; i++) {
            int bit = (int) (value >>> i) & 1;
            boolean xor = ((crc ^ bit) & 1) != 0;
            crc = (crc >>> 1) ^ (xor ? poly : 0);
        }
        return crc & 0xFFFFFFFFL;
    }

    @Test
    void branchesFollowConditionsAndLinkRegister() {
        A64Cpu cpu = runProgram("""
                    mov x1, #0
                    mov x2, #10
                1:  add x1, x1, x2
                    subs x2, x2, #1
                    b.ne 1b                    // 10+9+...+1
                    mov x3, #0
                    cbz x3, 2f
                    mov x3, #99
                2:  mov x4, #0x100
                    tbnz x4, #8, 3f
                    mov x4, #99
                3:  tbz x4, #63, 4f
                    mov x4, #98
                4:  bl 5f
                    b 6f
                5:  mov x5, x30
                    adr x6, 5b
                    ret
                6:  adr x7, 7f
                    blr x7
                    b 8f
                7:  mov x8, #77
                    ret
                8:  adrp x9, 8b
                """);
        assertEquals(55, cpu.x(1));
        assertEquals(0, cpu.x(3));
        assertEquals(0x100, cpu.x(4));
        assertEquals(cpu.x(6) - 4, cpu.x(5));
        assertEquals(77, cpu.x(8));
        assertEquals(TestBoard.RAM, cpu.x(9));
    }

    @Test
    void consoleOutputReachesTheUart() {
        TestBoard board = TestBoard.withProgram("""
                    mov x1, #0x09000000
                    adr x2, msg
                1:  ldrb w3, [x2], #1
                    cbz w3, 2f
                    strb w3, [x1]
                    b 1b
                2:
                """ + OFF + """
                msg: .asciz "hello, arm\\n"
                """);
        assertEquals(VcpuExit.POWERED_OFF, board.run());
        assertEquals("hello, arm\n", board.uart.toString());
    }
}
