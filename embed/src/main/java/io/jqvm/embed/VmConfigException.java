package io.jqvm.embed;

import io.jqvm.common.ExitStatus;

/**
 * The configuration is invalid: the message is {@code file:line:column: what is wrong}, the line the jqvm
 * command prints for it (with exit status 65).
 */
public final class VmConfigException extends VmStartException {
    private static final long serialVersionUID = 1L;

    VmConfigException(String message) {
        super(ExitStatus.CONFIG_ERROR, message);
    }
}
