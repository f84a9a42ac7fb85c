package io.jqvm.it.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime directory where VMs meet ({@code <runtime>/<system>/}), as two jqvm processes see it. */
class RuntimeDirectoryCliTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void aRunningSystemNameIsExclusiveAndAKilledOwnersDirectoryIsTakenOver(@TempDir Path dir) throws Exception {
        Path runtime = dir.resolve("run");
        Path spin = dir.resolve("spin.bin");
        Files.write(spin, new byte[] {0x00, 0x00, 0x00, 0x14}); // b . (branch to itself)
        Process first = start(dir, runtime, spin, "first");
        try {
            awaitGuest(dir.resolve("first.log"));
            Path twin = runtime.resolve("twin");
            assertEquals(first.pid() + "\n", Files.readString(twin.resolve("pid")));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(twin)));

            Command.Result second = Command.run(List.of(Command.repo().resolve("jqvm").toString(), "system", "twin",
                    "@examples/arm64-virt.qvmconf", "load", spin.toString()), Command.repo(), TIMEOUT,
                    Map.of("JQVM_RUNTIME_DIR", runtime.toString()));
            assertEquals(64, second.exitStatus(), second.describe());
            assertTrue(second.stderr().contains("system 'twin' is already running (process " + first.pid()),
                    second.describe());

            first.destroyForcibly(); // kill -9: the directory stays behind, stale
            assertTrue(first.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(Files.exists(twin.resolve("pid")));

            Process third = start(dir, runtime, spin, "third");
            try {
                awaitGuest(dir.resolve("third.log"));
                assertEquals(third.pid() + "\n", Files.readString(twin.resolve("pid")));
                new ProcessBuilder("kill", "-TERM", Long.toString(third.pid())).start().waitFor();
                assertTrue(third.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "jqvm did not stop");
                assertEquals(3, third.exitValue(), Files.readString(dir.resolve("third.log")));
                assertFalse(Files.exists(twin), "the directory outlived its VM");
            } finally {
                third.destroyForcibly();
            }
        } finally {
            first.destroyForcibly();
        }
    }

    private static Process start(Path dir, Path runtime, Path guest, String label) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Command.repo().resolve("jqvm").toString(), "system", "twin",
                "@examples/arm64-virt.qvmconf", "load", guest.toString()).directory(Command.repo().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(dir.resolve(label + ".log").toFile())
                .redirectOutput(dir.resolve(label + ".console").toFile());
        builder.environment().put("JQVM_RUNTIME_DIR", runtime.toString());
        return builder.start();
    }

    private static void awaitGuest(Path log) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.readString(log).contains("guest started")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the guest never started:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }
}
