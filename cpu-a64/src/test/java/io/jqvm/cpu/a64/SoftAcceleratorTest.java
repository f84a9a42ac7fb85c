package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.Accelerator;
import io.jqvm.accel.MachineSpec;
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

    @Test
    void refusesX86Guests() {
        TestBoard board = new TestBoard(1);
        MachineSpec spec = new MachineSpec("t", Arch.X86_64, board.memory, 1, false, false, 0);
        assertThrows(VmmException.class, () -> new SoftAccelerator().create(spec, board));
    }
}
