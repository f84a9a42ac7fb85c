package io.jqvm.boot;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;

/**
 * A well-formed image that cannot be placed in this VM's memory: it does not fit, asks for an address
 * outside RAM, or leaves no room for the command line, boot information or initrd.
 */
public final class ImageLoadException extends VmmException {
    public ImageLoadException(String message) {
        super(ExitStatus.FATAL_BEFORE_START, message);
    }
}
