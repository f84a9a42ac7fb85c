package io.jqvm.boot.arm64;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;

/** A kernel, initrd or device tree that cannot be placed in guest RAM as the boot protocol requires. */
public final class KernelLoadException extends VmmException {
    public KernelLoadException(String message) {
        super(ExitStatus.FATAL_BEFORE_START, message);
    }
}
