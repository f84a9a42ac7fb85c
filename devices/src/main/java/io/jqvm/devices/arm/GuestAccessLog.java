package io.jqvm.devices.arm;

import io.jqvm.common.Log;

/**
 * Warnings about a guest's bad register accesses, rate-limited per device so that a guest looping on a
 * bad access cannot flood the log: at most {@value #BURST} messages per {@value #WINDOW_SECONDS} seconds,
 * then one line saying how many were suppressed.
 */
final class GuestAccessLog {
    private static final int BURST = 10;
    private static final int WINDOW_SECONDS = 10;
    private static final long WINDOW_NANOS = WINDOW_SECONDS * 1_000_000_000L;

    private final String device;
    private long windowStart = System.nanoTime();
    private int inWindow;
    private int suppressed;

    GuestAccessLog(String device) {
        this.device = device;
    }

    synchronized void warn(String message) {
        long now = System.nanoTime();
        if (now - windowStart >= WINDOW_NANOS) {
            if (suppressed > 0) {
                Log.warn(device + ": " + suppressed + " more guest access warnings suppressed");
            }
            windowStart = now;
            inWindow = 0;
            suppressed = 0;
        }
        if (inWindow < BURST) {
            inWindow++;
            Log.warn(device + ": " + message);
        } else {
            suppressed++;
        }
    }
}
