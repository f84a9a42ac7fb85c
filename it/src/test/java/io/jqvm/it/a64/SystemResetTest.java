package io.jqvm.it.a64;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.embed.GuestConsole;
import io.jqvm.embed.JqvmConfig;
import io.jqvm.embed.junit.JqvmGuest;
import io.jqvm.testkit.Command;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PSCI SYSTEM_RESET restarts the machine from its configuration (QEMU -no-reboot exits instead: see
 * {@link LifecycleTest}): the guest-kit program that resets itself prints its banner on every boot, on the same
 * console. Run in the test's JVM ({@link JqvmGuest}); the reset cycles are the VM's, not the command's.
 */
class SystemResetTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String BANNER = "Resetting through PSCI SYSTEM_RESET\n";
    private final List<String> log = new CopyOnWriteArrayList<>();

    @RegisterExtension
    final JqvmGuest guest = JqvmGuest.boot(() -> JqvmConfig.builder()
            .include(Command.repo().resolve("examples/arm64-virt.qvmconf"))
            .load(A64Guests.outputs().resolve("reset.elf")).build()).logTo(log::add);

    @BeforeAll
    static void build() throws Exception {
        A64Guests.buildLifecycle();
    }

    @Test
    void systemResetRestartsTheMachine() throws Exception {
        GuestConsole console = guest.console();
        for (int boot = 0; boot < 3; boot++) {
            String before = console.waitFor(BANNER, TIMEOUT);
            assertFalse(before.contains("FAIL"), () -> "SYSTEM_RESET returned to the guest:\n" + console.text());
        }
        assertTrue(log.stream().anyMatch(l -> l.endsWith("guest requested reset: guest requested PSCI SYSTEM_RESET")),
                log::toString);
        assertTrue(log.stream().anyMatch(l -> l.endsWith("resetting: assembling the VM again")), log::toString);
        assertTrue(guest.vm().isRunning());
    }
}
