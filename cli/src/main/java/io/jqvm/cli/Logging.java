package io.jqvm.cli;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import io.jqvm.config.model.LoggerSpec;
import io.jqvm.config.model.VmSpec;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Routes the log as the configuration's {@code logger} lines say. {@code slog} is QNX's system logger,
 * which Linux lacks: jqvm appends those lines to a file, {@code $JQVM_SLOG_FILE} when set, else
 * {@code <system>.slog} in the working directory.
 */
final class Logging {
    private Logging() {
    }

    static void configure(VmSpec spec) {
        List<Set<Log.Level>> levels = new ArrayList<>();
        List<Log.Sink> sinks = new ArrayList<>();
        Log.Sink slog = null;
        for (LoggerSpec l : spec.effectiveLoggers()) {
            Log.Sink sink = switch (l.destination()) {
                case STDOUT -> Log.stream(System.out);
                case STDERR -> Log.stream(System.err);
                case NONE -> null;
                case SLOG -> slog != null ? slog : (slog = slogFile(spec));
            };
            if (sink != null) {
                levels.add(l.levels());
                sinks.add(sink);
            }
        }
        Log.configure(levels, sinks);
    }

    private static Log.Sink slogFile(VmSpec spec) {
        String configured = System.getenv("JQVM_SLOG_FILE");
        Path file = configured != null ? Path.of(configured) : Path.of(spec.system().orElse("qvm-guest") + ".slog");
        try {
            PrintStream out = new PrintStream(new FileOutputStream(file.toFile(), true), true, StandardCharsets.UTF_8);
            return Log.stream(out);
        } catch (IOException e) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "logger slog: cannot open " + file + ": " + e.getMessage());
        }
    }
}
