package io.jqvm.virtio.testing;

import io.jqvm.device.DeviceClock;
import java.util.ArrayList;
import java.util.List;

/** A device clock that moves only when the test says; scheduled tasks run in {@link #advance}, on the caller. */
public final class ManualClock implements DeviceClock {
    private record Task(long due, Runnable run, boolean[] cancelled) {
    }

    private long now;
    private final List<Task> tasks = new ArrayList<>();

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public long epochNanos() {
        return nanoTime();
    }

    @Override
    public synchronized Timer schedule(long delayNanos, Runnable task) {
        boolean[] cancelled = {false};
        tasks.add(new Task(now + Math.max(0, delayNanos), task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Moves time forward and runs every task that fell due, in order (including ones they schedule). */
    public void advance(long nanos) {
        long target;
        synchronized (this) {
            target = now + nanos;
        }
        while (true) {
            Task next = null;
            synchronized (this) {
                for (Task t : tasks) {
                    if (t.due() <= target && (next == null || t.due() < next.due())) {
                        next = t;
                    }
                }
                if (next == null) {
                    now = target;
                    return;
                }
                tasks.remove(next);
                now = Math.max(now, next.due());
            }
            if (!next.cancelled()[0]) {
                next.run().run();
            }
        }
    }

    public synchronized int pending() {
        return tasks.size();
    }
}
