package io.jqvm.it.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import java.io.File;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
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
        assertFalse(r.stderr().contains("restricted method"), "native access is granted where it is used: " + r.describe());
    }

    @Test
    void theBuiltInDemoGuestRunsOnKvm() throws Exception {
        KvmRequirement.assumeDevice();
        Command.Result r = jqvm(root.resolve("bin"), Map.of());
        assertEquals(0, r.exitStatus(), r.describe());
        assertTrue(r.stdout().contains("jqvm demo"), r.describe());
    }

    /**
     * The runtime holds only the JDK modules build-archive.sh chose (not the libraries' optional ones): the paths
     * that load Jetty, Gson and the gdb stub run on it. A VM held before its first instruction by the gdb stub serves
     * {@code jqvm ctl get} and the Prometheus metrics; a debugger's continue lets it run to its end, which writes the
     * metrics file. The JVM runs with {@code --illegal-native-access=deny} (and so without the start-up cache, which
     * that flag would not match): a restricted call from a module the launcher does not grant native access fails.
     */
    @Test
    void theControlApiMetricsFileAndGdbStubRunOnTheArchiveRuntime() throws Exception {
        Path dir = Files.createDirectory(scratch.resolve("api"));
        Path api = dir.resolve("api.sock");
        Path gdb = dir.resolve("gdb.sock");
        Path metrics = dir.resolve("metrics.json");
        Started vm = start(root.resolve("bin"), Map.of("JQVM_RUNTIME_DIR", dir.resolve("run").toString(),
                        "JQVM_AOT", "off", "JQVM_JAVA_OPTS", "--illegal-native-access=deny"),
                "--api-sock", api.toString(), "--metrics-path", metrics.toString(),
                "@" + root.resolve("examples/arm64-virt.qvmconf"), "load", root.resolve("guests/aarch64/hello.elf").toString(),
                "gdb", "unix:" + gdb + ",wait");
        try {
            awaitSockets(vm, api, gdb);
            Command.Result get = jqvm(root.resolve("bin"), Map.of(), "ctl", "--sock", api.toString(), "get");
            assertEquals(0, get.exitStatus(), get.describe());
            assertTrue(get.stdout().contains("\"accelerator\":\"soft\""), get.describe());
            Command.Result prometheus = jqvm(root.resolve("bin"), Map.of(), "ctl", "--sock", api.toString(),
                    "metrics", "--prometheus");
            assertEquals(0, prometheus.exitStatus(), prometheus.describe());
            assertTrue(prometheus.stdout().contains("# TYPE jqvm_exits_total counter"), prometheus.describe());
            try (SocketChannel debugger = SocketChannel.open(UnixDomainSocketAddress.of(gdb))) {
                assertTrue(remote(debugger, "?").startsWith("T05"), "the VM is stopped for the debugger");
                assertEquals("W00", remote(debugger, "c"), "the guest ran to its power-off");
            }
            Command.Result end = vm.await();
            assertEquals(0, end.exitStatus(), end.describe());
            assertTrue(end.stdout().contains("Hello from AArch64"), end.describe());
            assertTrue(Files.readString(metrics).contains("\"exits\""), "the metrics file at the VM's end");
        } finally {
            vm.process().destroyForcibly();
        }
    }

    @Test
    void theMediatorServesItsClientSocketOnTheArchiveRuntime() throws Exception {
        Path dir = Files.createDirectory(scratch.resolve("mediator"));
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[1 << 20]);
        Path socket = dir.resolve("client.sock");
        Path conf = dir.resolve("mediator.conf");
        Files.writeString(conf, "disk shared file " + disk + "\nclient one on shared socket " + socket + " priority 1\n");
        Started mediator = start(root.resolve("bin"), Map.of("JQVM_RUNTIME_DIR", dir.resolve("run").toString()),
                "mediator", "@" + conf);
        try {
            awaitSockets(mediator, socket);
        } finally {
            mediator.process().destroy();
        }
        Command.Result end = mediator.await();
        assertTrue(end.stderr().lines().noneMatch(l -> l.contains("Exception") || l.contains("Error:")), end.describe());
    }

    /** Runs {@code jqvm args} found through PATH = {@code pathDirectory} alone, in an otherwise empty environment. */
    private static Command.Result jqvm(Path pathDirectory, Map<String, String> extra, String... args)
            throws IOException, InterruptedException {
        return start(pathDirectory, extra, args).await();
    }

    /** A jqvm process and the files its output goes to. */
    private record Started(Process process, Path out, Path err) {
        Command.Result await() throws IOException, InterruptedException {
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

    private static Started start(Path pathDirectory, Map<String, String> extra, String... args) throws IOException {
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
        return new Started(process, out, err);
    }

    private static void awaitSockets(Started started, Path... sockets) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!Stream.of(sockets).allMatch(Files::exists)) {
            if (!started.process().isAlive() || System.nanoTime() > deadline) {
                fail("no sockets " + List.of(sockets) + ": " + started.await().describe());
            }
            Thread.sleep(100);
        }
    }

    /** One GDB remote-protocol exchange: the packet, its acknowledgement, the reply (acknowledged). */
    private static String remote(SocketChannel channel, String packet) throws IOException {
        int sum = 0;
        for (byte b : packet.getBytes(StandardCharsets.US_ASCII)) {
            sum += b & 0xff;
        }
        channel.write(ByteBuffer.wrap("$%s#%02x".formatted(packet, sum & 0xff).getBytes(StandardCharsets.US_ASCII)));
        StringBuilder reply = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        boolean inPacket = false;
        int afterHash = -1;
        while (afterHash < 2) {
            one.clear();
            if (channel.read(one) < 0) {
                throw new IOException("the gdb stub closed the connection after " + reply);
            }
            char c = (char) one.get(0);
            if (!inPacket) {
                inPacket = c == '$';
            } else if (afterHash >= 0) {
                afterHash++;
            } else if (c == '#') {
                afterHash = 0;
            } else {
                reply.append(c);
            }
        }
        channel.write(ByteBuffer.wrap(new byte[] {'+'}));
        return reply.toString();
    }
}
