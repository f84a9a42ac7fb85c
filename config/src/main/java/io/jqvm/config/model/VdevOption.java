package io.jqvm.config.model;

import io.jqvm.config.Origin;

/** One occurrence of a vdev option with its parsed value; {@code origin} is the option's token. */
public record VdevOption(String name, Value value, Origin origin) {
}
