package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.accel.VcpuExit;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

/**
 * Measures guest instructions per second on loops of about 100 M instructions, overall and per 100 ms window (the
 * windows show how long the JIT's warm-up lasts and the steady state after it); reports, asserts no timing.
 */
class ThroughputTest {
    private static void measure(String name, String loop, long expectedX1) throws InterruptedException {
        TestBoard board = TestBoard.withProgram(loop + IntegerInstructionsTest.OFF);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long vcpuThread = Thread.currentThread().threadId();
        // MIPS per 100 ms of wall time, by the vCPU thread's CPU time: the JIT's warm-up and the steady state
        // (the retired count is read racily: a report, not an assertion)
        StringBuilder windows = new StringBuilder();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            long lastCpu = threads.getThreadCpuTime(vcpuThread);
            long lastCount = board.cpu().instructionsRetired();
            try {
                while (true) {
                    Thread.sleep(100);
                    long cpu = threads.getThreadCpuTime(vcpuThread);
                    long count = board.cpu().instructionsRetired();
                    if (cpu - lastCpu > 10_000_000L) {
                        windows.append(String.format(" %.0f", (count - lastCount) * 1e3 / (cpu - lastCpu)));
                        lastCpu = cpu;
                        lastCount = count;
                    }
                }
            } catch (InterruptedException e) {
                // the run ended
            }
        });
        long start = System.nanoTime();
        long cpuStart = threads.getCurrentThreadCpuTime();
        assertEquals(VcpuExit.POWERED_OFF, board.run(120), () -> board.cpu().registerDump());
        long cpuNanos = threads.getCurrentThreadCpuTime() - cpuStart;
        long nanos = System.nanoTime() - start;
        sampler.interrupt();
        sampler.join();
        A64Cpu cpu = board.cpu();
        assertEquals(expectedX1, cpu.x(1));
        long n = cpu.instructionsRetired();
        // CPU time as well as wall time: the build machine is shared, so wall time mostly measures the load
        System.out.printf("throughput %s: %d instructions, %.2f s wall = %.1f MIPS, %.2f s thread CPU = %.1f MIPS;"
                + " per 100 ms window:%s%n", name, n, nanos / 1e9, n * 1e3 / nanos, cpuNanos / 1e9, n * 1e3 / cpuNanos, windows);
    }

    @Test
    void registerLoop() throws InterruptedException {
        measure("alu loop", """
                    ldr x2, =25000000
                    mov x1, #0
                1:  add x1, x1, #3
                    eor x3, x3, x1
                    subs x2, x2, #1
                    b.ne 1b
                """, 75_000_000);
    }

    @Test
    void memoryLoop() throws InterruptedException {
        measure("load/store loop", """
                    ldr x2, =16666666
                    movz x4, #0x4001, lsl #16
                    mov x1, #0
                1:  ldr x3, [x4, #8]
                    add x3, x3, #1
                    str x3, [x4, #8]
                    add x1, x1, #1
                    subs x2, x2, #1
                    b.ne 1b
                """, 16_666_666);
    }

    @Test
    void callLoop() throws InterruptedException {
        // a call and a return per iteration: each leaves the compiled region and enters the next through the dispatch
        measure("call loop", """
                    ldr x2, =12500000
                    mov x1, #0
                1:  bl 2f
                    subs x2, x2, #1
                    b.ne 1b
                    b 3f
                2:  add x1, x1, #3
                    eor x3, x3, x1
                    ret
                3:
                """, 37_500_000);
    }
}
