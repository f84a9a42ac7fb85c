package io.jqvm.config.model;

import io.jqvm.common.Log;
import io.jqvm.config.Origin;

import java.util.List;
import java.util.Set;

/** A {@code logger filter[,filter...] dest} line: which levels go to one destination. */
public record LoggerSpec(Set<Log.Level> levels, Destination destination, Origin origin) {
    public enum Destination {
        STDOUT, STDERR, SLOG, NONE
    }

    /** What applies when the configuration has no {@code logger} line. */
    public static final List<LoggerSpec> DEFAULT =
            List.of(new LoggerSpec(Log.DEFAULT_LEVELS, Destination.STDERR, Origin.BUILT_IN));

    public LoggerSpec {
        levels = Set.copyOf(levels);
    }
}
