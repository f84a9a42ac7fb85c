package io.jqvm.accel.aarch64;

import io.jqvm.accel.Vcpu;
import io.jqvm.device.IrqLine;
import io.jqvm.device.SystemRegisterDevice;

/**
 * An AArch64 vCPU's connections to the board: its IRQ and FIQ input pins (driven by the GIC), its generic
 * timer outputs (wired to the GIC's per-CPU timer PPIs) and the system-register devices it forwards to
 * (the GICv3 CPU interface). Made before the vCPU first runs.
 */
public interface A64Vcpu extends Vcpu {
    IrqLine irqPin();

    IrqLine fiqPin();

    /** Where the generic timer's EL1 physical (PPI 30) and virtual (PPI 27) timer outputs go. */
    void connectTimers(IrqLine physical, IrqLine virtual);

    void attachSystemRegisters(SystemRegisterDevice device);

    /** The guest's view of the counter: host counter ticks minus this offset (qvm {@code counter-offset}). */
    void setCounterOffset(long offset);
}
