package io.jqvm.boot.arm64;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;

/** A kernel, initrd or device tree that cannot be placed in guest RAM as the boot protocol requires. */
public final class KernelLoadException extends VmmException {
    /** Which file is at fault, so that the error names that file's {@code load} line. */
    public enum Part { KERNEL, INITRD }

    private final Part part;

    public KernelLoadException(String message) {
        this(Part.KERNEL, message);
    }

    public KernelLoadException(Part part, String message) {
        super(ExitStatus.FATAL_BEFORE_START, message);
        this.part = part;
    }

    public Part part() {
        return part;
    }
}
