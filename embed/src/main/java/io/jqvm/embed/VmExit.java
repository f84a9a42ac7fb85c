package io.jqvm.embed;

import io.jqvm.common.ExitStatus;

/**
 * How a VM ended: the status the jqvm command would exit with (0 the guest shut down, 3 power cut, 4 watchdog,
 * 7 unexpected guest stop, ...) and why, in the words of the VM's log.
 */
public record VmExit(ExitStatus status, String reason) {
    /** The status as a number, as the jqvm command exits with it. */
    public int code() {
        return status.code();
    }

    @Override
    public String toString() {
        return "status " + status.code() + " (" + status + "): " + reason;
    }
}
