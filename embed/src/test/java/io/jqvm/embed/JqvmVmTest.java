package io.jqvm.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.testkit.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VMs run inside the test's JVM on the software CPU: programs to their end, side by side, stopped, typed to. */
class JqvmVmTest {
    static final Duration TIMEOUT = Duration.ofMinutes(2);
    static final Path BOARD = Command.repo().resolve("examples/arm64-virt.qvmconf");

    static Path guestKit(String program) {
        return Command.repo().resolve("guests/target/aarch64/" + program + ".elf");
    }

    static JqvmConfig board(Path image, String... lines) throws VmConfigException {
        JqvmConfig.Builder b = JqvmConfig.builder().include(BOARD).load(image);
        for (String l : lines) {
            b.line(l);
        }
        return b.build();
    }

    @Test
    void runsAGuestKitProgramToItsPowerOff() throws Exception {
        try (JqvmVm vm = JqvmVm.create(board(guestKit("hello")))) {
            vm.start();
            VmExit exit = vm.awaitExit(TIMEOUT).orElseThrow();
            assertEquals(new VmExit(ExitStatus.NORMAL, "guest requested PSCI SYSTEM_OFF"), exit, vm.console()::text);
            String out = vm.console().text();
            assertTrue(out.startsWith("Hello from AArch64\n") && out.endsWith("PSCI SYSTEM_OFF\n"), out);
            assertFalse(vm.isRunning());
        }
    }

    @Test
    void twoVmsRunSideBySideEachWithItsOwnConsoleAndLog(@TempDir Path dir) throws Exception {
        List<String> logA = new CopyOnWriteArrayList<>();
        List<String> logB = new CopyOnWriteArrayList<>();
        JqvmConfig spinning = JqvmConfig.builder().system("embed-a").include(BOARD)
                .load(A64Images.printThenSpin(dir, "spin.Image", "A is up\r\n")).build();
        JqvmConfig hello = JqvmConfig.builder().system("embed-b").include(BOARD).load(guestKit("hello")).build();
        try (JqvmVm a = JqvmVm.create(spinning).logTo(logA::add); JqvmVm b = JqvmVm.create(hello).logTo(logB::add)) {
            a.start();
            a.console().waitFor("A is up", TIMEOUT);
            b.start();
            VmExit bExit = b.awaitExit(TIMEOUT).orElseThrow();
            assertEquals(ExitStatus.NORMAL, bExit.status(), bExit::toString);
            assertTrue(a.isRunning(), "A ended when B did");
            assertTrue(b.console().text().startsWith("Hello from AArch64\n"), b.console()::text);
            assertFalse(b.console().text().contains("A is up"), b.console()::text);
            assertEquals("A is up\r\n", a.console().text());
            a.stop();
            assertEquals(ExitStatus.POWER_CUT, a.awaitExit(TIMEOUT).orElseThrow().status());
        }
        assertTrue(logA.stream().allMatch(l -> l.startsWith("embed-a: ")), logA::toString);
        assertTrue(logB.stream().allMatch(l -> l.startsWith("embed-b: ")), logB::toString);
        assertTrue(logA.stream().anyMatch(l -> l.contains("power cut by the embedding program")), logA::toString);
        assertTrue(logB.stream().anyMatch(l -> l.contains("guest shut down")), logB::toString);
    }

    @Test
    void twoGuestKitProgramsAtOnceGiveTheirOwnOutputs() throws Exception {
        try (JqvmVm hello = JqvmVm.create(board(guestKit("hello")));
             JqvmVm psci = JqvmVm.create(board(guestKit("psci")))) {
            hello.start();
            psci.start();
            assertEquals(ExitStatus.NORMAL, hello.awaitExit(TIMEOUT).orElseThrow().status(), hello.console()::text);
            assertEquals(ExitStatus.NORMAL, psci.awaitExit(TIMEOUT).orElseThrow().status(), psci.console()::text);
            assertTrue(hello.console().text().startsWith("Hello from AArch64\n"), hello.console()::text);
            assertFalse(psci.console().text().contains("Hello from AArch64"), psci.console()::text);
            assertTrue(psci.console().text().endsWith("PSCI SYSTEM_OFF\n"), psci.console()::text);
        }
    }

