package io.jqvm.device;

import io.jqvm.common.ExitStatus;

/**
 * What a device may ask of the VM as a whole: the guest's power and reset requests (ACPI S5, PSCI,
 * keyboard-controller reset) and the safe state after a fatal guest error (watchdog expiry).
 * Callable from any thread; the VM acts on the first request and logs the others.
 */
public interface VmControl {
    /** The guest asked to power off; the VM ends with {@code status} and {@code reason} in the log. */
    void shutdown(ExitStatus status, String reason);

    /** The guest asked to be reset. */
    void reset(String reason);
}
