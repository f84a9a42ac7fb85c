package io.jqvm.it.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The x86-64 guest kit booted by {@code jqvm} on KVM, on the PC board of {@code examples/x86-pc.qvmconf}:
 * each guest prints {@code PASS <name>} over COM1 and powers off through ACPI (exit status 0). The same
 * images run under QEMU in the guests module's tests.
 */
class KvmGuestKitTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @BeforeEach
    void needsKvm() {
        KvmRequirement.assumeDevice();
    }

    @ParameterizedTest(name = "{0} on {1} vCPU(s)")
    @CsvSource({"hello, 1", "timer, 1", "smp, 2", "memmap, 1", "romwrite, 1", "unmapped, 1", "acpi-off, 2"})
    void guestPassesAndPowersOff(String guest, int vcpus) throws Exception {
        String elf = "guests/target/x86/" + guest + ".elf";
        Command.Result r = vcpus == 1
                ? Command.jqvm(TIMEOUT, "@examples/x86-pc.qvmconf", "load", elf, "cmdline", "jqvm-it")
                : Command.jqvm(TIMEOUT, "@examples/x86-pc.qvmconf", "cpu", "load", elf, "cmdline", "jqvm-it");
        assertTrue(r.stdout().contains("PASS " + guest + "\n"), r::describe);
        assertEquals(0, r.exitStatus(), r::describe);
        assertTrue(r.stderr().contains("guest shut down: guest requested ACPI S5"), r::describe);
    }

    @Test
    void acpiTablesGiveS5AsQemusPcDoes() throws Exception {
        Command.Result r = Command.jqvm(TIMEOUT, "@examples/x86-pc.qvmconf", "load", "guests/target/x86/acpi-off.elf");
        assertTrue(r.stdout().contains("DSDT: \\_S5 SLP_TYPa 0, SLP_TYPb 0\n"), r::describe);
    }

    @Test
    void guestBuiltForQemusPcPowersOffWithSleepType0() throws Exception {
        // pc-off reads no tables: it writes SLP_EN with SLP_TYP 0 to port 0x604, as on QEMU's pc.
        Command.Result r = Command.jqvm(TIMEOUT, "@examples/x86-pc.qvmconf", "load", "guests/target/x86/pc-off.elf");
        assertTrue(r.stdout().contains("powering off: outw(0x604, SLP_EN | SLP_TYP 0), as on QEMU's pc\n"), r::describe);
        assertTrue(!r.stdout().contains("FAIL"), r::describe);
        assertEquals(0, r.exitStatus(), r::describe);
        assertTrue(r.stderr().contains("guest shut down: guest requested ACPI S5"), r::describe);
    }

    @Test
    void keyboardControllerResetRestartsTheMachine() throws Exception {
        // The guest asks for a reset as soon as it runs; each restart prints its banner again.
        String banner = "Resetting through the keyboard controller\n";
        try (Console console = Console.start(List.of(Command.repo().resolve("jqvm").toString(), "@examples/x86-pc.qvmconf",
                "load", "guests/target/x86/reset.elf"), Command.repo())) {
            for (int boot = 0; boot < 3; boot++) {
                String before = console.waitFor(banner, TIMEOUT);
                assertTrue(!before.contains("FAIL"), () -> "the guest ran on after its reset:" + console.describe());
            }
            assertTrue(console.log().contains("guest requested reset: keyboard controller reset"), console::describe);
            assertTrue(console.log().contains("resetting: assembling the VM again"), console::describe);
        }
    }
}
