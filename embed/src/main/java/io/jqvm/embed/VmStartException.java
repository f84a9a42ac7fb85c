package io.jqvm.embed;

import io.jqvm.common.ExitStatus;

/**
 * The VM could not start: its configuration is invalid ({@link VmConfigException}) or the host cannot run it
 * (no accelerator for the guest, not enough memory, a {@code system} name another VM holds). The message is the
 * one line the jqvm command prints, and {@link #status} the status it exits with (64 or 65).
 */
public class VmStartException extends Exception {
    private static final long serialVersionUID = 1L;
    private final ExitStatus status;

    VmStartException(ExitStatus status, String message) {
        super(message);
        this.status = status;
    }

    public ExitStatus status() {
        return status;
    }
}
