package io.jqvm.devices.arm;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time a device model sees: a monotonic clock for counters, the wall clock for real-time clocks, and
 * one-shot callbacks for expiries. Injected so that tests drive time by hand.
 */
public interface DeviceClock {
    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** Wall-clock nanoseconds since the Unix epoch. */
    long epochNanos();

    /** Runs {@code task} once, on a clock thread, {@code delayNanos} from now (at once if not positive). */
    Timer schedule(long delayNanos, Runnable task);

    /** A scheduled callback. */
    interface Timer {
        /** Stops the callback if it has not started; harmless after it ran. */
        void cancel();
    }

    /** The host's clocks, with one daemon thread shared by all devices for the callbacks. */
    static DeviceClock host() {
        return HostClock.INSTANCE;
    }

    /** The host clock implementation; its thread never keeps the JVM alive. */
    final class HostClock implements DeviceClock {
        static final HostClock INSTANCE = new HostClock();
        private final ScheduledThreadPoolExecutor executor;

        private HostClock() {
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
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public Timer schedule(long delayNanos, Runnable task) {
            ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    }
}
