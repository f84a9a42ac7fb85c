package io.jqvm.it.a64;

import io.jqvm.testkit.Command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Every corpus program in guests/aarch64 must print exactly the same console output on jqvm as on QEMU's
 * virt board, and both must end through PSCI SYSTEM_OFF with exit status 0.
 */
@Tag(A64Guests.DIFFERENTIAL_TAG)
class DifferentialCorpusTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    static final List<String> PROGRAMS = A64Guests.CORPUS;

    @BeforeAll
    static void buildCorpus() throws Exception {
        A64Guests.buildCorpus();
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("PROGRAMS")
    void jqvmPrintsWhatQemuPrints(String program) throws Exception {
        Path elf = A64Guests.corpusElf(program);
        Command.Result qemu = QemuAarch64.run(elf, TIMEOUT);
        A64Guests.assertCleanReferenceRun(program, qemu, "");

        for (JqvmRunner.Tier tier : JqvmRunner.Tier.values()) {
            Command.Result jqvm = JqvmRunner.run(elf, TIMEOUT, tier);
            assertEquals(0, jqvm.exitStatus(), () -> "jqvm (" + tier + ") run of " + program + ": " + jqvm.describe());
            // Not assertEquals: its message would repeat both transcripts whole (thousands of lines).
            assertTrue(qemu.stdout().equals(jqvm.stdout()), () -> program + ": jqvm's (" + tier + ") output differs from QEMU's at "
                    + OutputDiff.firstDifference(qemu.stdout(), jqvm.stdout()));
        }
    }
}
