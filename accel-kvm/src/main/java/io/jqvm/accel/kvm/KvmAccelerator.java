package io.jqvm.accel.kvm;

import io.jqvm.accel.Accelerator;
import io.jqvm.accel.GuestIo;
import io.jqvm.accel.MachineSpec;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.common.Arch;

/** The {@code kvm} accelerator: x86-64 guests on the host CPU through Linux KVM. */
public final class KvmAccelerator implements Accelerator {
    @Override
    public String name() {
        return "kvm";
    }

    @Override
    public String unavailableReason(Arch arch) {
        return KvmHost.unavailableReason(arch);
    }

    @Override
    public VirtualMachine create(MachineSpec spec, GuestIo io) {
        return KvmVirtualMachine.create(spec, io);
    }
}
