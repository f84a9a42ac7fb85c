package io.jqvm.device;

import java.util.ArrayList;
import java.util.List;

/**
 * A VM's device clock: the host's, except that its monotonic time and its callbacks stop while the VM is paused,
 * as QEMU's virtual clock does. A watchdog, a PM timer or an HPET therefore sees no time pass across a pause (a
 * long pause must not trip the guest's watchdog). The wall clock keeps the host's time: a real-time clock reads
 * the time of day after a pause, as QEMU's default {@code -rtc clock=host}.
 */
public final class PausableDeviceClock implements DeviceClock {
    private final DeviceClock host;
    /** Host nanoseconds spent paused before the current pause. */
    private long pausedTotal;
    /** Host nanoTime when the current pause began; meaningful while {@link #paused}. */
    private long pausedSince;
    private boolean paused;
    /** Callbacks that came due while paused, with the VM time they wait for. */
    private final List<Deferred> deferred = new ArrayList<>();

    public PausableDeviceClock(DeviceClock host) {
        this.host = host;
    }

    @Override
    public synchronized long nanoTime() {
        return (paused ? pausedSince : host.nanoTime()) - pausedTotal;
    }

    @Override
    public long epochNanos() {
        return host.epochNanos();
    }

    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        Deferred d = new Deferred(nanoTime() + Math.max(0, delayNanos), task);
        d.arm();
        return d;
    }

    /** Stops VM time; callbacks due meanwhile wait for {@link #resume}. Harmless when paused already. */
    public synchronized void pause() {
        if (!paused) {
            pausedSince = host.nanoTime();
            paused = true;
        }
    }

    /** VM time runs on from where it stopped; the callbacks that came due while paused are re-armed. */
    public void resume() {
        List<Deferred> due;
        synchronized (this) {
            if (!paused) {
                return;
            }
            pausedTotal += host.nanoTime() - pausedSince;
            paused = false;
            due = List.copyOf(deferred);
            deferred.clear();
        }
        due.forEach(Deferred::arm);
    }

    /** One callback, at a VM-time deadline: each host expiry checks that VM time has come that far. */
    private final class Deferred implements Timer {
        private final long deadline;
        private final Runnable task;
        private volatile boolean cancelled;
        private volatile Timer hostTimer;

        Deferred(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }

        void arm() {
            hostTimer = host.schedule(deadline - nanoTime(), this::expire);
        }

        private void expire() {
            if (cancelled) {
                return;
            }
            synchronized (PausableDeviceClock.this) {
                if (paused) {
                    deferred.add(this);
                    return;
                }
            }
            if (nanoTime() < deadline) {
                arm(); // a pause came between: VM time is not there yet
                return;
            }
            task.run();
        }

        @Override
        public void cancel() {
            cancelled = true;
            Timer t = hostTimer;
            if (t != null) {
                t.cancel();
            }
            synchronized (PausableDeviceClock.this) {
                deferred.remove(this);
            }
        }
    }
}
