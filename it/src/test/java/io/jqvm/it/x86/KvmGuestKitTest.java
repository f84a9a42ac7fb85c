package io.jqvm.it.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
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
}
