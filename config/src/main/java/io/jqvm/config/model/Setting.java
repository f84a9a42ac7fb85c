package io.jqvm.config.model;

import io.jqvm.config.Origin;

/** A {@code set var value} that applied; {@code origin} is the {@code set} token. */
public record Setting(Variable variable, Value value, Origin origin) {
}
