package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.VcpuExit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GenericTimerTest {
    @Test
    void registersReportStatusAndDriveTheOutputLine() {
        TestBoard board = TestBoard.withProgram(ExceptionTest.VECTORS + """
                    mrs x1, cntvct_el0
                    movz x2, #0x3b9a, lsl #16        // one billion ticks ahead
                    add x2, x1, x2
                    msr cntv_cval_el0, x2
                    mov x3, #1
                    msr cntv_ctl_el0, x3
                    mrs x4, cntv_ctl_el0             // enabled, not yet met: 1
                    mrs x5, cntv_tval_el0            // positive distance
                    mov x6, #-1
                    msr cntv_tval_el0, x6            // one tick ago: met
                    mrs x7, cntv_ctl_el0             // 5
                    mov x3, #3
                    msr cntv_ctl_el0, x3             // masked: output drops, ISTATUS stays
                    mrs x8, cntv_ctl_el0             // 7
                    msr cntv_ctl_el0, xzr
                    mrs x9, cntv_ctl_el0             // disabled: 0
                    mrs x10, cntp_ctl_el0
                    mrs x11, cntpct_el0
                    sub x11, x11, x1                 // counter advances
                """ + ExceptionTest.END);
        List<Boolean> virtualLine = new ArrayList<>();
        board.cpu().connectTimers(level -> { }, virtualLine::add);
        assertEquals(VcpuExit.POWERED_OFF, board.run(), board.cpu()::registerDump);
        A64Cpu cpu = board.cpu();
        assertEquals(1, cpu.x(4));
        assertTrue(cpu.x(5) > 0 && cpu.x(5) <= 1_000_000_000L, () -> "TVAL " + cpu.x(5));
        assertEquals(5, cpu.x(7));
        assertEquals(7, cpu.x(8));
        assertEquals(0, cpu.x(9));
        assertEquals(0, cpu.x(10));
        assertTrue(cpu.x(11) > 0);
        assertEquals(List.of(true, false), virtualLine);
    }

    /** A paused VM's counter reads on from where it stopped: the skip moves it back by the pause, to the tick. */
    @Test
    void skippingAPauseMovesTheCounterBackAndKeepsTheDeadlines() {
        GenericTimer timer = new GenericTimer(0);
        List<Boolean> line = new ArrayList<>();
        timer.connect(level -> { }, line::add);
        long second = GenericTimer.FREQUENCY;
        long before = timer.count();
        timer.writeCval(GenericTimer.VIRTUAL, before + 3600 * second);
        timer.writeCtl(GenericTimer.VIRTUAL, GenericTimer.CTL_ENABLE);
        timer.skip(1800L * 1_000_000_000L); // half an hour paused
        long after = timer.count();
        assertTrue(after < before, "the counter went back by the pause: " + before + " -> " + after);
        assertTrue(before - after >= 1700 * second, () -> "moved " + (before - after) + " ticks");
        assertEquals(before + 3600 * second, timer.readCval(GenericTimer.VIRTUAL), "CVAL is in counter ticks: unchanged");
        assertEquals(GenericTimer.CTL_ENABLE, timer.readCtl(GenericTimer.VIRTUAL), "not met: ISTATUS clear");
        assertEquals(List.of(), line, "the timer did not fire");
    }

    @Test
    void el0CounterAccessFollowsCntkctl() {
        TestBoard board = TestBoard.withProgram(ExceptionTest.VECTORS + """
                    mov x1, #2                       // EL0VCTEN only
                    msr cntkctl_el1, x1
                    ldr x1, =0x40800000
                    msr sp_el0, x1
                    adr x1, el0
                    msr elr_el1, x1
                    msr spsr_el1, xzr
                    eret
                el0:
                    mrs x2, cntvct_el0               // allowed
                    mrs x3, cntpct_el0               // trapped
                    mov x4, x25
                    mrs x5, cntv_ctl_el0             // trapped (EL0VTEN clear)
                    mov x6, x25
                    mrs x7, cntfrq_el0               // allowed with either counter enabled
                    msr daifset, #2                  // SCTLR.UMA clear: trapped
                    mov x8, x25
                """ + ExceptionTest.END);
        assertEquals(VcpuExit.POWERED_OFF, board.run(), board.cpu()::registerDump);
        A64Cpu cpu = board.cpu();
        assertTrue(cpu.x(2) != 0);
        assertEquals(0x18, cpu.x(4) >>> 26);
        assertEquals(0x18, cpu.x(6) >>> 26);
        assertEquals(62_500_000L, cpu.x(7));
        assertEquals(0x18, cpu.x(8) >>> 26);
    }
}
