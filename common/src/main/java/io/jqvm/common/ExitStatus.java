package io.jqvm.common;

/**
 * Process exit statuses, numbered as QNX qvm numbers them so that scripts written for qvm keep working.
 * Pinned by {@code ExitStatusTest}: changing a number is a compatibility break.
 */
public enum ExitStatus {
    /** The guest shut down normally (PSCI SYSTEM_OFF, ACPI S5), or a dryrun completed. */
    NORMAL(0),
    /** The guest's power was cut from outside (SIGQUIT, SIGTERM). */
    POWER_CUT(3),
    /** A watchdog vdev expired and its action terminated the VM. */
    WATCHDOG(4),
    /** The guest did something the VM does not support and the policy said abort. */
    UNSUPPORTED(5),
    /** A vdev failed in a way it could not recover from. */
    VDEV_ERROR(6),
    /** Anything else unexpected: a triple fault, a KVM internal error, a failed entry. */
    UNEXPECTED(7),
    /** A fatal error before the guest started, e.g. not enough host memory, no usable accelerator. */
    FATAL_BEFORE_START(64),
    /** The configuration is invalid. */
    CONFIG_ERROR(65),
    /** A fatal error after the guest started. */
    FATAL_AFTER_START(96);

    private final int code;

    ExitStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
