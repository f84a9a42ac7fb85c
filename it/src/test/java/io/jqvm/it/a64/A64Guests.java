package io.jqvm.it.a64;

import io.jqvm.testkit.Command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The AArch64 guest kit in guests/aarch64: the corpus and the random-block driver, built with the cross compiler. */
final class A64Guests {
    static final List<String> CORPUS = List.of("hello", "int-alu", "addressing", "fp-scalar", "simd", "exceptions",
            "mmu", "timer", "gic", "psci", "devices", "idregs", "align", "perms", "debug");
    /** Tags the jqvm-versus-QEMU tests, so a run can leave them out (-DexcludedGroups) while jqvm cannot boot AArch64 yet. */
    static final String DIFFERENTIAL_TAG = "a64-differential";
    /** The last line every corpus program prints (from its PSCI SYSTEM_OFF call). */
    static final String LAST_LINE = "PSCI SYSTEM_OFF";
    /** What the runtime prints before powering off on an exception the program did not expect. */
    static final String UNEXPECTED_EXCEPTION = "UNEXPECTED EXCEPTION";
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);

    private A64Guests() {}

    /** Checks a QEMU run is a usable reference: status 0, no unexpected exception, SYSTEM_OFF last. */
    static void assertCleanReferenceRun(String what, Command.Result qemu, String context) {
        assertEquals(0, qemu.exitStatus(), () -> "QEMU run of " + what + ": " + qemu.describe() + context);
        assertFalse(qemu.stdout().contains(UNEXPECTED_EXCEPTION),
                () -> what + " took an unexpected exception under QEMU: " + qemu.describe() + context);
        assertTrue(qemu.stdout().endsWith(LAST_LINE + "\n"),
                () -> what + " did not end with PSCI SYSTEM_OFF under QEMU: " + qemu.describe() + context);
    }

    static Path sources() {
        return Command.repo().resolve("guests/aarch64");
    }

    static Path outputs() {
        return Command.repo().resolve("guests/target/aarch64");
    }

    /** Builds (or brings up to date) the whole corpus; a missing cross compiler fails here. */
    static void buildCorpus() throws IOException, InterruptedException {
        make(List.of("make", "-C", sources().toString(), "OUT=" + outputs(), "corpus"));
    }

    /** Builds the life-cycle programs (guests/aarch64/lifecycle), which are not compared with QEMU. */
    static void buildLifecycle() throws IOException, InterruptedException {
        make(List.of("make", "-C", sources().toString(), "OUT=" + outputs(), "lifecycle"));
    }

    /** Builds the programs a debugger drives (guests/aarch64/debuggee), at -O0. */
    static void buildDebuggee() throws IOException, InterruptedException {
        make(List.of("make", "-C", sources().toString(), "OUT=" + outputs(), "debuggee"));
    }

    static Path corpusElf(String name) {
        return outputs().resolve(name + ".elf");
    }

    static void buildRandomBlock(Path source, Path elf) throws IOException, InterruptedException {
        make(List.of("make", "-s", "-C", sources().toString(), "OUT=" + outputs(), "random-block",
                "BLOCK_SRC=" + source, "BLOCK_ELF=" + elf));
    }

    private static void make(List<String> command) throws IOException, InterruptedException {
        Command.Result build = Command.run(command, sources(), BUILD_TIMEOUT);
        assertEquals(0, build.exitStatus(), () -> String.join(" ", command) + " failed: " + build.describe());
    }
}
