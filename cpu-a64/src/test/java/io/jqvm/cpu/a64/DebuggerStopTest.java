package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.jqvm.accel.A64Entry;
import io.jqvm.accel.A64Registers;
import io.jqvm.accel.GuestDebug;
import io.jqvm.accel.VcpuExit;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The debugger's requests ({@link GuestDebug}): breakpoints, single step and watchpoints, apart from the guest's own. */
class DebuggerStopTest {
    private static final String PROGRAM = """
                mov x0, #1
                mov x1, #2
                mov x2, #3
                adr x3, data
                str x2, [x3]
                ldr x4, [x3]
                movz x0, #0x0008
                movk x0, #0x8400, lsl #16
                hvc #0
                .align 4
            data:
                .quad 0
            """;
    private static final long THIRD = TestBoard.RAM + 8;
    private static final long STORE = TestBoard.RAM + 16;
    private static final long LOAD = TestBoard.RAM + 20;
    private static final long DATA = TestBoard.RAM + 48;

    private static A64Cpu started(TestBoard board) {
        A64Cpu cpu = board.cpu();
        cpu.setEntry(new A64Entry(TestBoard.RAM, 0, 0, 0, 0));
        return cpu;
    }

    private static GuestDebug breakpoints(long... addresses) {
        return new GuestDebug(false, Arrays.stream(addresses).boxed().toList(), List.of(), List.of());
    }

    @Test
    void aBreakpointStopsBeforeItsInstructionWithoutTouchingGuestMemory() {
        TestBoard board = TestBoard.withProgram(PROGRAM);
        int instruction = board.memory.read32(THIRD);
        A64Cpu cpu = started(board);
        cpu.setGuestDebug(breakpoints(THIRD));
        VcpuExit.Debug stop = assertInstanceOf(VcpuExit.Debug.class, cpu.run());
        assertEquals(GuestDebug.Cause.BREAKPOINT, stop.cause());
        assertEquals(THIRD, cpu.pc());
        A64Registers r = cpu.registers();
        assertEquals(2, r.x(1));
        assertEquals(0, r.x(2), "the instruction at the breakpoint has not run");
        assertEquals(instruction, board.memory.read32(THIRD));
        cpu.setGuestDebug(GuestDebug.NONE);
        assertInstanceOf(VcpuExit.PoweredOff.class, cpu.run(), "PSCI SYSTEM_OFF ends the run");
        assertEquals(3, cpu.registers().x(4));
    }

    @Test
    void aBreakpointOnAnotherPageStopsALoopThatEntersIt() {
        TestBoard board = TestBoard.withProgram("""
                    mov x0, #0
                1:  add x0, x0, #1
                    cmp x0, #100
                    b.ne 1b
                    b far
                    .align 13
                far:
                    mov x1, #7
                    movz x0, #0x0008
                    movk x0, #0x8400, lsl #16
                    hvc #0
                """);
        A64Cpu cpu = started(board);
        long far = TestBoard.RAM + 0x2000;
        cpu.setGuestDebug(breakpoints(far + 4, 0xFFFF_8000_0000_0000L));
        assertInstanceOf(VcpuExit.Debug.class, cpu.run());
        assertEquals(far + 4, cpu.pc());
        assertEquals(7, cpu.registers().x(1));
    }

    @Test
    void aSingleStepRunsOneInstruction() {
        A64Cpu cpu = started(TestBoard.withProgram(PROGRAM));
        cpu.setGuestDebug(new GuestDebug(true, List.of(THIRD), List.of(), List.of()));
        for (long expected = TestBoard.RAM + 4; expected <= THIRD + 4; expected += 4) {
            VcpuExit.Debug stop = assertInstanceOf(VcpuExit.Debug.class, cpu.run());
            assertEquals(GuestDebug.Cause.STEP, stop.cause(), "a step is not stopped by the breakpoint it starts on");
            assertEquals(expected, cpu.pc());
        }
        assertEquals(3, cpu.registers().x(2));
    }

