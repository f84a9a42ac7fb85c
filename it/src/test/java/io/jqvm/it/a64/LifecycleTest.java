package io.jqvm.it.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The machine's life cycle on the AArch64 board, where jqvm and QEMU -no-reboot differ by design: PSCI
 * SYSTEM_RESET makes QEMU exit and jqvm restart the machine from its configuration ({@link SystemResetTest}); qvm's
 * {@code unsupported reference abort} stops the VM at the access, which QEMU has no option for.
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
    void unsupportedReferenceAbortStopsTheVmAtTheAccess() throws Exception {
        Path elf = A64Guests.outputs().resolve("unsupported.elf");
        for (JqvmRunner.Tier tier : JqvmRunner.Tier.values()) {
            Command.Result r = JqvmRunner.run(elf, TIMEOUT, tier, "unsupported", "reference", "abort");
            assertEquals(5, r.exitStatus(), r::describe);
            assertEquals("storing to a physical address with no device\n", r.stdout(), r::describe);
            assertTrue(r.stderr().contains("0xb000000") && r.stderr().contains("reaches no device"), r::describe);
        }
    }
}
