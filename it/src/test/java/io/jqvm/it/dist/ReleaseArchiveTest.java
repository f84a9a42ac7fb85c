package io.jqvm.it.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as a user gets it (dist/build-archive.sh): unpacked into an empty directory and run
 * with nothing of the build in reach: PATH holding only the archive's bin/ (or a directory with a symlink
 * to bin/jqvm), no JAVA_HOME, a working directory outside the archive.
 */
class ReleaseArchiveTest {
    private static final Duration LIMIT = Duration.ofMinutes(5);

    @TempDir
    static Path scratch;
    private static Path root;

    @BeforeAll
    static void unpack() throws Exception {
        Path archive;
        try (Stream<Path> files = Files.list(Command.repo().resolve("dist/target"))) {
            List<Path> found = files.filter(f -> f.getFileName().toString().matches("jqvm-.*-linux-x86_64\\.tar\\.gz")).toList();
            assertEquals(1, found.size(), "one release archive in dist/target (built by mvn package): " + found);
            archive = found.getFirst();
        }
        Path install = Files.createDirectory(scratch.resolve("install"));
        Command.Result untar = Command.run(List.of("tar", "-xzf", archive.toString(), "-C", install.toString()),
                scratch, LIMIT);
        assertEquals(0, untar.exitStatus(), untar.describe());
        try (Stream<Path> entries = Files.list(install)) {
            root = entries.findFirst().orElseThrow();
        }
        Files.createDirectory(scratch.resolve("home"));
        Files.createDirectory(scratch.resolve("elsewhere"));
        Path onPath = Files.createDirectory(scratch.resolve("on-path"));
        Files.createSymbolicLink(onPath.resolve("jqvm"), root.resolve("bin/jqvm"));
        // The first run builds the start-up cache in the foreground, so no training outlives the test.
        Command.Result version = jqvm(root.resolve("bin"), Map.of("JQVM_AOT", "sync"), "--version");
        assertEquals(0, version.exitStatus(), version.describe());
    }

    @Test
    void versionPrintsOneLineNamingTheArchiveVersionAndItsOwnJavaRuntime() throws Exception {
        Command.Result r = jqvm(root.resolve("bin"), Map.of(), "--version");
        assertEquals(0, r.exitStatus(), r.describe());
        String archiveVersion = root.getFileName().toString().substring("jqvm-".length());
        assertEquals(1, r.stdout().lines().count(), r.describe());
        assertTrue(r.stdout().startsWith("jqvm " + archiveVersion + " (Java "), r.describe());
        assertTrue(Files.isRegularFile(root.resolve("runtime/bin/java")), "the archive carries its runtime");
    }

    @Test
    void theStartUpCacheWasBuiltInsideTheWritableInstall() throws Exception {
        try (Stream<Path> files = Files.list(root.resolve("cache"))) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().matches("jqvm-\\d+\\.aot")),
                    "cache/jqvm-<key>.aot after a JQVM_AOT=sync start");
        }
    }

    @Test
    void dryrunOfTheExampleBoardThroughASymlinkOnPath() throws Exception {
        Command.Result r = jqvm(scratch.resolve("on-path"), Map.of(),
                "@" + root.resolve("examples/x86-pc.qvmconf"), "dryrun");
        assertEquals(0, r.exitStatus(), r.describe());
        assertTrue(r.stdout().contains("Exiting: dryrun completed"), r.describe());
    }

    @Test
    void theAarch64DemoGuestRunsOnTheSoftCpu() throws Exception {
        Command.Result r = jqvm(scratch.resolve("on-path"), Map.of(),
                "@" + root.resolve("examples/arm64-virt.qvmconf"), "load", root.resolve("guests/aarch64/hello.elf").toString());
        assertEquals(0, r.exitStatus(), r.describe());
        assertTrue(r.stdout().contains("Hello from AArch64"), r.describe());
    }

    @Test
    void theBuiltInDemoGuestRunsOnKvm() throws Exception {
        KvmRequirement.assumeDevice();
        Command.Result r = jqvm(root.resolve("bin"), Map.of());
        assertEquals(0, r.exitStatus(), r.describe());
        assertTrue(r.stdout().contains("jqvm demo"), r.describe());
    }

    /** Runs {@code jqvm args} found through PATH = {@code pathDirectory} alone, in an otherwise empty environment. */
    private static Command.Result jqvm(Path pathDirectory, Map<String, String> extra, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("jqvm"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(scratch.resolve("elsewhere").toFile());
        builder.environment().clear();
        builder.environment().put("PATH", pathDirectory.toString());
        builder.environment().put("HOME", scratch.resolve("home").toString());
        builder.environment().putAll(extra);
        // ProcessBuilder looks the command up in the child's PATH only when it is given by name: resolve it here.
        command.set(0, pathDirectory.resolve("jqvm").toString());
        Path out = Files.createTempFile(scratch, "out", ".txt");
        Path err = Files.createTempFile(scratch, "err", ".txt");
        Process process = builder.command(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean finished = process.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
        }
        return new Command.Result(finished ? process.exitValue() : -1, !finished,
                Files.readString(out, StandardCharsets.ISO_8859_1), Files.readString(err, StandardCharsets.ISO_8859_1));
    }
}
