package io.jqvm.accel;

/**
 * A stopped vCPU's registers in its architecture's own terms: what a guest core file holds and a
 * debugger shows. Read on the vCPU's own thread ({@link Vcpu#registers}).
 */
public sealed interface Registers permits A64Registers, X86Registers {
}
