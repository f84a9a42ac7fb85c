package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import io.jqvm.testkit.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mediator killed (SIGKILL) under a Debian guest that uses its disk, and started again: jqvm's vhost-user
 * front end reconnects by itself (Linux never resets a virtio-mmio device, so nothing else would) and replays
 * the device's state. A read the guest issues while no mediator runs waits and then completes; the guest's next
 * writes and reads work without a reset, and what it wrote before the kill is intact.
 */
class MediatorReconnectTest {
    private static final int SIZE = 8 << 20;
    private static final int MIB = 1 << 20;

    @Test
    void theGuestsDiskSurvivesAMediatorKilledAndRestarted(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("shared.img");
        Files.write(disk, new byte[SIZE]);
        Path socket = dir.resolve("safety.sock");
        Path conf = dir.resolve("mediator.conf");
        Files.writeString(conf, "disk shared file " + disk + "\nclient safety on shared socket " + socket + " priority 10\n");
        Command.jqvm(Duration.ofMinutes(10), "--version"); // builds jqvm first if its sources changed
        Process mediator = startMediator(conf, socket, dir.resolve("mediator1.log"));
        Console console = null;
        try {
            console = LinuxVm.under(Vmm.JQVM).with(new GuestDevice.VhostUserDisk(socket)).start(dir);
            GuestShell sh = new GuestShell(LinuxVm.awaitShell(console));
            String before = sh.ok("dd if=/dev/urandom of=/tmp/before bs=1M count=1 2>/dev/null"
                    + " && dd if=/tmp/before of=/dev/vda bs=1M seek=1 oflag=direct conv=fsync 2>/dev/null"
                    + " && sha256sum /tmp/before").split("\\s+")[0];

            mediator.destroyForcibly();
            assertTrue(mediator.waitFor(30, TimeUnit.SECONDS), "the mediator did not die on SIGKILL");
            // Issued while nobody serves the disk: it waits in the ring.
            sh.ok("(dd if=/dev/vda bs=1M skip=1 count=1 iflag=direct 2>/dev/null | sha256sum > /tmp/waited) & true");
            Thread.sleep(1000);
            assertEquals("", sh.ok("cat /tmp/waited 2>/dev/null; true"), "the read completed with no mediator running");

            mediator = startMediator(conf, socket, dir.resolve("mediator2.log"));
            assertEquals(before, sh.ok("wait; cat /tmp/waited").split("\\s+")[0], "the read made during the outage");
            String after = sh.ok("dd if=/dev/urandom of=/tmp/after bs=1M count=1 2>/dev/null"
                    + " && dd if=/tmp/after of=/dev/vda bs=1M seek=2 oflag=direct conv=fsync 2>/dev/null"
                    + " && sha256sum /tmp/after").split("\\s+")[0];
            assertEquals(before, sh.ok("dd if=/dev/vda bs=1M skip=1 count=1 iflag=direct 2>/dev/null | sha256sum")
                    .split("\\s+")[0], "what was written before the kill");
            byte[] image = Files.readAllBytes(disk);
            assertEquals(before, sha256(Arrays.copyOfRange(image, MIB, 2 * MIB)));
            assertEquals(after, sha256(Arrays.copyOfRange(image, 2 * MIB, 3 * MIB)));
            assertTrue(console.log().contains("reconnected to its vhost-user back end"), console.describe());
        } finally {
            if (console != null) {
                console.close();
            }
            mediator.destroyForcibly();
        }
    }

    private static Process startMediator(Path conf, Path socket, Path log) throws Exception {
        Process p = new ProcessBuilder(Command.repo().resolve("jqvm").toString(), "mediator", "@" + conf)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(log).contains("listens on")) { // a killed one's socket file is still there
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the mediator did not start listening: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return p;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