    @Test
    void aWriteWatchpointStopsBeforeTheStoreAndAnAccessWatchpointAtTheLoad() {
        TestBoard board = TestBoard.withProgram(PROGRAM);
        A64Cpu cpu = started(board);
        GuestDebug.Watchpoint write = new GuestDebug.Watchpoint(DATA + 4, 2, GuestDebug.Access.WRITE);
        GuestDebug.Watchpoint read = new GuestDebug.Watchpoint(DATA, 8, GuestDebug.Access.READ);
        cpu.setGuestDebug(new GuestDebug(false, List.of(), List.of(), List.of(write, read)));
        VcpuExit.Debug stop = assertInstanceOf(VcpuExit.Debug.class, cpu.run());
        assertEquals(GuestDebug.Cause.WATCHPOINT, stop.cause());
        assertEquals(write, stop.watchpoint());
        assertEquals(DATA + 4, stop.dataAddress());
        assertEquals(STORE, cpu.pc());
        assertEquals(0, board.memory.read64(DATA), "stopped before the store");
        cpu.setGuestDebug(new GuestDebug(false, List.of(), List.of(), List.of(read)));
        stop = assertInstanceOf(VcpuExit.Debug.class, cpu.run());
        assertEquals(read, stop.watchpoint());
        assertEquals(LOAD, cpu.pc());
        assertEquals(3, board.memory.read64(DATA));
        cpu.setGuestDebug(GuestDebug.NONE);
        assertInstanceOf(VcpuExit.PoweredOff.class, cpu.run());
    }

    @Test
    void registersWrittenByTheDebuggerAreTheOnesTheGuestRunsWith() {
        A64Cpu cpu = started(TestBoard.withProgram(PROGRAM));
        cpu.setGuestDebug(breakpoints(STORE));
        assertInstanceOf(VcpuExit.Debug.class, cpu.run());
        long[] x = cpu.registers().x();
        x[2] = 0x1234;
        cpu.setRegisters(new A64Registers(x, 0x4000_8000L, STORE, 0x6000_03C5L));
        assertEquals(0x6000_03C5L, cpu.registers().pstate(), "NZCV taken; EL1h and DAIF are the CPU's");
        cpu.setGuestDebug(breakpoints(LOAD));
        assertInstanceOf(VcpuExit.Debug.class, cpu.run());
        assertEquals(0x4000_8000L, cpu.sp());
        cpu.setGuestDebug(GuestDebug.NONE);
        assertInstanceOf(VcpuExit.PoweredOff.class, cpu.run());
        assertEquals(0x1234, cpu.registers().x(4));
    }

    @Test
    void theFpSimdRegistersAreReportedAndWrittenWithTheGeneralOnes() {
        A64Cpu cpu = started(TestBoard.withProgram(PROGRAM));
        cpu.fpState().v[2] = 0x3FF8_0000_0000_0000L; // d1 = 1.5
        cpu.fpState().fpsr = 0x10;
        A64Registers r = cpu.registers();
        assertEquals(0x3FF8_0000_0000_0000L, r.vLow(1));
        assertEquals(0x10, r.fpsr());
        long[] v = r.v();
        v[63] = -1;
        cpu.setRegisters(new A64Registers(r.x(), r.sp(), r.pc(), r.pstate(), v, 0, 0x0100_0000));
        assertEquals(-1, cpu.fpState().v[63], "the high half of v31");
        assertEquals(0x3FF8_0000_0000_0000L, cpu.fpState().v[2]);
        assertEquals(0, cpu.fpState().fpsr);
        assertEquals(0x0100_0000, cpu.fpState().fpcr);
    }

    @Test
    void withTheMmuOffAVirtualAddressIsItsPhysicalAddress() {
        A64Cpu cpu = started(TestBoard.withProgram(PROGRAM));
        assertEquals(DATA, cpu.translateVirtual(DATA));
        assertEquals(-1, cpu.translateVirtual(1L << 50));
    }
}
