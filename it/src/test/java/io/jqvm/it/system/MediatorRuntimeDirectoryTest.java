package io.jqvm.it.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.host.UnixSocket;
import io.jqvm.testkit.Command;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jqvm mediator} in the runtime directory, as VMs are: it holds {@code <runtime>/<system>/} (its pid, 0700)
 * with each client's socket in it (or a link to an explicit one); a second mediator of the same system refuses
 * with 64 naming the holder; one killed with -9 leaves a stale directory that the next one takes over.
 */
class MediatorRuntimeDirectoryTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Test
    void aMediatorHoldsItsSystemsDirectoryAndPublishesItsSockets(@TempDir Path dir) throws Exception {
        Path runtime = dir.resolve("run");
        Files.write(dir.resolve("d.img"), new byte[64 * 512]);
        Path explicit = dir.resolve("media.sock");
        Path conf = dir.resolve("m.conf");
        Files.writeString(conf, "system disks\ndisk d file " + dir.resolve("d.img") + "\nclient safety on d priority 10\n"
                + "client media on d socket " + explicit + "\n");
        Command.jqvm(Duration.ofMinutes(10), "--version"); // builds jqvm first if its sources changed
        Path system = runtime.resolve("disks");
        Process first = start(dir, runtime, conf, "first");
        try {
            awaitListening(first, dir.resolve("first.log"), 2);
            assertEquals(first.pid() + "\n", Files.readString(system.resolve("pid")));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(system)));
            try (UnixSocket s = UnixSocket.connect(system.resolve("safety.sock"))) {
                assertTrue(s.fd() >= 0);
            }
            assertEquals(explicit, Files.readSymbolicLink(system.resolve("media.sock")));
            try (UnixSocket s = UnixSocket.connect(system.resolve("media.sock"))) { // through the link
                assertTrue(s.fd() >= 0);
            }

            Command.Result second = Command.run(List.of(Command.repo().resolve("jqvm").toString(), "mediator", "@" + conf),
                    Command.repo(), TIMEOUT, Map.of("JQVM_RUNTIME_DIR", runtime.toString()));
            assertEquals(64, second.exitStatus(), second.describe());
            assertTrue(second.stderr().contains("system 'disks' is already running (process " + first.pid()),
                    second.describe());

            first.destroyForcibly(); // kill -9: the directory and the sockets stay behind, stale
            assertTrue(first.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(Files.exists(system.resolve("safety.sock"), LinkOption.NOFOLLOW_LINKS));

            Process third = start(dir, runtime, conf, "third");
            try {
                awaitListening(third, dir.resolve("third.log"), 2);
                assertEquals(third.pid() + "\n", Files.readString(system.resolve("pid")));
                try (UnixSocket s = UnixSocket.connect(system.resolve("safety.sock"))) {
                    assertTrue(s.fd() >= 0);
                }
                third.destroy(); // SIGTERM: a clean stop
                assertTrue(third.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the mediator did not stop");
                assertEquals(3, third.exitValue(), Files.readString(dir.resolve("third.log")));
                assertFalse(Files.exists(system), "the directory outlived its mediator");
                assertFalse(Files.exists(explicit), "the explicit socket outlived its mediator");
            } finally {
                third.destroyForcibly();
            }
        } finally {
            first.destroyForcibly();
        }
    }

    private static Process start(Path dir, Path runtime, Path conf, String label) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Command.repo().resolve("jqvm").toString(), "mediator", "@" + conf)
                .directory(Command.repo().toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(dir.resolve(label + ".log").toFile());
        builder.environment().put("JQVM_RUNTIME_DIR", runtime.toString());
        return builder.start();
    }

    private static void awaitListening(Process p, Path log, int clients) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (Files.readString(log).split("listens on", -1).length - 1 < clients) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the mediator did not start listening:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }
}
