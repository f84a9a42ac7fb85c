package io.jqvm.accel;

import io.jqvm.common.Arch;

/**
 * An engine that runs guest code: {@code kvm} (the host CPU through Linux KVM) or {@code soft} (a CPU
 * emulated in Java). Implementations are found with {@link java.util.ServiceLoader}; the VM assembly never
 * names a concrete accelerator.
 */
public interface Accelerator {
    /** The name used by the {@code accel} option and in logs. */
    String name();

    /** Null when this accelerator can run {@code arch} guests on this host, otherwise why not. */
    String unavailableReason(Arch arch);

    /**
     * Creates a VM: maps the guest memory, creates the vCPUs and the platform pieces the spec asks for.
     * Throws {@link io.jqvm.common.VmmException} with {@code FATAL_BEFORE_START} when the host lacks
     * something the spec needs.
     */
    VirtualMachine create(MachineSpec spec, GuestIo io);
}
