package io.jqvm.accel;

/** Why {@link Vcpu#run} returned: lifecycle events and a debugger's stops; I/O never leaves the accelerator's loop. */
public sealed interface VcpuExit {
    /** {@link Vcpu#requestStop} was called (the VM is stopping). */
    record Stopped() implements VcpuExit { }

    /** The vCPU halted with nothing able to wake it (x86 HLT without an interrupt controller). */
    record Halted() implements VcpuExit { }

    /** The vCPU powered itself off (PSCI CPU_OFF); the VM continues. */
    record PoweredOff() implements VcpuExit { }

    /** The guest shut the machine down by a fatal CPU condition, e.g. an x86 triple fault. */
    record Shutdown(String reason) implements VcpuExit { }

    /** The accelerator could not continue running the guest (KVM internal error, failed entry). */
    record Failed(String reason) implements VcpuExit { }

    /**
     * A {@link GuestDebug} request stopped the vCPU: a breakpoint or watchpoint before its instruction ran (the
     * pc is that instruction's), or a completed single step. {@code watchpoint} is the one hit, else null;
     * {@code dataAddress} the watched address accessed.
     */
    record Debug(GuestDebug.Cause cause, GuestDebug.Watchpoint watchpoint, long dataAddress) implements VcpuExit { }

    Stopped STOPPED = new Stopped();
    Halted HALTED = new Halted();
    PoweredOff POWERED_OFF = new PoweredOff();
}
