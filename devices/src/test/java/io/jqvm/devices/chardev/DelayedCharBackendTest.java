package io.jqvm.devices.chardev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.CharBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DelayedCharBackendTest {
    @TempDir
    Path dir;

    private static void waitFor(java.util.function.BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void aHostDeviceThatAppearsLaterIsOpenedAndThenCarriesBothWays() throws Exception {
        Path line = dir.resolve("line");
        CountDownLatch woken = new CountDownLatch(1);
        try (CharBackend backend = HostDevs.openDelayed(List.of(line.toString()), 10, () -> { }, Stdio.process())) {
            backend.onInput(woken::countDown);
            backend.write('x'); // nobody on the line yet: dropped
            assertEquals(-1, backend.read());

            Files.writeString(line, "in");
            DelayedCharBackend delayed = (DelayedCharBackend) backend;
            waitFor(delayed::isOpen, 5000);
            assertTrue(delayed.isOpen(), "opened on a retry");
            assertTrue(woken.await(5, TimeUnit.SECONDS), "the device's input callback carried over");
            assertEquals('i', backend.read());
            assertEquals('n', backend.read());
            backend.write('o');
            backend.write('k');
        }
        assertEquals("inok", Files.readString(line), "output after opening appends; the early byte was dropped");
    }

    @Test
    void delayedZeroTriesOnceAndGivesUp() throws Exception {
        Path line = dir.resolve("never");
        try (CharBackend backend = HostDevs.openDelayed(List.of(line.toString()), 0, () -> { }, Stdio.process())) {
            Thread.sleep(50);
            Files.writeString(line, "");
            Thread.sleep(DelayedCharBackend.RETRY_MILLIS + 300);
            assertFalse(((DelayedCharBackend) backend).isOpen());
            backend.write('x');
        }
        assertEquals("", Files.readString(line));
    }

    @Test
    void closingBeforeTheDeviceAppearsStopsTrying() throws IOException, InterruptedException {
        Path line = dir.resolve("late");
        CharBackend backend = HostDevs.openDelayed(List.of(line.toString()), -1, () -> { }, Stdio.process());
        backend.close();
        Files.writeString(line, "");
        Thread.sleep(DelayedCharBackend.RETRY_MILLIS + 300);
        assertFalse(((DelayedCharBackend) backend).isOpen());
    }
}
