package io.jqvm.device;

import io.jqvm.common.Log;
import java.util.function.LongSupplier;

/**
 * Warnings about a guest's bad register accesses, rate-limited so that a guest hammering a register cannot
 * flood the host log: a burst of lines, then at most one per interval carrying the count of the ones
 * suppressed. The total is kept for status reports and tests.
 */
public final class GuestAccessLog {
    private static final int BURST = 5;
    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final String device;
    private final LongSupplier nanoClock;
    private long total;
    private long suppressed;
    private int credit = BURST;
    private long lastLine;

    public GuestAccessLog(String device) {
        this(device, System::nanoTime);
    }

    GuestAccessLog(String device, LongSupplier nanoClock) {
        this.device = device;
        this.nanoClock = nanoClock;
        this.lastLine = nanoClock.getAsLong();
    }

    /** Counts one bad access and logs it unless the rate limit holds it back. */
    public synchronized void report(String what) {
        total++;
        long now = nanoClock.getAsLong();
        if (credit == 0 && now - lastLine >= INTERVAL_NANOS) {
            credit = 1;
        }
        if (credit == 0) {
            suppressed++;
            return;
        }
        credit--;
        lastLine = now;
        String more = suppressed == 0 ? "" : " (" + suppressed + " similar messages suppressed)";
        suppressed = 0;
        Log.warn(device + ": " + what + more);
    }

    /** Bad accesses seen so far, logged or not. */
    public synchronized long total() {
        return total;
    }
}
