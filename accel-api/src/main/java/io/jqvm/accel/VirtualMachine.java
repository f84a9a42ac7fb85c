package io.jqvm.accel;

import io.jqvm.device.InterruptController;

/** A created VM: its vCPUs and, where the accelerator emulates one, its platform interrupt controller. */
public interface VirtualMachine extends AutoCloseable {
    int vcpuCount();

    Vcpu vcpu(int index);

    /**
     * x86 with {@link MachineSpec#x86IrqChip}: the global system interrupt lines (GSI 0-23) of the
     * accelerator's PIC/IOAPIC pair, which the {@code ioapic} and {@code 8259} vdevs route to. Null otherwise.
     */
    InterruptController platformInterrupts();

    /** Exit counts by reason, for the log at the end of a run. */
    ExitCounters exitCounters();

    @Override
    void close();
}
