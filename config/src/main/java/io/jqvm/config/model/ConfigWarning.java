package io.jqvm.config.model;

import io.jqvm.config.Origin;

/** Something accepted but not acted upon; the launcher decides how to show it. */
public record ConfigWarning(Origin origin, String message) {
    @Override
    public String toString() {
        return origin + ": " + message;
    }
}
