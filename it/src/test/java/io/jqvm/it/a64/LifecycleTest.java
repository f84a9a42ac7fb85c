package io.jqvm.it.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.testkit.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The machine's life cycle on the AArch64 board, where jqvm and QEMU -no-reboot differ by design: PSCI
 * SYSTEM_RESET makes QEMU exit and jqvm restart the machine from its configuration.
 */
class LifecycleTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String BANNER = "Resetting through PSCI SYSTEM_RESET\n";

    @BeforeAll
    static void build() throws Exception {
        A64Guests.buildLifecycle();
    }

    @Test
    void systemResetNeverReturnsUnderQemu() throws Exception {
        Command.Result qemu = QemuAarch64.run(A64Guests.outputs().resolve("reset.elf"), TIMEOUT);
        assertEquals(0, qemu.exitStatus(), qemu::describe);
        assertEquals(BANNER, qemu.stdout().replace("\r", ""), qemu::describe);
    }

    @Test
    void systemResetRestartsTheMachine() throws Exception {
        Path elf = A64Guests.outputs().resolve("reset.elf");
        try (Console console = Console.start(List.of(Command.repo().resolve("jqvm").toString(),
                "@examples/arm64-virt.qvmconf", "load", elf.toString()), Command.repo())) {
            for (int boot = 0; boot < 3; boot++) {
                String before = console.waitFor(BANNER, TIMEOUT);
                assertTrue(!before.contains("FAIL"), () -> "SYSTEM_RESET returned to the guest:" + console.describe());
            }
            assertTrue(console.log().contains("guest requested reset: guest requested PSCI SYSTEM_RESET"), console::describe);
            assertTrue(console.log().contains("resetting: assembling the VM again"), console::describe);
        }
    }
}
