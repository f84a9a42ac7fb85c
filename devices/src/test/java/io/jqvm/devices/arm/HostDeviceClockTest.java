package io.jqvm.devices.arm;

import io.jqvm.device.DeviceClock;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HostDeviceClockTest {
    private final DeviceClock clock = DeviceClock.host();

    @Test
    void callbacksRunAfterTheirDelay() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        long start = clock.nanoTime();
        clock.schedule(30_000_000L, ran::countDown);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        assertTrue(clock.nanoTime() - start >= 30_000_000L);
    }

    @Test
    void cancelledCallbacksNeverRun() throws InterruptedException {
        // Hold the clock's only thread so that the cancelled callback cannot start before cancel().
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        clock.schedule(0, () -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(holding.await(5, TimeUnit.SECONDS));
        AtomicBoolean cancelledRan = new AtomicBoolean();
        DeviceClock.Timer cancelled = clock.schedule(0, () -> cancelledRan.set(true));
        CountDownLatch after = new CountDownLatch(1);
        clock.schedule(0, after::countDown);
        cancelled.cancel();
        release.countDown();
        assertTrue(after.await(5, TimeUnit.SECONDS));
        assertFalse(cancelledRan.get());
    }

    @Test
    void wallClockIsTheEpoch() {
        long millis = System.currentTimeMillis();
        assertTrue(Math.abs(clock.epochNanos() / 1_000_000L - millis) < 5_000);
    }
}
