package io.jqvm.it.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The IB700 watchdog on the PC board (KVM): a guest that stops kicking ends with status 4; one that kicks runs on. */
class KvmWatchdogTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String ELF = "guests/target/x86/watchdog.elf";

    @BeforeEach
    void needsKvm() {
        KvmRequirement.assumeDevice();
    }

    @Test
    void aGuestThatStopsKickingIsTerminatedWithStatus4() throws Exception {
        Command.Result r = Command.jqvm(TIMEOUT, "@examples/x86-pc.qvmconf", "vdev", "wdt-ib700", "load", ELF);
        assertEquals(4, r.exitStatus(), r::describe);
        assertTrue(r.stdout().contains("not kicking any more"), r::describe);
        assertTrue(r.stderr().contains("VM terminated (exit status 4): watchdog ib700 expired: not kicked within 2 s"), r::describe);
    }

    @Test
    void aGuestThatKeepsKickingRunsToItsEnd() throws Exception {
        Command.Result r = Command.jqvm(TIMEOUT, "@examples/x86-pc.qvmconf", "vdev", "wdt-ib700", "load", ELF,
                "cmdline", "kick=4");
        assertEquals(0, r.exitStatus(), r::describe);
        assertTrue(r.stdout().contains("PASS watchdog"), r::describe);
    }
}
