package io.jqvm.it.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.GuestImages;
import io.jqvm.it.virtio.GuestShell;
import io.jqvm.testkit.Command;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The referred system of examples/systems/referred, run from its own configuration files: two Debian guests on
 * the software CPU, the owner with a disk it serves over a {@code peer} link, the client reaching the files
 * only through the owner ({@code rfile}, busybox wget). The client writes and reads files whose checksums both
 * guests compare; the owner then goes away twice, killed with SIGKILL in the middle of a transfer and powered off
 * from its shell, and each time the client's link goes down and its accesses fail with a message instead of
 * hanging (the interrupted transfer at rfile's limit, leaving no partial file); a new owner on the same disk
 * serves the files written before, and the client, never restarted, reaches them again, the interrupted
 * transfer too.
 */
class ReferredSharingTest {
    private static final Duration BOOT = Duration.ofMinutes(6);
    private static final Path EXAMPLE = Path.of("examples/systems/referred");

    @TempDir
    Path dir;

    @Test
    void theClientReadsAndWritesTheOwnersDiskAndSurvivesTheOwnerGoingAway() throws Exception {
        GuestImages.ensure();
        Command.Result mkfs = Command.run(List.of("mke2fs", "-q", "-t", "ext4", dir.resolve("disk.img").toString(), "64M"),
                dir, Duration.ofMinutes(1));
        assertEquals(0, mkfs.exitStatus(), mkfs::describe);

        Console owner = start("owner");
        try (Console clientConsole = start("client")) {
            try {
                GuestShell ownerShell = awaitShell(owner, "referred owner: serving /dev/vda");
                GuestShell client = awaitShell(clientConsole, "referred client: owner at");
                assertEquals("1", carrierOnceItIs(client, "1"), "the client's link with the owner up");

                String written = sha256(client.ok("head -c 100000 /dev/urandom > /tmp/up && sha256sum /tmp/up"));
                client.ok("rfile put /tmp/up from-client.bin");
                assertEquals(written, sha256(ownerShell.ok("sha256sum /srv/www/files/from-client.bin")),
                        "what the client wrote, on the owner's disk");
                String ownerWrote = sha256(ownerShell.ok("head -c 70000 /dev/urandom > /srv/www/files/from-owner.bin && sync"
                        + " && sha256sum /srv/www/files/from-owner.bin"));
                assertEquals(ownerWrote, sha256(client.ok("rfile get from-owner.bin /tmp/down && sha256sum /tmp/down")),
                        "what the owner wrote, read by the client");
                String listing = client.ok("rfile ls");
                assertTrue(listing.contains("100000 from-client.bin") && listing.contains("70000 from-owner.bin"), listing);

                GuestShell.Result badName = client.run("rfile put /tmp/up ../escape");
                assertNotEquals(0, badName.status(), badName.output());
                assertTrue(badName.output().contains("400 Bad Request") && badName.output().contains("rfile: cannot write ../escape"),
                        badName.output());
                GuestShell.Result missing = client.run("rfile get no-such-file /tmp/missing");
                assertNotEquals(0, missing.status(), missing.output());
                assertTrue(missing.output().contains("404 Not Found"), missing.output());
                assertEquals("from-client.bin\nfrom-owner.bin\nlost+found", ownerShell.ok("ls -A1 /srv/www/files"),
                        "the owner's disk after the writes, a refused one among them");

                // An owner that takes a connection and never answers: rfile gives up at its limit.
                ownerShell.ok("sleep 600 | nc -l -p 8080 > /dev/null & sleep 1");
                GuestShell.Result silent = client.run("RFILE_OWNER=10.0.9.1:8080 RFILE_TIMEOUT=5 rfile ls");
                assertNotEquals(0, silent.status(), silent.output());
                assertTrue(silent.output().contains("rfile: no answer from 10.0.9.1:8080 within 5 s"), silent.output());

                // A transfer large enough to be under way when the owner is killed (SIGKILL: its jqvm ends
                // without a word to its peer).
                GuestShell.Result made = ownerShell.run("dd if=/dev/zero of=/srv/www/files/big.bin bs=1M count=16 2>/dev/null"
                        + " && sync", Duration.ofMinutes(5));
                assertEquals(0, made.status(), made.output());
                String big = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[16 << 20]));
                client.ok("(RFILE_TIMEOUT=20 rfile get big.bin /tmp/big > /tmp/big.out 2>&1; echo $? > /tmp/big.status) & true");
                client.ok("for i in $(seq 600); do [ -s /tmp/big.part ] && break; sleep 0.1; done; ls -l /tmp/big.part");
                owner.close();
                GuestShell.Result cut = client.run("wait; cat /tmp/big.status /tmp/big.out; ls /tmp/big* 2>/dev/null; true",
                        Duration.ofSeconds(120));
                assertTrue(cut.output().startsWith("1\n") && cut.output().contains("rfile: cannot read big.bin"),
                        "the transfer the owner's death cut: " + cut.output());
                assertTrue(cut.output().lines().noneMatch(l -> l.equals("/tmp/big") || l.equals("/tmp/big.part")),
                        "a partial file was left: " + cut.output());
                accessFailsCleanly(client, "killed with SIGKILL");

                owner = start("owner");
                ownerShell = awaitShell(owner, "referred owner: serving /dev/vda");
                assertEquals("1", carrierOnceItIs(client, "1"), "the client's link once a new owner is up");
                assertEquals(written, sha256(client.ok("rfile get from-client.bin /tmp/again && sha256sum /tmp/again")),
                        "a file written before the owner was killed, read from the new owner");
                GuestShell.Result again = client.run("RFILE_TIMEOUT=240 rfile get big.bin /tmp/big && sha256sum /tmp/big"
                        + " && rm /tmp/big", Duration.ofMinutes(5));
                assertEquals(0, again.status(), again.output());
                assertEquals(big, sha256(again.output()), "the transfer the owner's death cut, tried again");
                client.ok("echo after the restart > /tmp/note && rfile put /tmp/note note.txt");

                owner.type("poweroff"); // typed, not run: the shell is killed on the way down, before it could answer
                assertEquals(0, owner.waitForExit(Duration.ofMinutes(3)), "the owner's exit status after poweroff" + owner.describe());
                accessFailsCleanly(client, "powered off");

                owner = start("owner");
                awaitShell(owner, "referred owner: serving /dev/vda");
                assertEquals("1", carrierOnceItIs(client, "1"), "the client's link once the owner is back");
                assertEquals("after the restart", client.ok("rfile get note.txt /tmp/note2 && cat /tmp/note2"));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\nowner:" + owner.describe() + "\nclient:" + clientConsole.describe(), e);
            }
        } finally {
            owner.close();
        }
    }

    /**
     * With the owner gone the client's link is down and an access ends at once with a message and a failing status
     * (rfile reads the carrier before it waits on the network); nothing partial is left behind.
     */
    private static void accessFailsCleanly(GuestShell client, String how) throws Exception {
        assertEquals("0", carrierOnceItIs(client, "0"), "the client's link after the owner was " + how);
        long start = System.nanoTime();
        GuestShell.Result r = client.run("(rfile get from-client.bin /tmp/gone; s=$?; ls /tmp/gone* 2>/dev/null; exit $s)");
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        System.out.printf("ReferredSharingTest: with the owner %s, rfile get failed after %d s (host time)%n", how, seconds);
        assertNotEquals(0, r.status(), "rfile get with the owner " + how + ": " + r.output());
        assertTrue(r.output().contains("rfile: the link to 10.0.9.1 (eth0) is down"), r.output());
        assertTrue(!r.output().contains("/tmp/gone"), "a partial file was left: " + r.output());
    }

    /** The example's configuration for {@code role}, with this test's disk, sockets and system names. */
    private Console start(String role) throws Exception {
        Path conf = dir.resolve(role + ".qvmconf");
        if (Files.notExists(conf)) {
            String example = Files.readString(Command.repo().resolve(EXAMPLE).resolve(role + ".qvmconf"), StandardCharsets.UTF_8);
            String mine = example.replace("hostdev build/guest-cache/disk.img", "hostdev " + dir.resolve("disk.img"))
                    .replace("/tmp/jqvm-referred-", dir + "/")
                    .replace("system referred-", "system referred-" + ProcessHandle.current().pid() + "-");
            assertEquals(role.equals("owner") ? 3 : 2, mine.split(dir.toString(), -1).length - 1,
                    "the example's disk and sockets were not where this test expects them:\n" + example);
            Files.writeString(conf, mine, StandardCharsets.UTF_8);
        }
        return Console.start(List.of(Command.repo().resolve("jqvm").toString(), "@" + conf), Command.repo());
    }

    /** The guest's shell once its boot-time service said {@code ready} and the prompt is there. */
    private static GuestShell awaitShell(Console c, String ready) throws InterruptedException {
        c.waitFor(ready, BOOT);
        c.waitFor("JQVM-INIT-READY", BOOT);
        c.waitFor("# ", Duration.ofSeconds(60));
        return new GuestShell(c);
    }

    /** eth0's carrier as the guest reads it, once it equals {@code expected} or after 60 s of polling. */
    private static String carrierOnceItIs(GuestShell sh, String expected) throws Exception {
        return sh.ok("for i in $(seq 600); do [ \"$(cat /sys/class/net/eth0/carrier)\" = " + expected
                + " ] && break; sleep 0.1; done; cat /sys/class/net/eth0/carrier");
    }

    private static String sha256(String sha256sumOutput) {
        String sum = sha256sumOutput.strip().split("\\s+")[0];
        assertTrue(sum.matches("[0-9a-f]{64}"), "not sha256sum's output: " + sha256sumOutput);
        return sum;
    }
}
