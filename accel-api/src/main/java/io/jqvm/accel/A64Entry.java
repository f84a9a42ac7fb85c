package io.jqvm.accel;

/**
 * AArch64 entry state: EL1h, MMU and caches off, DAIF masked, as the Linux arm64 boot protocol and QEMU's
 * {@code -kernel} define; {@code x0}-{@code x3} as given (x0 = device tree for the boot vCPU, the PSCI
 * context id for a secondary).
 */
public record A64Entry(long pc, long x0, long x1, long x2, long x3) implements EntryState {
}
