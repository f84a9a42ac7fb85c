package io.jqvm.accel.kvm;

import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.X86Entry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.jqvm.accel.kvm.TestMachine.CODE;
import static io.jqvm.accel.kvm.TestMachine.code;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Vcpu#requestStop} from another thread: prompt, never lost, and the vCPU can run again after it. */
class KvmStopTest {
    private static final X86Entry REAL = new X86Entry(X86Entry.Mode.REAL, CODE, 0x8000, 0, 0, 0, 0, 0, 0);
    private static final Duration PROMPT = Duration.ofSeconds(2);

    @BeforeEach
    void needsKvm() {
        KvmRequirement.assumeKvm();
    }

    @Test
    void stopEndsASpinningGuestPromptly() throws InterruptedException {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo())) {
            m.memory.load(CODE, code(0xEB, 0xFE)); // jmp $
            TestMachine.Running running = m.start(0, REAL);
            Thread.sleep(200);
            assertFalse(running.exit().isDone(), "the guest spins until stopped");

            long asked = System.nanoTime();
            running.vcpu().requestStop();
            assertEquals(VcpuExit.STOPPED, running.awaitExit());
            Duration took = Duration.ofNanos(System.nanoTime() - asked);
            assertTrue(took.compareTo(PROMPT) < 0, "stopped after " + took);
        }
    }

    @Test
    void stopRequestedBeforeRunTakesEffectWithoutEnteringTheGuest() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo())) {
            m.memory.load(CODE, code(0xE6, 0x80, 0xEB, 0xFE)); // out 0x80, al; jmp $
            m.vm.vcpu(0).requestStop();

            assertEquals(VcpuExit.STOPPED, m.start(0, REAL).awaitExit());
            assertEquals(List.of(), m.io.accesses());
        }
    }

    @Test
    void stopRequestedByTheBusDuringAnExitEndsTheRun() {
        AtomicReference<Vcpu> vcpu = new AtomicReference<>();
        RecordingGuestIo io = new RecordingGuestIo() {
            @Override
            public synchronized void pioWrite(int index, int port, int size, long value) {
                super.pioWrite(index, port, size, value);
                vcpu.get().requestStop(); // as the VM does when an access's policy is abort
            }
        };
        try (TestMachine m = TestMachine.create(io)) {
            vcpu.set(m.vm.vcpu(0));
            m.memory.load(CODE, code(0xE6, 0x80, 0xEB, 0xFE)); // out 0x80, al; jmp $

            assertEquals(VcpuExit.STOPPED, m.start(0, REAL).awaitExit());
            assertEquals(List.of(RecordingGuestIo.Access.pioWrite(0x80, 1, 0)), io.accesses());
        }
    }

    @Test
    void noKickIsLostWhileTheGuestExitsConstantly() throws InterruptedException {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo())) {
            m.memory.load(CODE, code(0xE6, 0x80, 0xEB, 0xFC)); // again: out 0x80, al; jmp again
            Vcpu vcpu = m.vm.vcpu(0);
            vcpu.setEntry(REAL); // from the test thread: run() may be called from any one thread at a time
            for (int round = 0; round < 30; round++) {
                TestMachine.Running running = m.start(0, null);
                Thread.sleep(round % 5);
                vcpu.requestStop();
                assertEquals(VcpuExit.STOPPED, running.awaitExit(), "round " + round);
            }
            assertFalse(m.io.accesses().isEmpty(), "the guest ran between the stops");
        }
    }
}
