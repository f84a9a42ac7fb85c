package io.jqvm.it.a64;

import io.jqvm.testkit.Command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random straight-line blocks of A64 integer and load/store instructions (fixed seeds), each built into a
 * guest that dumps x0-x30, NZCV and its scratch buffer: jqvm must leave exactly the state QEMU leaves.
 */
@Tag(A64Guests.DIFFERENTIAL_TAG)
class RandomBlockDifferentialTest {
    private static final int BLOCKS = 50;
    private static final int INSTRUCTIONS_PER_BLOCK = 200;
    private static final long FIRST_SEED = 0x5eed_a640_0000L;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    static LongStream seeds() {
        return LongStream.range(FIRST_SEED, FIRST_SEED + BLOCKS);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void jqvmEndsInQemusState(long seed) throws Exception {
        RandomA64Block block = RandomA64Block.generate(seed, INSTRUCTIONS_PER_BLOCK);
        Path directory = Files.createDirectories(A64Guests.outputs().resolve("random"));
        Path source = directory.resolve("block-" + seed + ".S");
        Path elf = directory.resolve("block-" + seed + ".elf");
        Files.writeString(source, block.assemblySource());
        A64Guests.buildRandomBlock(source, elf);

        Command.Result qemu = QemuAarch64.run(elf, TIMEOUT);
        A64Guests.assertCleanReferenceRun("seed " + seed, qemu, "\n" + block.listing());

        for (JqvmRunner.Tier tier : JqvmRunner.Tier.values()) {
            Command.Result jqvm = JqvmRunner.run(elf, TIMEOUT, tier);
            assertEquals(0, jqvm.exitStatus(), () -> "jqvm (" + tier + ") run of seed " + seed + ": " + jqvm.describe()
                    + "\n" + block.listing());
            // Not assertEquals: its message would repeat both dumps whole.
            assertTrue(qemu.stdout().equals(jqvm.stdout()), () -> "seed " + seed + ": jqvm's (" + tier + ") state differs from QEMU's at "
                    + OutputDiff.firstDifference(qemu.stdout(), jqvm.stdout()) + "\nblock (" + source + "):\n" + block.listing());
        }
    }
}
