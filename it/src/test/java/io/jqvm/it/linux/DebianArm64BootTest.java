package io.jqvm.it.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.it.support.Console;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Debian's stock arm64 kernel and a busybox initramfs, fetched and built by scripts/debian-arm64-guest.sh,
 * booted by jqvm's software CPU on the arm64-virt board: to the shell on 1 and on 2 vCPUs, commands typed
 * on the console, and {@code poweroff} ending jqvm with status 0.
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

    @ParameterizedTest(name = "{0} vCPU(s)")
    @ValueSource(ints = {1, 2})
    void bootsToAShellRunsCommandsAndPowersOff(int vcpus, @TempDir Path dir) throws Exception {
        Path conf = dir.resolve("linux.qvmconf");
        String board = Files.readString(Command.repo().resolve("examples/arm64-virt.qvmconf"))
                .replaceAll("(?m)^cpu[ \\t]*\\n", "");
        Files.writeString(conf, board + "cpu\n".repeat(vcpus)
                + "load build/guest-cache/Image\ninitrd load build/guest-cache/initramfs.cpio\n"
                + "cmdline \"console=ttyAMA0 nokaslr cryptomgr.notests\"\n");
        try (Console console = Console.start(List.of(Command.repo().resolve("jqvm").toString(), "@" + conf),
                Command.repo())) {
            console.waitFor("JQVM-INIT-READY", BOOT);
            console.waitFor(PROMPT, COMMAND);
            console.type("uname -m");
            assertTrue(console.waitFor(PROMPT, COMMAND).contains("aarch64"), console::describe);
            console.type("nproc");
            String nproc = console.waitFor(PROMPT, COMMAND);
            assertTrue(nproc.lines().anyMatch(l -> l.strip().equals(Integer.toString(vcpus))),
                    () -> nproc + console.describe());
            console.type("cat /proc/interrupts");
            String interrupts = console.waitFor(PROMPT, COMMAND);
            assertTrue(interrupts.contains("GIC") && interrupts.contains("arch_timer") && interrupts.contains("uart-pl011"),
                    () -> interrupts + console.describe());
            console.type("poweroff");
            assertEquals(0, console.waitForExit(COMMAND), console::describe);
        }
    }
}
