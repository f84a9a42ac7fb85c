package io.jqvm.it.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.TmuxTerminal;
import io.jqvm.testkit.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The console as a person at a terminal meets it: jqvm in a tmux pane booting the Debian guest on the
 * software CPU. Tab completes, Ctrl-C interrupts the guest's foreground program (not jqvm), Ctrl-D ends the
 * guest's shell (init starts another), Ctrl-A x quits, and the terminal's settings ({@code stty -g}) after
 * jqvm are those before it, whichever way jqvm ends.
 */
class ConsoleTerminalTest {
    private static final Duration BOOT = Duration.ofMinutes(5);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final String PROMPT = "/ # ";

    @BeforeAll
    static void guestImages() throws Exception {
        DebianArm64BootTest.guestImages();
    }

    /** Runs jqvm on the Debian guest in a pane, between two {@code stty -g} and with its pid and status written down. */
    private static TmuxTerminal boot(Path dir) throws Exception {
        Path repo = Command.repo();
        String jqvm = repo.resolve("jqvm") + " @" + repo.resolve("examples/arm64-virt.qvmconf")
                + " load build/guest-cache/Image initrd load build/guest-cache/initramfs.cpio"
                + " cmdline 'console=ttyAMA0 nokaslr cryptomgr.notests'";
        String script = "stty -g > " + dir.resolve("before") + "; "
                + "sh -c 'echo $$ > " + dir.resolve("pid") + "; exec " + jqvm + "'; "
                + "echo JQVM-STATUS=$? ; stty -g > " + dir.resolve("after");
        TmuxTerminal t = TmuxTerminal.start(script, repo);
        t.waitFor("JQVM-INIT-READY", 1, BOOT);
        t.waitFor(PROMPT, 1, COMMAND);
        return t;
    }

    private static void assertEndedWith(TmuxTerminal t, Path dir, int status) throws Exception {
        String screen = t.waitFor("JQVM-STATUS=", 1, COMMAND);
        assertTrue(screen.contains("JQVM-STATUS=" + status), screen);
        long deadline = System.nanoTime() + COMMAND.toNanos();
        while (!Files.exists(dir.resolve("after")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(Files.readString(dir.resolve("before")), Files.readString(dir.resolve("after")),
                "terminal settings after jqvm differ from those before");
    }

    @Test
    void tabCompletesCtrlCInterruptsCtrlDRespawnsAndCtrlAxQuits(@TempDir Path dir) throws Exception {
        try (TmuxTerminal t = boot(dir)) {
            t.keys("ech", "Tab");
            t.line(" completed-by-tab");
            t.waitFor("\ncompleted-by-tab", 1, COMMAND);

            // The marker is printed by the command itself, so the shell has already handed the terminal back to
            // cooked mode (ISIG on): a Ctrl-C sent on the echo of the typed line alone can reach the shell's line
            // editor first, on a slow guest, and be taken as a plain key.
            t.line("sh -c 'echo sleep-start; exec sleep 100'");
            t.waitFor("\nsleep-start", 1, COMMAND);
            t.keys("C-c");
            // Without Ctrl-C reaching sleep, its status would be 0, and only after 100 s.
            t.line("echo status-$?");
            t.waitFor("\nstatus-130", 1, COMMAND);

            t.keys("C-d");
            t.waitFor(PROMPT, 5, COMMAND);
            t.line("echo shell-" + "after-eof");
            t.waitFor("\nshell-after-eof", 1, COMMAND);

            t.keys("C-a", "h");
            t.waitFor("C-a x", 1, COMMAND);
            t.keys("C-a", "x");
            assertEndedWith(t, dir, 3);
        }
    }

    @ParameterizedTest(name = "kill -{0}")
    @ValueSource(strings = {"TERM", "HUP"})
    void aSignalIsALoggedPowerCutAndRestoresTheTerminal(String signal, @TempDir Path dir) throws Exception {
        try (TmuxTerminal t = boot(dir)) {
            long pid = Long.parseLong(Files.readString(dir.resolve("pid")).strip());
            Command.Result kill = Command.run(java.util.List.of("kill", "-" + signal, Long.toString(pid)), dir, COMMAND);
            assertEquals(0, kill.exitStatus(), kill::describe);
            String screen = t.waitFor("JQVM-STATUS=", 1, COMMAND);
            assertTrue(screen.contains("power cut by SIG" + signal), screen);
            assertEndedWith(t, dir, 3);
        }
    }

    @Test
    void aGuestPowerOffRestoresTheTerminal(@TempDir Path dir) throws Exception {
        try (TmuxTerminal t = boot(dir)) {
            t.line("poweroff");
            assertEndedWith(t, dir, 0);
        }
    }
}
