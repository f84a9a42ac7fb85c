package io.jqvm.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write the driver flushed is in the image even when jqvm is killed with SIGKILL right after the flush
 * completes: a child JVM writes and flushes through the device, says so, and is killed at once.
 *
 * <p>SIGKILL keeps the host's page cache, so what this proves is that no write sits in a buffer of ours after
 * its completion; that a flush is an fdatasync (which survives a host crash too) is {@link VirtioBlkTest#flushIsAnFdatasync}.
 */
class DurabilityTest {
    @TempDir
    Path dir;

    static byte[] payload() {
        byte[] b = new byte[64 * 1024];
        new Random(42).nextBytes(b);
        return b;
    }

    @Test
    void flushedWriteSurvivesKill9() throws Exception {
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[1 << 20]);
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), FlushThenWait.class.getName(), image.toString()))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
            String line = out.readLine();
            assertEquals("flushed", line, "the child's first line");
            child.destroyForcibly(); // SIGKILL
            child.waitFor(10, TimeUnit.SECONDS);
            assertEquals(137, child.exitValue(), "killed by SIGKILL");
        } finally {
            child.destroyForcibly();
        }
        byte[] disk = Files.readAllBytes(image);
        assertArrayEquals(payload(), Arrays.copyOfRange(disk, 64 * 512, 64 * 512 + payload().length));
    }

    /** The child: writes {@link #payload} at sector 64, flushes, prints "flushed" once both completed, and waits to be killed. */
    public static final class FlushThenWait {
        public static void main(String[] args) throws Exception {
            VirtioBlk device = VirtioBlk.open(Path.of(args[0]), false, null, 2);
            BlkDriver driver = new BlkDriver(device.offeredFeatures());
            device.activate(driver);
            BlkDriver.Request write = driver.submit(BlockRequest.T_OUT, 64, payload(), 0);
            device.queueNotify(0);
            driver.awaitUsed(1); // Linux issues the flush after the write completed
            BlkDriver.Request flush = driver.submit(BlockRequest.T_FLUSH, 0, new byte[0], 0);
            device.queueNotify(0);
            driver.awaitUsed(2);
            if (driver.status(write) != 0 || driver.status(flush) != 0) {
                System.out.println("failed: write " + driver.status(write) + ", flush " + driver.status(flush));
                System.exit(1);
            }
            System.out.println("flushed");
            System.out.flush();
            Thread.sleep(60_000);
            System.exit(2); // never reached when the test kills us
        }
    }
}
