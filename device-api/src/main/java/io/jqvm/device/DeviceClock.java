package io.jqvm.device;

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
        return HostDeviceClock.INSTANCE;
    }
}
