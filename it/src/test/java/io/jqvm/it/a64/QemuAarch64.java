package io.jqvm.it.a64;

import io.jqvm.testkit.Command;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The reference: runs a freestanding AArch64 ELF on QEMU's virt board as jqvm's arm64-virt example configures it. */
final class QemuAarch64 {
    private QemuAarch64() {}

    static List<String> command(Path elf) {
        return List.of("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-smp", "2", "-m", "256",
                "-nographic", "-no-reboot", "-monitor", "none", "-serial", "stdio", "-kernel", elf.toString());
    }

    /** A missing QEMU is an IOException from the process start, which fails the calling test. */
    static Command.Result run(Path elf, Duration timeout) throws IOException, InterruptedException {
        return Command.run(command(elf), elf.getParent(), timeout);
    }
}
