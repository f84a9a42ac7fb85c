package io.jqvm.it.a64;

import io.jqvm.testkit.Command;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The corpus is a usable reference only if QEMU runs each program cleanly and always prints the same:
 * checked here on QEMU alone, so it holds (and guards guest changes) whether or not jqvm boots AArch64.
 */
class CorpusUnderQemuTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    static final List<String> PROGRAMS = A64Guests.CORPUS;

    @BeforeAll
    static void buildCorpus() throws Exception {
        A64Guests.buildCorpus();
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("PROGRAMS")
    void runsCleanlyAndDeterministically(String program) throws Exception {
        Path elf = A64Guests.corpusElf(program);
        Command.Result first = QemuAarch64.run(elf, TIMEOUT);
        A64Guests.assertCleanReferenceRun(program, first, "");
        Command.Result second = QemuAarch64.run(elf, TIMEOUT);
        A64Guests.assertCleanReferenceRun(program, second, "");
        assertTrue(first.stdout().equals(second.stdout()), () -> program + " printed differently on a second QEMU run, at "
                + OutputDiff.firstDifference("first run", first.stdout(), "second run", second.stdout()));
    }
}
