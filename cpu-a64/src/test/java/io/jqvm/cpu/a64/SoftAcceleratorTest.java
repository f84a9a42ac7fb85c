package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.Accelerator;
import io.jqvm.accel.MachineSpec;
import io.jqvm.accel.VcpuExit;
import io.jqvm.accel.A64Entry;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.accel.aarch64.A64Vcpu;
import io.jqvm.accel.soft.SoftAccelerator;
import io.jqvm.common.Arch;
import io.jqvm.common.VmmException;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class SoftAcceleratorTest {
    @Test
    void isFoundByTheServiceLoaderAndRunsAarch64Only() {
        Accelerator soft = ServiceLoader.load(Accelerator.class).stream().map(ServiceLoader.Provider::get)
                .filter(a -> a.name().equals("soft")).findFirst().orElseThrow();
        assertNull(soft.unavailableReason(Arch.AARCH64));
        assertNotNull(soft.unavailableReason(Arch.X86_64));
        assertTrue(soft.unavailableReason(Arch.X86_64).contains("AArch64"));
    }

    @Test
    void createsOneA64VcpuPerSpecVcpu() {
        TestBoard board = new TestBoard(1);
        try (VirtualMachine vm = new SoftAccelerator().create(MachineSpec.aarch64("t", board.memory, 3), board)) {
            assertEquals(3, vm.vcpuCount());
            for (int i = 0; i < 3; i++) {
                assertEquals(i, vm.vcpu(i).index());
                assertInstanceOf(A64Vcpu.class, vm.vcpu(i));
            }
            assertNull(vm.platformInterrupts());
        }
    }

    /** "device" rewrites the code at x5 (already decoded) when the guest rings the doorbell, then runs it. */
    private static final String PATCHED_BY_DEVICE = """
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
            """;
    private static final int ADD_HUNDRED = 0x91019063; // add x3, x3, #100

    @Test
    void deviceWritesThroughGuestMemoryKeepTheDecodedCodeCoherent() {
        TestBoard board = TestBoard.withProgram(PATCHED_BY_DEVICE);
        try (VirtualMachine vm = new SoftAccelerator().create(MachineSpec.aarch64("t", board.memory, 1), board)) {
            A64Cpu cpu = (A64Cpu) vm.vcpu(0);
            // The device only writes guest memory: no call into the CPU.
            board.doorbell = () -> board.memory.write32(cpu.x(5), ADD_HUNDRED);
            cpu.setEntry(new A64Entry(TestBoard.RAM, 0, 0, 0, 0));
            assertEquals(VcpuExit.POWERED_OFF, cpu.run());
            assertEquals(101, cpu.x(3), "the rewritten instruction ran");
        }
    }

    @Test
    void withoutTheWriteHookTheCpuWouldRunStaleCode() {
        // The same program on a machine nobody subscribed to guest-memory writes: what the hook prevents.
        TestBoard board = TestBoard.withProgram(PATCHED_BY_DEVICE);
        board.doorbell = () -> board.memory.write32(board.cpu().x(5), ADD_HUNDRED);
        assertEquals(VcpuExit.POWERED_OFF, board.run());
        assertEquals(2, board.cpu().x(3), "the decoded original ran again");
    }

    @Test
    void refusesX86Guests() {
        TestBoard board = new TestBoard(1);
        MachineSpec spec = new MachineSpec("t", Arch.X86_64, board.memory, 1, false, false, 0, false);
        assertThrows(VmmException.class, () -> new SoftAccelerator().create(spec, board));
    }

    /** Loads from shared memory mapped while the VM exists, before and after "another process" writes it. */
    private static final String READS_SHARED_MEMORY = """
                movz x1, #1, lsl #32
                ldr x3, [x1, #8]
                mov x2, #0x09000000
                str wzr, [x2, #0x100]            // doorbell: the peer writes the shared page
                ldr x4, [x1, #8]
            """ + IntegerInstructionsTest.OFF;

    @Test
    void memoryMappedAtRunTimeIsGuestRamUntilUnmapped() {
        TestBoard board = TestBoard.withProgram(READS_SHARED_MEMORY);
        try (VirtualMachine vm = new SoftAccelerator().create(MachineSpec.aarch64("t", board.memory, 1), board);
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment shared = arena.allocate(4096, 4096);
            shared.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, 41);
            vm.mapMemory(0x1_0000_0000L, shared);
            A64Cpu cpu = (A64Cpu) vm.vcpu(0);
            board.doorbell = () -> shared.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, 42);
            cpu.setEntry(new A64Entry(TestBoard.RAM, 0, 0, 0, 0));
            assertEquals(VcpuExit.POWERED_OFF, cpu.run());
            assertEquals(41, cpu.x(3));
            assertEquals(42, cpu.x(4), "a write behind the CPU's back is seen at once (data, not code)");
            assertThrows(IllegalArgumentException.class, () -> vm.mapMemory(0x1_0000_0000L, shared), "overlap");
            vm.unmapMemory(0x1_0000_0000L);
            vm.mapMemory(0x1_0000_0000L, shared); // the address is free again
        }
    }

    /** Stores to, then loads from, memory mapped read-only (a read-only pass-through region). */
    private static final String WRITES_READ_ONLY_MEMORY = """
                movz x1, #1, lsl #32
                mov x2, #7
                str x2, [x1, #8]
                ldr x3, [x1, #8]
            """ + IntegerInstructionsTest.OFF;

    @Test
    void storesToMemoryMappedReadOnlyTakeTheIoPathAndLeaveItUnchanged() {
        TestBoard board = TestBoard.withProgram(WRITES_READ_ONLY_MEMORY);
        try (VirtualMachine vm = new SoftAccelerator().create(MachineSpec.aarch64("t", board.memory, 1), board);
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment region = arena.allocate(4096, 4096);
            region.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, 41);
            vm.mapMemory(0x1_0000_0000L, region, true);
            A64Cpu cpu = (A64Cpu) vm.vcpu(0);
            cpu.setEntry(new A64Entry(TestBoard.RAM, 0, 0, 0, 0));
            assertEquals(VcpuExit.POWERED_OFF, cpu.run());
            assertEquals(java.util.List.of(0x1_0000_0008L), board.otherWrites, "the store reached the I/O path");
            assertEquals(41, region.get(java.lang.foreign.ValueLayout.JAVA_LONG, 8));
            assertEquals(41, cpu.x(3), "loads read the mapped memory");
        }
    }
}
