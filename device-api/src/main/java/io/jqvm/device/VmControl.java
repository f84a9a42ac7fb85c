package io.jqvm.device;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;

/**
 * What a device may ask of the VM as a whole: the guest's power and reset requests (ACPI S5, PSCI,
 * keyboard-controller reset), the safe state after a fatal guest error (watchdog expiry) and a guest core
 * dump before it.
 * Callable from any thread; the VM acts on the first request and logs the others.
 */
public interface VmControl {
    /** The guest asked to power off; the VM ends with {@code status} and {@code reason} in the log. */
    void shutdown(ExitStatus status, String reason);

    /** The guest asked to be reset. */
    void reset(String reason);

    /**
     * Writes a guest core (every vCPU's registers and guest RAM) where the configuration's {@code dump}
     * says, before a watchdog's action. A VM that cannot dump (no {@code dump} configured, a test double)
     * logs why; the caller goes on with its action either way.
     */
    default void dumpGuest(String reason) {
        Log.warn("no guest dump written (" + reason + "): this VM cannot write one");
    }
}
