package io.jqvm.api;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import io.jqvm.vmm.VmListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code --metrics-path FILE}: the metrics of {@code GET /metrics}, appended to a file as one JSON line every
 * interval and once more when each run ends, as Firecracker's metrics file is flushed (it may be a FIFO a
 * collector reads). Independent of the API socket.
 */
public final class MetricsFile implements VmListener {
    /** Firecracker's flush period. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);

    /** Made at the first flush: ControlOptions reads {@link #DEFAULT_INTERVAL} at every start, metrics or not. */
    private static final class Json {
        static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();
    }

    private final Path path;
    private final Duration interval;
    private final ScheduledExecutorService timer;
    private volatile RunControl current;
    private boolean warned;

    /** Checks the file can be written (status 64 if not) before the VM starts. */
    public MetricsFile(Path path, Duration interval) {
        this.path = path;
        this.interval = interval;
        try {
            Files.write(path, new byte[0], StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "--metrics-path " + path + ": cannot write: " + e.getMessage());
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("jqvm-metrics").factory());
    }

    @Override
    public void claimed(Path runtimeDirectory) {
        long millis = interval.toMillis();
        timer.scheduleAtFixedRate(this::flush, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void started(Run run) {
        current = new RunControl(run);
    }

    @Override
    public void ended(Run run) {
        flush();
        current = null;
    }

    @Override
    public void finished() {
        timer.shutdownNow();
    }

    private synchronized void flush() {
        RunControl run = current;
        if (run == null) {
            return;
        }
        String line = Json.GSON.toJson(run.metrics().toJsonTree()) + "\n";
        try {
            Files.writeString(path, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            if (!warned) {
                warned = true;
                Log.warn("metrics file " + path + ": " + e.getMessage() + " (further failures not logged)");
            }
        }
    }
}
