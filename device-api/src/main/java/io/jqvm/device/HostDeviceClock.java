package io.jqvm.device;

import io.jqvm.common.Log;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** {@link DeviceClock#host()}: the host's clocks and one daemon thread, shared by all devices, for callbacks. */
final class HostDeviceClock implements DeviceClock {
    static final HostDeviceClock INSTANCE = new HostDeviceClock();
    private final ScheduledThreadPoolExecutor executor;

    private HostDeviceClock() {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "jqvm-device-clock");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        // The thread serves every VM of the process: a callback logs as the VM that scheduled it.
        Log.Scope scope = Log.currentScope();
        ScheduledFuture<?> f = executor.schedule(() -> Log.runIn(scope, task), Math.max(0, delayNanos),
                TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }
}
