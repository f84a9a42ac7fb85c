package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.A64Entry;
import io.jqvm.accel.VcpuExit;
import io.jqvm.device.IrqLine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InterruptTest {
    /** Vector 5 (IRQ, current EL with SP_ELx) goes to {@code irq}; every other vector powers off. */
    private static final String VECTORS = """
                b start
                .align 11
            vectors:
                .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
                .align 7
                mov x28, #\\n
                cmp x28, #5
                b.eq irq
                b off
                .endr
            off:
                movz x0, #0x0008
                movk x0, #0x8400, lsl #16
                hvc #0
            start:
                adr x1, vectors
                msr vbar_el1, x1
            """;

    @Test
    void virtualTimerInterruptWakesWfiAndIsTakenAtTheIrqVector() {
        TestBoard board = TestBoard.withProgram(VECTORS + """
                    mrs x4, cntvct_el0
                    movz x2, #62500                  // 1 ms
                    msr cntv_tval_el0, x2
                    mov x3, #1
                    msr cntv_ctl_el0, x3
                1:  wfi                              // IRQs masked: wakes when the timer asserts
                    msr daifclr, #2                  // ... and the IRQ is taken here, however late the wfi ran
                    msr daifset, #2
                    cbz x19, 1b
                    mrs x5, cntvct_el0
                    sub x5, x5, x4
                    svc #0
                irq:
                    add x19, x19, #1
                    mrs x18, cntv_ctl_el0
                    mrs x17, isr_el1
                    mov x1, #3                       // mask the timer: its output drops
                    msr cntv_ctl_el0, x1
                    mrs x16, isr_el1
                    eret
                """);
        A64Cpu cpu = board.cpu();
        cpu.connectTimers(IrqLine.NONE, cpu.irqPin());
        assertEquals(VcpuExit.POWERED_OFF, board.run(), cpu::registerDump);
        assertEquals(1, cpu.x(19));
        assertEquals(5, cpu.x(18)); // ENABLE | ISTATUS
        assertEquals(0x80, cpu.x(17));
        assertEquals(0, cpu.x(16));
        assertTrue(cpu.x(5) >= 62500, () -> "woke after " + cpu.x(5) + " ticks");
    }

    @Test
    void wfiWakesOnAnAssertedPinEvenWithIrqsMasked() throws Exception {
        TestBoard board = TestBoard.withProgram(VECTORS + """
                    wfi
                    mov x7, #1
                    svc #0
                irq:
                    b off
                """);
        A64Cpu cpu = board.cpu();
        CompletableFuture<VcpuExit> exit = CompletableFuture.supplyAsync(board::run);
        Thread.sleep(200);
        assertFalse(exit.isDone(), "WFI must wait for the interrupt");
        cpu.irqPin().set(true);
        assertEquals(VcpuExit.POWERED_OFF, exit.get(5, TimeUnit.SECONDS));
        assertEquals(1, cpu.x(7));
        assertEquals(4, cpu.x(28)); // the masked interrupt was not taken: only the final svc's vector ran
    }

    @Test
    void requestStopEndsRunEvenDuringWfi() throws Exception {
        TestBoard board = TestBoard.withProgram(VECTORS + """
                1:  wfi
                    b 1b
                irq:
                    b off
                """);
        CompletableFuture<VcpuExit> exit = CompletableFuture.supplyAsync(() -> board.run(30));
        Thread.sleep(200);
        board.cpu().requestStop();
        assertEquals(VcpuExit.STOPPED, exit.get(2, TimeUnit.SECONDS));
        assertFalse(board.watchdogFired.get());
    }

    @Test
    void requestStopEndsABusyLoop() throws Exception {
        TestBoard board = TestBoard.withProgram(VECTORS + """
                1:  b 1b
                irq:
                    b off
                """);
        CompletableFuture<VcpuExit> exit = CompletableFuture.supplyAsync(() -> board.run(30));
        Thread.sleep(200);
        board.cpu().requestStop();
        assertEquals(VcpuExit.STOPPED, exit.get(2, TimeUnit.SECONDS));
        assertTrue(board.cpu().instructionsRetired() > 0);
    }

    @Test
    void twoVcpusShareTheExclusiveMonitorAndSevWakesWfe() throws Exception {
        TestBoard board = new TestBoard(2);
        board.memory.load(TestBoard.RAM, GuestAssembler.assemble("""
                    mrs x1, mpidr_el1
                    and x1, x1, #0xff
                    ldr x2, =counter
                    ldr x3, =100000
                1:  ldaxr x4, [x2]
                    add x4, x4, #1
                    stlxr w5, x4, [x2]
                    cbnz w5, 1b
                    subs x3, x3, #1
                    b.ne 1b
                    cbnz x1, secondary
                    sevl
                2:  wfe                              // the boot vCPU waits for the secondary's flag
                    ldr x6, [x2, #8]
                    cbz x6, 2b
                    ldr x7, [x2]
                    b off
                secondary:
                    mov x6, #1
                    str x6, [x2, #8]
                    sev
                off:
                    movz x0, #0x0008
                    movk x0, #0x8400, lsl #16
                    hvc #0
                    .ltorg
                    .align 4
                counter: .quad 0, 0
                """, TestBoard.RAM));
        A64Cpu boot = board.machine.cpu(0);
        A64Cpu secondary = board.machine.cpu(1);
        boot.setEntry(new A64Entry(TestBoard.RAM, 0, 0, 0, 0));
        secondary.setEntry(new A64Entry(TestBoard.RAM, 0, 0, 0, 0));
        CompletableFuture<VcpuExit> second = CompletableFuture.supplyAsync(secondary::run);
        CompletableFuture<VcpuExit> first = CompletableFuture.supplyAsync(boot::run);
        assertEquals(VcpuExit.POWERED_OFF, second.get(20, TimeUnit.SECONDS));
        assertEquals(VcpuExit.POWERED_OFF, first.get(20, TimeUnit.SECONDS));
        assertEquals(200000, boot.x(7));
        assertEquals(1, secondary.x(1));
        assertEquals(boot.instructionsRetired() + secondary.instructionsRetired(), board.machine.instructionsRetired());
        assertTrue(board.machine.instructionsRetired() > 2 * 5 * 100000); // both ran the 5-instruction loop 100000 times
        assertEquals(0, board.machine.undefinedInstructions());
    }
}
