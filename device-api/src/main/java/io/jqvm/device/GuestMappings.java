package io.jqvm.device;

import java.lang.foreign.MemorySegment;

/**
 * The guest-physical address space as a device changes it while the guest runs: host memory (a shared-memory
 * object other processes also map) appears as guest RAM at a page-aligned address and disappears again. The
 * accelerator behind it (a KVM memory slot, the software CPU's memory map) is none of the device's business.
 */
public interface GuestMappings {
    /**
     * Makes {@code host} (page-aligned, a whole number of 4 KiB pages) readable and writable by the guest at
     * {@code gpa}, which no RAM, ROM or other mapping covers.
     */
    void map(long gpa, MemorySegment host, String owner);

    /**
     * Removes the mapping at {@code gpa}. The host memory must stay valid until the VM ends: a software vCPU
     * may finish the instruction batch it is in with the old translation.
     */
    void unmap(long gpa);
}
