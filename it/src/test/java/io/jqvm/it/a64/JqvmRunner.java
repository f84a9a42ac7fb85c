package io.jqvm.it.a64;

import io.jqvm.testkit.Command;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs an AArch64 ELF on jqvm's virt board: {@code $JQVM_REPO/jqvm @examples/arm64-virt.qvmconf load <elf>}. */
final class JqvmRunner {
    private JqvmRunner() {}

    /** How the soft CPU runs the guest: its first tier alone, or with every region compiled at its first jump. */
    enum Tier {
        INTERPRETER(0),
        COMPILED(1);

        private final int jitThreshold;

        Tier(int jitThreshold) {
            this.jitThreshold = jitThreshold;
        }
    }

    /** Runs {@code jqvm @examples/arm64-virt.qvmconf [options…] load elf}. */
    static Command.Result run(Path elf, Duration timeout, Tier tier, String... options) throws IOException, InterruptedException {
        Path repo = Command.repo();
        String javaOptions = (System.getenv().getOrDefault("JQVM_JAVA_OPTS", "") + " -Djqvm.a64.jit.threshold=" + tier.jitThreshold).strip();
        List<String> command = new ArrayList<>(List.of(repo.resolve("jqvm").toString(), "@examples/arm64-virt.qvmconf"));
        command.addAll(List.of(options));
        command.addAll(List.of("load", elf.toString()));
        return Command.run(command, repo, timeout, Map.of("JQVM_JAVA_OPTS", javaOptions));
    }
}
