package io.jqvm.devices.arm;

import io.jqvm.common.Log;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/** Routes every log level into a list for the duration of one test, then restores the default route. */
final class CapturedLog implements AutoCloseable {
    private final List<String> lines = new ArrayList<>();

    private CapturedLog() {
    }

    static CapturedLog start() {
        CapturedLog captured = new CapturedLog();
        Log.configure(List.of(EnumSet.allOf(Log.Level.class)), List.of((level, line) -> {
            synchronized (captured.lines) {
                captured.lines.add(line);
            }
        }));
        return captured;
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        Log.reset();
    }
}
