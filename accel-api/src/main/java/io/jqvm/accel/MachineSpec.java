package io.jqvm.accel;

import io.jqvm.common.Arch;
import io.jqvm.memory.GuestMemory;

/**
 * What the accelerator must build, derived from the configuration.
 *
 * @param name            VM name, used for thread names
 * @param arch            guest architecture
 * @param memory          guest RAM and ROM (ROM must stay read-only to the guest)
 * @param vcpus           number of vCPUs
 * @param x86IrqChip      x86 only: emulate the 8259 pair, IOAPIC and local APICs (in-kernel on KVM)
 * @param x86Pit          x86 only: emulate the 8254 PIT (in-kernel on KVM)
 * @param x86IoapicBase   x86 only: the IOAPIC's guest-physical base when {@code x86IrqChip}
 * @param peerMappedMemory memory other processes write may be mapped into guest-physical space while the guest
 *                        runs ({@link VirtualMachine#mapMemory}, qvm's shmem): an accelerator that caches decoded
 *                        code cannot see those writes and must have the guest maintain its instruction cache
 */
public record MachineSpec(String name, Arch arch, GuestMemory memory, int vcpus,
                          boolean x86IrqChip, boolean x86Pit, long x86IoapicBase, boolean peerMappedMemory) {
    public static MachineSpec aarch64(String name, GuestMemory memory, int vcpus) {
        return new MachineSpec(name, Arch.AARCH64, memory, vcpus, false, false, 0, false);
    }
}
