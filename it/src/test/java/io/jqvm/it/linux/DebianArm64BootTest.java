package io.jqvm.it.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.embed.GuestConsole;
import io.jqvm.embed.JqvmConfig;
import io.jqvm.embed.junit.JqvmGuest;
import io.jqvm.testkit.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Debian's stock arm64 kernel and a busybox initramfs, fetched and built by scripts/debian-arm64-guest.sh,
 * booted by jqvm's software CPU on the arm64-virt board: to the shell on 1 and on 2 vCPUs, commands typed
 * on the console, and {@code poweroff} ending the VM with status 0. The guest runs in the test's JVM
 * ({@link JqvmGuest}): the jqvm command around it is not what this tests.
 */
class DebianArm64BootTest {
    private static final Duration BOOT = Duration.ofMinutes(5);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final String PROMPT = "# ";

    @BeforeAll
    static void guestImages() throws Exception {
        Path cache = Command.repo().resolve("build/guest-cache");
        if (Files.exists(cache.resolve("Image")) && Files.exists(cache.resolve("initramfs.cpio"))) {
            return;
        }
        Command.Result r = Command.run(List.of(Command.repo().resolve("scripts/debian-arm64-guest.sh").toString()),
                Command.repo(), Duration.ofMinutes(10));
        assertEquals(0, r.exitStatus(), r::describe);
    }

    /** The example board with {@code vcpus} vCPUs, Debian's kernel and the initramfs. */
    static JqvmConfig debian(int vcpus) throws Exception {
        String board = Files.readString(Command.repo().resolve("examples/arm64-virt.qvmconf"))
                .replaceAll("(?m)^cpu[ \\t]*\\n", "");
        return JqvmConfig.parse("linux.qvmconf", board + "cpu\n".repeat(vcpus)
                + "load build/guest-cache/Image\ninitrd load build/guest-cache/initramfs.cpio\n"
                + "cmdline \"console=ttyAMA0 nokaslr cryptomgr.notests\"\n", Command.repo());
    }

    abstract static class Boot {
        private final int vcpus;
        @RegisterExtension
        final JqvmGuest guest;

        Boot(int vcpus) {
            this.vcpus = vcpus;
            this.guest = JqvmGuest.boot(() -> debian(vcpus)).readyWhen("JQVM-INIT-READY", BOOT);
        }

        @Test
        void bootsToAShellRunsCommandsAndPowersOff() throws Exception {
            GuestConsole console = guest.console();
            console.waitFor(PROMPT, COMMAND);
            console.type("uname -m");
            assertTrue(console.waitFor(PROMPT, COMMAND).contains("aarch64"), console::text);
            console.type("nproc");
            String nproc = console.waitFor(PROMPT, COMMAND);
            assertTrue(nproc.lines().anyMatch(l -> l.strip().equals(Integer.toString(vcpus))), nproc);
            console.type("cat /proc/interrupts");
            String interrupts = console.waitFor(PROMPT, COMMAND);
            assertTrue(interrupts.contains("GIC") && interrupts.contains("arch_timer") && interrupts.contains("uart-pl011"),
                    interrupts);
            console.type("poweroff");
            assertEquals(ExitStatus.NORMAL, guest.vm().awaitExit(COMMAND).orElseThrow().status(), console::text);
        }
    }

    @Nested
    class OneVcpu extends Boot {
        OneVcpu() {
            super(1);
        }
    }

    @Nested
    class TwoVcpus extends Boot {
        TwoVcpus() {
            super(2);
        }
    }
}
