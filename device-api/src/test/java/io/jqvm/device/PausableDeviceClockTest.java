package io.jqvm.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A VM's clock stops with the VM: time and callbacks, but not the time of day. */
class PausableDeviceClockTest {
    /** A host clock a test moves by hand, running due callbacks in deadline order. */
    private static final class HandClock implements DeviceClock {
        long now = 1_000;
        final List<long[]> order = new ArrayList<>();
        final List<Object[]> pending = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public long epochNanos() {
            return 1_700_000_000_000_000_000L + now;
        }

        @Override
        public Timer schedule(long delayNanos, Runnable task) {
            Object[] p = {now + Math.max(0, delayNanos), task};
            pending.add(p);
            return () -> pending.remove(p);
        }

        void advance(long nanos) {
            long target = now + nanos;
            while (true) {
                Object[] next = pending.stream().filter(p -> (long) p[0] <= target)
                        .min(Comparator.comparingLong(p -> (long) p[0])).orElse(null);
                if (next == null) {
                    break;
                }
                pending.remove(next);
                now = (long) next[0];
                ((Runnable) next[1]).run();
            }
            now = target;
        }
    }

    private final HandClock host = new HandClock();
    private final PausableDeviceClock clock = new PausableDeviceClock(host);
    private final List<Long> firedAtVmTime = new ArrayList<>();

    @Test
    void vmTimeStandsStillWhilePausedAndGoesOnWithoutAJump() {
        long t0 = clock.nanoTime();
        host.advance(100);
        clock.pause();
        host.advance(5_000);
        assertEquals(t0 + 100, clock.nanoTime());
        clock.resume();
        host.advance(50);
        assertEquals(t0 + 150, clock.nanoTime());
        assertEquals(host.epochNanos(), clock.epochNanos(), "the time of day is the host's");
    }

    @Test
    void aCallbackDueDuringAPauseRunsAfterItAtItsVmDeadline() {
        long deadline = clock.nanoTime() + 1_000;
        clock.schedule(1_000, () -> firedAtVmTime.add(clock.nanoTime()));
        host.advance(400);
        clock.pause();
        host.advance(10_000);
        assertEquals(List.of(), firedAtVmTime, "nothing fires while paused");
        clock.resume();
        host.advance(599);
        assertEquals(List.of(), firedAtVmTime, "600 ns of VM time were still to go");
        host.advance(1);
        assertEquals(List.of(deadline), firedAtVmTime);
    }

    @Test
    void aCallbackThatExpiresOnTheHostAfterAPauseWaitsForTheVmTimeThePauseTook() {
        long deadline = clock.nanoTime() + 1_000;
        clock.schedule(1_000, () -> firedAtVmTime.add(clock.nanoTime()));
        clock.pause();
        host.advance(300);
        clock.resume();       // the host timer still expires 1000 ns after it was set: 300 ns of VM time early
        host.advance(700);
        assertEquals(List.of(), firedAtVmTime);
        host.advance(300);
        assertEquals(List.of(deadline), firedAtVmTime);
    }

    @Test
    void aCancelledCallbackNeverRunsEvenWhenItWaitsForAResume() {
        DeviceClock.Timer timer = clock.schedule(100, () -> firedAtVmTime.add(clock.nanoTime()));
        clock.pause();
        host.advance(1_000);
        timer.cancel();
        clock.resume();
        host.advance(1_000);
        assertEquals(List.of(), firedAtVmTime);
    }

    @Test
    void pauseAndResumeAreHarmlessWhenRepeated() {
        clock.pause();
        host.advance(10);
        clock.pause();
        host.advance(10);
        long frozen = clock.nanoTime();
        clock.resume();
        clock.resume();
        host.advance(5);
        assertEquals(frozen + 5, clock.nanoTime());
    }
}
