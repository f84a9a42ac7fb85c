package io.jqvm.boot.fdt;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;

/** A device-tree blob that cannot be read, with the offset and the rule it breaks. */
public final class FdtFormatException extends VmmException {
    public FdtFormatException(String message) {
        super(ExitStatus.FATAL_BEFORE_START, message);
    }
}
