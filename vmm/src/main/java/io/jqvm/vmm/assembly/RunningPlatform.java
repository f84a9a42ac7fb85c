package io.jqvm.vmm.assembly;

import io.jqvm.accel.VirtualMachine;
import io.jqvm.vmm.IoDispatcher;
import io.jqvm.vmm.VmRuntime;

/** What deferred connections reach once the VM runs: the accelerator's VM, the runtime, the I/O dispatcher. */
public record RunningPlatform(VirtualMachine vm, VmRuntime runtime, IoDispatcher io) {
}
