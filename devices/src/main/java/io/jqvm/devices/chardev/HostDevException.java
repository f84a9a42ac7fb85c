package io.jqvm.devices.chardev;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;

/** A {@code hostdev} that is malformed or cannot be opened; the message names the spec and the cause. */
public final class HostDevException extends VmmException {
    public HostDevException(String spec, String problem) {
        super(ExitStatus.FATAL_BEFORE_START, "hostdev " + spec + ": " + problem);
    }
}
