package io.jqvm.devices.arm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HostDeviceClockTest {
    private final DeviceClock clock = DeviceClock.host();

    @Test
    void callbacksRunAfterTheirDelayAndCancelledOnesNever() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicBoolean cancelledRan = new AtomicBoolean();
        long start = clock.nanoTime();
        DeviceClock.Timer cancelled = clock.schedule(20_000_000L, () -> cancelledRan.set(true));
        clock.schedule(30_000_000L, ran::countDown);
        cancelled.cancel();
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        assertTrue(clock.nanoTime() - start >= 30_000_000L);
        assertFalse(cancelledRan.get());
    }

    @Test
    void wallClockIsTheEpoch() {
        long millis = System.currentTimeMillis();
        assertTrue(Math.abs(clock.epochNanos() / 1_000_000L - millis) < 5_000);
    }
}
