package io.jqvm.config;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;

/**
 * An invalid configuration. The message is always {@code file:line:column: what is wrong}, so it can be
 * printed as is; the process exits with {@link ExitStatus#CONFIG_ERROR}.
 */
public final class ConfigException extends VmmException {
    private final transient Origin origin;

    public ConfigException(Origin origin, String problem) {
        super(ExitStatus.CONFIG_ERROR, origin + ": " + problem);
        this.origin = origin;
    }

    /** The token the problem was found at. */
    public Origin origin() {
        return origin;
    }
}
