package io.jqvm.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two x86-64 guest-kit programs on KVM in one JVM at once, each with its own console. */
class KvmSideBySideTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    @BeforeEach
    void needsKvm() {
        KvmRequirement.assumeDevice();
    }

    private static JqvmConfig program(String name) throws VmConfigException {
        return JqvmConfig.builder().include(Command.repo().resolve("examples/x86-pc.qvmconf"))
                .load(Command.repo().resolve("guests/target/x86/" + name + ".elf")).cmdline("jqvm-embed").build();
    }

    @Test
    void twoKvmGuestsRunAtOnceWithTheirOwnOutputs() throws Exception {
        try (JqvmVm hello = JqvmVm.create(program("hello")); JqvmVm timer = JqvmVm.create(program("timer"))) {
            hello.start();
            timer.start();
            VmExit helloExit = hello.awaitExit(TIMEOUT).orElseThrow();
            VmExit timerExit = timer.awaitExit(TIMEOUT).orElseThrow();
            assertEquals(new VmExit(ExitStatus.NORMAL, "guest requested ACPI S5 (soft off)"), helloExit, hello.console()::text);
            assertEquals(new VmExit(ExitStatus.NORMAL, "guest requested ACPI S5 (soft off)"), timerExit, timer.console()::text);
            assertTrue(hello.console().text().contains("PASS hello\n"), hello.console()::text);
            assertTrue(timer.console().text().contains("PASS timer\n"), timer.console()::text);
            assertFalse(hello.console().text().contains("PASS timer"), hello.console()::text);
            assertFalse(timer.console().text().contains("PASS hello"), timer.console()::text);
        }
    }
}