    @Test
    void aGuestThatNeverStopsIsStoppedByStop(@TempDir Path dir) throws Exception {
        try (JqvmVm vm = JqvmVm.create(board(A64Images.printThenSpin(dir, "spin.Image", "spinning\r\n")))) {
            vm.start();
            vm.console().waitFor("spinning", TIMEOUT);
            assertTrue(vm.awaitExit(Duration.ofMillis(200)).isEmpty());
            vm.stop();
            VmExit exit = vm.awaitExit(TIMEOUT).orElseThrow();
            assertEquals(new VmExit(ExitStatus.POWER_CUT, "power cut by the embedding program"), exit);
        }
    }

    @Test
    void closeCutsThePowerOfARunningGuest(@TempDir Path dir) throws Exception {
        JqvmVm vm = JqvmVm.create(board(A64Images.printThenSpin(dir, "spin.Image", "spinning\r\n")));
        vm.start();
        vm.console().waitFor("spinning", TIMEOUT);
        vm.close();
        assertEquals(ExitStatus.POWER_CUT, vm.awaitExit(Duration.ZERO).orElseThrow().status());
    }

    @Test
    void whatIsWrittenToTheConsoleReachesTheGuest(@TempDir Path dir) throws Exception {
        try (JqvmVm vm = JqvmVm.create(board(A64Images.echoUntilQ(dir, "echo.Image")))) {
            vm.start();
            vm.console().type("typed into the guest, q");
            assertEquals(ExitStatus.NORMAL, vm.awaitExit(TIMEOUT).orElseThrow().status(), vm.console()::text);
            assertEquals("typed into the guest, q", vm.console().text());
            assertEquals("typed into the guest, q", new String(vm.console().output().readAllBytes()));
        }
    }

    @Test
    void aLineListenerGetsEveryLine() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (JqvmVm vm = JqvmVm.create(board(guestKit("hello")))) {
            vm.console().onLine(lines::add);
            vm.start();
            vm.awaitExit(TIMEOUT).orElseThrow();
            assertEquals(vm.console().text().lines().toList(), lines);
            assertEquals("Hello from AArch64", lines.getFirst());
        }
    }

    @Test
    void aConfigurationTheAssemblyRefusesFailsStartAtItsLine() throws Exception {
        JqvmConfig clash = JqvmConfig.parse("clash.qvmconf", "@" + BOARD + "\nload " + guestKit("hello")
                + "\nvdev pl031 loc 0x09010000 intr gic:35\n");
        try (JqvmVm vm = JqvmVm.create(clash)) {
            VmConfigException e = assertThrows(VmConfigException.class, vm::start);
            assertTrue(e.getMessage().startsWith("clash.qvmconf:3:"), e::getMessage);
            assertEquals(ExitStatus.CONFIG_ERROR, e.status());
            assertEquals(ExitStatus.CONFIG_ERROR, vm.awaitExit(Duration.ZERO).orElseThrow().status());
        }
    }

    @Test
    void aVmTheHostCannotRunFailsStartWithStatus64() throws Exception {
        // KVM runs no AArch64 guest on this x86-64 host, whether /dev/kvm exists or not.
        try (JqvmVm vm = JqvmVm.create(board(guestKit("hello"), "accel kvm"))) {
            VmStartException e = assertThrows(VmStartException.class, vm::start);
            assertEquals(ExitStatus.FATAL_BEFORE_START, e.status(), e::getMessage);
            assertTrue(e.getMessage().startsWith("no accelerator can run aarch64 guests here: kvm: "), e::getMessage);
        }
    }

    @Test
    void aSystemNameIsHeldByOneRunningVm(@TempDir Path dir) throws Exception {
        JqvmConfig named = JqvmConfig.builder().system("embed-once").include(BOARD)
                .load(A64Images.printThenSpin(dir, "spin.Image", "up\r\n")).build();
        try (JqvmVm first = JqvmVm.create(named); JqvmVm second = JqvmVm.create(named)) {
            first.start();
            VmStartException e = assertThrows(VmStartException.class, second::start);
            assertEquals(ExitStatus.FATAL_BEFORE_START, e.status());
            assertTrue(e.getMessage().contains("system 'embed-once' is already running in this process"), e::getMessage);
            assertTrue(first.isRunning());
        }
    }

    @Test
    void aDryrunPrintsTheBoardOnTheConsole() throws Exception {
        try (JqvmVm vm = JqvmVm.create(board(guestKit("hello"), "dryrun"))) {
            vm.start();
            assertEquals(new VmExit(ExitStatus.NORMAL, "dryrun completed"), vm.awaitExit(TIMEOUT).orElseThrow());
            assertTrue(vm.console().text().contains("pl011"), vm.console()::text);
        }
    }
}
