package io.jqvm.devices.arm;

import io.jqvm.device.DeviceClock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A device clock that only moves when a test advances it, running due callbacks in deadline order. */
public final class ManualClock implements DeviceClock {
    private long now;
    private long epochOffset = 1_700_000_000L * 1_000_000_000L;
    private final List<Pending> pending = new ArrayList<>();

    private final class Pending implements Timer {
        final long deadline;
        final Runnable task;

        Pending(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }

        @Override
        public void cancel() {
            pending.remove(this);
        }
    }

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public long epochNanos() {
        return epochOffset + now;
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        Pending p = new Pending(now + Math.max(0, delayNanos), task);
        pending.add(p);
        return p;
    }

    public int scheduledCount() {
        return pending.size();
    }

    /** Moves time forward, running each callback at its deadline (callbacks may schedule more). */
    public void advance(long nanos) {
        long target = now + nanos;
        while (true) {
            Pending next = pending.stream().filter(p -> p.deadline <= target)
                    .min(Comparator.comparingLong(p -> p.deadline)).orElse(null);
            if (next == null) {
                break;
            }
            pending.remove(next);
            now = next.deadline;
            next.task.run();
        }
        now = target;
    }

    void advanceSeconds(long seconds) {
        advance(seconds * 1_000_000_000L);
    }
}
