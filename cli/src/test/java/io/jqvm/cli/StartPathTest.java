package io.jqvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a VM's start must not pay for, read from the JVM's class-initialisation log of a real start (the example
 * arm64 board on the software CPU, a guest that powers off at once; bench/startup's case). Each of these cost the
 * start-up tens of milliseconds before it was made lazy or avoided; the log, not a clock, is checked, so the
 * test does not depend on the machine's load.
 */
class StartPathTest {
    @TempDir
    static Path dir;
    private static List<String> initialised;

    @BeforeAll
    static void startAVmAndReadWhichClassesItInitialised() throws Exception {
        Path board = Main.DemoGuest.extract(dir, "arm64-virt.qvmconf");
        Path image = Files.write(dir.resolve("off.Image"), Arm64DemoImage.powerOff());
        Path log = dir.resolve("class-init.log");
        Process jqvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xlog:disable", "-Xlog:class+init=info:file=" + log,
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "@" + board, "load", image.toString())
                .redirectInput(new File("/dev/null"))
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile())
                .start();
        assertTrue(jqvm.waitFor(120, TimeUnit.SECONDS), "the power-off guest ends its VM");
        assertEquals(0, jqvm.exitValue(), () -> "exit status; stderr: " + read(dir.resolve("stderr")));
        initialised = Files.readAllLines(log).stream()
                .filter(line -> line.contains("Initializing '"))
                .map(line -> line.substring(line.indexOf("Initializing '") + 14, line.indexOf('\'', line.indexOf("Initializing '") + 14)))
                .toList();
        assertTrue(initialised.contains("io/jqvm/cli/Main"), "the log names the classes a start initialises");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static List<String> initialisedIn(String packagePrefix) {
        return initialised.stream().filter(c -> c.startsWith(packagePrefix)).toList();
    }

    @Test
    void oneDowncallIsLinked() {
        // each linked native call spins a stub class: the start's system calls share Libc's one syscall handle
        assertEquals(1, initialisedIn("jdk/internal/foreign/abi/DowncallStub").size(), initialised::toString);
    }

    @Test
    void noJsonLibraryWithoutMetricsOrApiRequests() {
        assertEquals(List.of(), initialisedIn("com/google/gson/"));
    }

    @Test
    void noSecurityProvidersForTheDeviceTreesSeed() {
        assertEquals(List.of(), initialisedIn("java/security/SecureRandom"));
        assertEquals(List.of(), initialisedIn("sun/security/provider/"));
    }

    @Test
    void noDateFormattingBeforeADumpIsWritten() {
        assertEquals(List.of(), initialisedIn("java/time/format/"));
    }
}
