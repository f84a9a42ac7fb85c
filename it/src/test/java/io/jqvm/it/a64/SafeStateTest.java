package io.jqvm.it.a64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.HostPrerequisite;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safe states on the AArch64 board (software CPU): the SP805 watchdog stops a guest that stops kicking it
 * (exit status 4, after a guest core when its action says {@code dump}); SIGUSR1 logs the status report,
 * SIGUSR2 writes a guest core that gdb-multiarch opens with the guest's ELF and backtraces; one VM killed
 * with SIGKILL leaves another running to its normal end.
 */
class SafeStateTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    /** The watchdog at qvm's default address, where the guest looks for it. */
    private static final List<String> WATCHDOG = List.of("vdev", "wdt-sp805", "intr", "gic:35");

    @BeforeAll
    static void build() throws Exception {
        A64Guests.buildLifecycle();
    }

    private static List<String> jqvm(List<String> board, String elf, String... more) {
        List<String> command = new ArrayList<>(List.of(Command.repo().resolve("jqvm").toString(), "@examples/arm64-virt.qvmconf"));
        command.addAll(board);
        command.addAll(List.of(more));
        command.addAll(List.of("load", A64Guests.outputs().resolve(elf).toString()));
        return command;
    }

    @Test
    void aGuestThatStopsKickingIsTerminatedWithStatus4(@TempDir Path dir) throws Exception {
        Command.Result r = Command.run(jqvm(WATCHDOG, "watchdog.elf", "dump", dir.toString(), "action", "dump,terminate"),
                Command.repo(), TIMEOUT);
        assertEquals(4, r.exitStatus(), r::describe);
        assertTrue(r.stdout().contains("not kicking any more"), r::describe);
        assertTrue(r.stderr().contains("VM terminated (exit status 4): watchdog sp805 expired: its counter reached zero"
                + " twice without a kick"), r::describe);
        try (Stream<Path> cores = Files.list(dir)) {
            assertEquals(1, cores.filter(p -> p.getFileName().toString().matches("qvm-guest-\\d{8}-\\d{6}\\.gcore")).count(),
                    r::describe);
        }
    }

    @Test
    void aGuestThatKeepsKickingRunsToItsEnd() throws Exception {
        Command.Result r = Command.run(jqvm(WATCHDOG, "watchdog-kick.elf"), Command.repo(), TIMEOUT);
        assertEquals(0, r.exitStatus(), r::describe);
        assertTrue(r.stdout().contains("PASS watchdog"), r::describe);
    }

    @Test
    void theResetActionRestartsTheMachine() throws Exception {
        try (io.jqvm.it.support.Console console = io.jqvm.it.support.Console.start(
                jqvm(WATCHDOG, "watchdog.elf", "action", "reset"), Command.repo())) {
            console.waitFor("not kicking any more", TIMEOUT);
            console.waitFor("watchdog armed", TIMEOUT);
            assertTrue(console.log().contains("guest requested reset: watchdog sp805 expired"), console::describe);
        }
    }

    @Test
    void sigusr1ReportsStatusAndSigusr2WritesACoreGdbBacktraces(@TempDir Path dir) throws Exception {
        String gdb = "gdb-multiarch";
        HostPrerequisite.require(gdb, Files.isExecutable(Path.of("/usr/bin", gdb)) ? null : "/usr/bin/" + gdb + " is not installed");
        // A watchdog counting at 1 Hz never fires in this test: the guest waits in wait_for_watchdog().
        List<String> slowWatchdog = new ArrayList<>(WATCHDOG);
        slowWatchdog.addAll(List.of("frequency", "1"));
        // A second watchdog, never armed, that asks to stay out of the status report (qvm's vdev variable debug).
        slowWatchdog.addAll(List.of("vdev", "wdt-sp805", "loc", "0x1c100000", "intr", "gic:36", "set", "debug", "off"));
        Process vm = start(jqvm(slowWatchdog, "watchdog.elf", "dump", dir.toString()), dir, "vm");
        try {
            awaitText(dir.resolve("vm.console"), "not kicking any more", vm);
            signal(vm, "USR1");
            awaitText(dir.resolve("vm.log"), "status: vdev wdt-sp805", vm);
            signal(vm, "USR2");
            String log = awaitText(dir.resolve("vm.log"), ".gcore", vm);
            assertTrue(vm.isAlive(), "a dump must not stop the VM:\n" + log);
            assertTrue(log.contains("status: vCPU 0: on, pc 0x"), log);
            assertTrue(log.contains("status: vCPU 1: off"), log);
            assertEquals(1, log.lines().filter(l -> l.contains("status: vdev wdt-sp805 (")).count(), log);
            assertTrue(log.lines().anyMatch(l -> l.contains("status: vdev wdt-sp805 (") && l.contains("): counting, value")), log);
            signal(vm, "TERM");
            assertTrue(vm.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(3, vm.exitValue());
        } finally {
            vm.destroyForcibly();
        }
        Path core;
        try (Stream<Path> files = Files.list(dir)) {
            core = files.filter(p -> p.toString().endsWith(".gcore")).findFirst().orElseThrow();
        }
        Command.Result bt = Command.run(List.of(gdb, "-nx", "-batch", "-ex", "info threads", "-ex", "bt",
                A64Guests.outputs().resolve("watchdog.elf").toString(), core.toString()), dir, TIMEOUT);
        assertTrue(bt.stdout().contains("Program terminated with signal SIGUSR2"), bt::describe);
        assertTrue(bt.stdout().contains("#0  wait_for_watchdog () at lifecycle/watchdog.c"), bt::describe);
        assertTrue(bt.stdout().contains(" in main (") && bt.stdout().contains("lifecycle/watchdog.c"), bt::describe);
        assertTrue(bt.stdout().contains("2    LWP 2"), "one thread per vCPU:" + bt.describe());
    }

    @Test
    void oneVmKilledLeavesTheOtherRunningToItsEnd(@TempDir Path dir) throws Exception {
        List<String> slowWatchdog = new ArrayList<>(WATCHDOG);
        slowWatchdog.addAll(List.of("frequency", "1"));
        Process victim = start(jqvm(slowWatchdog, "watchdog.elf"), dir, "victim");
        Process survivor = start(jqvm(WATCHDOG, "watchdog-kick.elf"), dir, "survivor");
        try {
            awaitText(dir.resolve("victim.console"), "not kicking any more", victim);
            awaitText(dir.resolve("survivor.console"), "watchdog armed", survivor);
            victim.destroyForcibly(); // SIGKILL
            assertTrue(victim.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(137, victim.exitValue());
            assertTrue(survivor.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the survivor did not end");
            assertEquals(0, survivor.exitValue(), Files.readString(dir.resolve("survivor.log")));
            assertTrue(Files.readString(dir.resolve("survivor.console")).contains("PASS watchdog"));
        } finally {
            victim.destroyForcibly();
            survivor.destroyForcibly();
        }
    }

    private static Process start(List<String> command, Path dir, String label) throws IOException {
        return new ProcessBuilder(command).directory(Command.repo().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(dir.resolve(label + ".log").toFile())
                .redirectOutput(dir.resolve(label + ".console").toFile()).start();
    }

    private static void signal(Process p, String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor());
    }

    /** Waits until {@code file} contains {@code text}; returns the file. */
    private static String awaitText(Path file, String text, Process p) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            String content = Files.readString(file);
            if (content.contains(text)) {
                return content;
            }
            if (System.nanoTime() > deadline || !p.isAlive()) {
                throw new AssertionError("\"" + text + "\" never appeared in " + file + ":\n" + content);
            }
            Thread.sleep(50);
        }
    }
}
