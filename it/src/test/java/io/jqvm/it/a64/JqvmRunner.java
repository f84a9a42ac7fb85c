package io.jqvm.it.a64;

import io.jqvm.testkit.Command;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Runs an AArch64 ELF on jqvm's virt board: {@code $JQVM_REPO/jqvm @examples/arm64-virt.qvmconf load <elf>}. */
final class JqvmRunner {
    private JqvmRunner() {}

    static Command.Result run(Path elf, Duration timeout) throws IOException, InterruptedException {
        Path repo = Command.repo();
        return Command.run(List.of(repo.resolve("jqvm").toString(), "@examples/arm64-virt.qvmconf", "load",
                elf.toString()), repo, timeout);
    }
}
