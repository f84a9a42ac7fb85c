package io.jqvm.device;

/**
 * One interrupt wire from a device to an interrupt controller input (or to a vCPU's IRQ/FIQ pin).
 * Level-triggered by nature: {@code set(true)} asserts, {@code set(false)} deasserts. An edge-triggered
 * source asserts then deasserts ({@link #pulse}). Thread-safe.
 */
@FunctionalInterface
public interface IrqLine {
    void set(boolean asserted);

    default void pulse() {
        set(true);
        set(false);
    }

    /** A line connected to nothing, for devices whose interrupt is not wired. */
    IrqLine NONE = asserted -> { };
}
