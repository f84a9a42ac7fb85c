package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.accel.VcpuExit;
import org.junit.jupiter.api.Test;

class CodeCacheTest {
    @Test
    void storesToDecodedCodeAreSeenByTheNextExecution() {
        A64Cpu cpu = IntegerInstructionsTest.runProgram("""
                    mov x3, #0
                    adr x1, patched
                    ldr w2, replacement
                    bl patched                       // decode the original once
                    str w2, [x1]                     // same page as the running code
                    bl patched
                    b 1f
                patched:
                    add x3, x3, #1
                    ret
                replacement:
                    add x3, x3, #100
                1:
                """);
        assertEquals(101, cpu.x(3));
    }

    @Test
    void writesBehindTheCpusBackAreSeenAfterMemoryWritten() {
        TestBoard board = TestBoard.withProgram("""
                    mov x3, #0
                    adr x5, patched
                    bl patched                       // decoded once
                    mov x1, #0x09000000
                    str wzr, [x1, #0x100]            // doorbell: the "device" rewrites patched
                    bl patched
                """ + IntegerInstructionsTest.OFF + """
                patched:
                    add x3, x3, #1
                    ret
                """);
        int addHundred = 0x91019063; // add x3, x3, #100
        board.doorbell = () -> {
            long patched = board.cpu().x(5);
            board.memory.write32(patched, addHundred);
            board.machine.memoryWritten(patched, 4);
        };
        assertEquals(VcpuExit.POWERED_OFF, board.run());
        assertEquals(101, board.cpu().x(3));
    }

    @Test
    void theSimdUnitReceivesTheDataProcessingGroup() {
        TestBoard board = TestBoard.withProgram("""
                    mov x1, #3 << 20
                    msr cpacr_el1, x1
                    mov x1, #42
                    fmov d0, x1                      // handed to the unit below
                    fmov x2, d0
                """ + IntegerInstructionsTest.OFF);
        int fmovToD0 = 0x9E670020;
        int fmovFromD0 = 0x9E660002;
        board.machine.setSimdUnit((insn, state, registers) -> {
            if (insn == fmovToD0) {
                state.v[0] = registers.x(1);
                return true;
            }
            if (insn == fmovFromD0) {
                registers.setX(2, state.v[0] + 1);
                return true;
            }
            return false;
        });
        assertEquals(VcpuExit.POWERED_OFF, board.run());
        assertEquals(43, board.cpu().x(2));
        assertEquals(0, board.cpu().undefinedInstructions());
    }

    @Test
    void withoutASimdUnitTheGroupIsUndefined() {
        TestBoard board = TestBoard.withProgram("""
                    mov x1, #3 << 20
                    msr cpacr_el1, x1
                    adr x1, vectors
                    msr vbar_el1, x1
                    fmov d0, x1
                    b .
                    .align 11
                vectors:
                    .skip 0x200                      // current EL with SP_ELx, synchronous
                    mrs x5, esr_el1
                """ + IntegerInstructionsTest.OFF);
        assertEquals(VcpuExit.POWERED_OFF, board.run());
        assertEquals(1, board.cpu().undefinedInstructions());
        assertEquals(0x02000000L, board.cpu().x(5));
    }
}
