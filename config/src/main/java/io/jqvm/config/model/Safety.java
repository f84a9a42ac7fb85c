package io.jqvm.config.model;

/** The {@code safety} option: how to react to components that are not safety-certified. */
public enum Safety {
    NONE, WARN, REQUIRED
}
