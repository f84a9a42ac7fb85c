package io.jqvm.boot;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;

/**
 * A guest image (kernel, initrd, firmware) whose headers are malformed or ask for something jqvm cannot
 * do. The message names the image offset and the field, so a user can check it with a hex dump.
 */
public final class ImageFormatException extends VmmException {
    public ImageFormatException(String message) {
        super(ExitStatus.FATAL_BEFORE_START, message);
    }
}
