package io.jqvm.accel.kvm;

import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.X86Entry;
import io.jqvm.accel.kvm.RecordingGuestIo.Access;
import io.jqvm.device.InterruptController;
import io.jqvm.device.MsiController;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.jqvm.accel.kvm.TestMachine.CODE;
import static io.jqvm.accel.kvm.TestMachine.code;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The in-kernel 8259/IOAPIC/local APICs and PIT: creation, GSI lines, and an interrupt taken in long mode. */
class KvmIrqChipTest {
    @BeforeEach
    void needsKvm() {
        KvmRequirement.assumeKvm();
    }

    @Test
    void vmWithIrqChipAndPitOffers24GsiLines() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo(), List.of(), 2, true, true)) {
            InterruptController gsi = m.vm.platformInterrupts();
            assertNotNull(gsi);
            assertEquals(24, gsi.lineCount());
            for (int n = 0; n < gsi.lineCount(); n++) {
                gsi.line(n).pulse();
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gsi.line(24));
            assertEquals("GSI 24 does not exist: the in-kernel IOAPIC has lines 0-23", e.getMessage());
        }
    }

    @Test
    void vmWithoutIrqChipHasNoPlatformInterrupts() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo())) {
            assertEquals(null, m.vm.platformInterrupts());
        }
    }

    @Test
    void pulsedGsiReachesALongModeGuestThroughThe8259() throws InterruptedException {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo(), List.of(), 1, true, true)) {
            TestMachine.Running running = startWaitingForInterrupt(m, 0x21,
                    0xB0, 0x11, 0xE6, 0x20,                         // ICW1: edge, cascade, ICW4 follows
                    0xB0, 0x20, 0xE6, 0x21,                         // ICW2: IRQ0 is vector 0x20
                    0xB0, 0x04, 0xE6, 0x21,                         // ICW3: slave on IRQ2
                    0xB0, 0x01, 0xE6, 0x21,                         // ICW4: 8086 mode
                    0xB0, 0xFD, 0xE6, 0x21);                        // mask all but IRQ1
            awaitTrue(() -> m.io.accesses().contains(Access.pioWrite(0x94, 1, 0xfd)), "guest programmed the PIC");
            Thread.sleep(50);
            assertFalse(running.exit().isDone(), "halted in the kernel, not returned");

            m.vm.platformInterrupts().line(1).pulse();
            awaitTrue(() -> m.io.accesses().contains(Access.pioWrite(0x93, 1, 0x21)), "IRQ1 handler ran");
            running.vcpu().requestStop();
            assertEquals(VcpuExit.STOPPED, running.awaitExit());
        }
    }

    /** A message to the local APICs' window (KVM_SIGNAL_MSI) runs the guest's handler for its vector. */
    @Test
    void msiReachesALongModeGuestThroughItsLocalApic() throws InterruptedException {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo(), List.of(), 1, true, true)) {
            TestMachine.Running running = startWaitingForInterrupt(m, 0x41,
                    0xB8, 0xF0, 0x00, 0xE0, 0xFE,                   // mov eax, 0xfee000f0 (spurious vector register)
                    0xC7, 0x00, 0xFF, 0x01, 0x00, 0x00);            // mov dword [rax], 0x1ff: APIC software-enabled
            awaitTrue(() -> m.io.accesses().contains(Access.pioWrite(0x94, 1, 0xf0)), "guest enabled its local APIC");
            MsiController apics = (MsiController) m.vm.platformInterrupts();
            apics.signal(0xfee0_0000L, 0x41); // APIC 0, physical, fixed, edge
            awaitTrue(() -> m.io.accesses().contains(Access.pioWrite(0x93, 1, 0x41)), "vector 0x41 handler ran");
            running.vcpu().requestStop();
            assertEquals(VcpuExit.STOPPED, running.awaitExit());
        }
    }

    @Test
    void secondaryVcpuWaitsForStartupUntilStopped() throws InterruptedException {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo(), List.of(), 2, true, false)) {
            TestMachine.Running secondary = m.start(1, null);
            Thread.sleep(200);
            assertFalse(secondary.exit().isDone(), "waits in KVM_RUN for INIT/SIPI");
            secondary.vcpu().requestStop();
            assertEquals(VcpuExit.STOPPED, secondary.awaitExit());
        }
    }

    /** INIT and SIPI addressed to APIC id 1, as Linux starts its CPUs. */
    @Test
    void bootVcpuStartsTheSecondaryWithInitAndStartupIpis() {
        try (TestMachine m = TestMachine.create(new RecordingGuestIo(), List.of(), 2, true, false)) {
            long cr3 = LongModeTables.write(m.memory);
            m.memory.load(0x8000, code(0xB0, 0x55, 0xE6, 0x97, 0xF4)); // real mode: mov al, 0x55; out 0x97, al; hlt
            m.memory.load(CODE, code(
                    0xBB, 0x00, 0x03, 0xE0, 0xFE,                   // mov ebx, 0xfee00300 (local APIC ICR low)
                    0xC7, 0x43, 0x10, 0x00, 0x00, 0x00, 0x01,       // mov dword [rbx+0x10], 1 << 24: to APIC id 1
                    0xC7, 0x03, 0x00, 0x45, 0x00, 0x00,             // mov dword [rbx], 0x4500: INIT
                    0xC7, 0x03, 0x08, 0x46, 0x00, 0x00,             // mov dword [rbx], 0x4608: SIPI, start at 0x8000
                    0xF4,                                           // hlt (in the kernel: irqchip)
                    0xEB, 0xFD));                                   // jmp back to hlt
            TestMachine.Running secondary = m.start(1, null);
            TestMachine.Running boot = m.start(0, new X86Entry(X86Entry.Mode.LONG64, CODE, 0x7000, 0, 0, 0, cr3,
                    LongModeTables.GDT, LongModeTables.GDT_LIMIT));

            try {
                awaitTrue(() -> m.io.accesses().contains(Access.pioWrite(0x97, 1, 0x55)), "the secondary ran from 0x8000");
            } finally {
                boot.vcpu().requestStop();
                secondary.vcpu().requestStop();
            }
            assertEquals(VcpuExit.STOPPED, boot.awaitExit());
            assertEquals(VcpuExit.STOPPED, secondary.awaitExit());
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TestMachine.TIME_LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            try {
                Thread.sleep(Duration.ofMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting: " + what, e);
            }
        }
    }

    /**
     * Starts vCPU 0 of {@code m} in long mode: it loads an IDT whose {@code vector} handler writes the vector to port
     * 0x93, runs {@code setup} (code that leaves a byte in al), writes al to port 0x94 to tell the test it is ready,
     * enables interrupts and halts in the kernel's irqchip.
     */
    private static TestMachine.Running startWaitingForInterrupt(TestMachine m, int vector, int... setup) {
        long cr3 = LongModeTables.write(m.memory);
        KvmGuestTest.writeIdtGate(m.memory, vector, 0x2000);
        m.memory.load(0x2000, code(0xB0, vector, 0xE6, 0x93, 0xF4)); // mov al, vector; out 0x93, al; hlt
        int[] lidt = {0x0F, 0x01, 0x1C, 0x25, 0x00, 0x06, 0x00, 0x00}; // lidt [0x600]
        int[] waitForInterrupt = {
                0xE6, 0x94,                                         // out 0x94, al: tell the test
                0xFB,                                               // sti
                0xF4,                                               // hlt (in the kernel: irqchip)
                0xEB, 0xFD};                                        // jmp back to hlt
        m.memory.load(CODE, code(IntStream.concat(IntStream.concat(IntStream.of(lidt), IntStream.of(setup)),
                IntStream.of(waitForInterrupt)).toArray()));
        X86Entry entry = new X86Entry(X86Entry.Mode.LONG64, CODE, 0x8000, 0, 0, 0, cr3,
                LongModeTables.GDT, LongModeTables.GDT_LIMIT);
        return m.start(0, entry);
    }
}
