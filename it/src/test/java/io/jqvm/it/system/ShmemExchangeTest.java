package io.jqvm.it.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * qvm's shmem device between jqvm processes: the guest kit's ping-pong (guests/shared/shm_pingpong.h) over one
 * host region, on the software CPU, across the loc and PCI forms, across accelerators (x86-64 on KVM with AArch64
 * on the software CPU), and with one VM killed with SIGKILL while its peer is attached. Each test gives its region a name of its own
 * ({@code subst}), so parallel runs never meet.
 */
class ShmemExchangeTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final String ARM_FACTORY = "0x0b000000";
    private static final String X86_FACTORY = "0x90000000";

    @TempDir
    Path dir;

    @BeforeAll
    static void buildGuests() throws Exception {
        Path sources = Command.repo().resolve("guests/aarch64");
        Command.Result build = Command.run(List.of("make", "-C", sources.toString(),
                "OUT=" + Command.repo().resolve("guests/target/aarch64"), "shm"), sources, TIMEOUT);
        assertEquals(0, build.exitStatus(), build.describe());
    }

    private Process arm(String label, String program, String region) throws Exception {
        return start(label, List.of("@examples/arm64-virt.qvmconf", "vdev", "shmem", "loc", ARM_FACTORY, "intr", "gic:40",
                "subst", "," + region + ".", "load", "guests/target/aarch64/" + program + ".elf"));
    }

    private Process start(String label, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Command.repo().resolve("jqvm").toString());
        command.addAll(args);
        return new ProcessBuilder(command).directory(Command.repo().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(dir.resolve(label + ".log").toFile())
                .redirectOutput(dir.resolve(label + ".console").toFile()).start();
    }

    private String console(String label) throws Exception {
        return Files.readString(dir.resolve(label + ".console"));
    }

    private String describe(String label) throws Exception {
        return label + " console:\n" + console(label) + "\n" + label + " log:\n" + Files.readString(dir.resolve(label + ".log"));
    }

    private void awaitExit(Process p, String label, int status) throws Exception {
        try {
            assertTrue(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), () -> label + " did not end");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(status, p.exitValue(), describe(label));
    }

    private void awaitConsole(String label, String text) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!console(label).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' from " + describe(label));
            }
            Thread.sleep(50);
        }
    }

    private static String regionName(String test) {
        return test + "-" + ProcessHandle.current().pid();
    }

    @Test
    void twoGuestsOnTheSoftCpuExchangeMessagesThroughOneRegion() throws Exception {
        String region = regionName("soft");
        Process echo = arm("echo", "shm-echo", region);
        Process ping = arm("ping", "shm-ping", region);
        awaitExit(ping, "ping", 0);
        awaitExit(echo, "echo", 0);
        assertTrue(console("ping").contains("ping: all rounds echoed 2000\nPASS shm-ping"), describe("ping"));
        assertTrue(console("echo").contains("echo: done after rounds 2000\nPASS shm-echo"), describe("echo"));
        assertTrue(Files.notExists(Path.of("/dev/shm/jqvm-shmem-" + region + ".pingpong")), "the region outlived its clients");
    }

    /** qvm's PCI form (no loc: the guest finds the factory in BAR 0 of 1c05:0001) meets the loc form in one region. */
    @Test
    void aGuestOnThePciFormAndOneOnTheLocFormExchangeMessages() throws Exception {
        String region = regionName("pci");
        Process echo = arm("echo", "shm-echo", region);
        Process ping = start("ping", List.of("@examples/arm64-virt.qvmconf", "vdev", "shmem", "subst", "," + region + ".",
                "load", "guests/target/aarch64/shm-ping-pci.elf"));
        awaitExit(ping, "ping", 0);
        awaitExit(echo, "echo", 0);
        assertTrue(console("ping").contains("shmem: PCI 00:1.0, factory page in BAR 0 at 10000000\n"), describe("ping"));
        assertTrue(console("ping").contains("ping: all rounds echoed 2000\nPASS shm-ping"), describe("ping"));
        assertTrue(console("echo").contains("echo: done after rounds 2000\nPASS shm-echo"), describe("echo"));
    }

    @Test
    void anX86GuestOnKvmAndAnAarch64GuestOnTheSoftCpuExchangeMessages() throws Exception {
        KvmRequirement.assumeDevice();
        String region = regionName("mixed");
        Process echo = start("echo", List.of("@examples/x86-pc.qvmconf", "vdev", "shmem", "loc", X86_FACTORY,
                "intr", "ioapic:10", "subst", "," + region + ".", "load", "guests/target/x86/shm-echo.elf"));
        Process ping = arm("ping", "shm-ping", region);
        awaitExit(ping, "ping", 0);
        awaitExit(echo, "echo", 0);
        assertTrue(console("ping").contains("ping: all rounds echoed 2000\nPASS shm-ping"), describe("ping"));
        assertTrue(console("echo").contains("echo: done after rounds 2000"), describe("echo"));
        assertTrue(console("echo").contains("PASS shm-echo"), describe("echo"));
    }

    /** The PC board's PCI form: the x86 echo finds the factory in BAR 0 where jqvm placed it as firmware. */
    @Test
    void anX86GuestOnThePciFormOnKvmAndAnAarch64GuestExchangeMessages() throws Exception {
        KvmRequirement.assumeDevice();
        String region = regionName("mixed-pci");
        Process echo = start("echo", List.of("@examples/x86-pc.qvmconf", "vdev", "shmem", "subst", "," + region + ".",
                "load", "guests/target/x86/shm-echo-pci.elf"));
        Process ping = arm("ping", "shm-ping", region);
        awaitExit(ping, "ping", 0);
        awaitExit(echo, "echo", 0);
        assertTrue(console("echo").contains("shmem: PCI 00:01.0, factory page in BAR 0 at "), describe("echo"));
        assertTrue(console("ping").contains("ping: all rounds echoed 2000\nPASS shm-ping"), describe("ping"));
        assertTrue(console("echo").contains("PASS shm-echo-pci"), describe("echo"));
    }

    @Test
    void aKilledVmIsDetachedAndItsPeerKeepsTheRegion() throws Exception {
        String region = regionName("kill");
        Process echo = arm("echo", "shm-echo", region);
        Process ping = arm("ping", "shm-ping-forever", region);
        try {
            awaitConsole("echo", "echo: rounds 1000");
            ping.destroyForcibly(); // SIGKILL: no detach, no clean-up
            assertTrue(ping.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            awaitExit(echo, "echo", 0);
            String out = console("echo");
            assertTrue(out.contains("echo: peer gone, active clients 1\necho: last round in the region "), describe("echo"));
            assertTrue(out.contains("PASS shm-echo"), describe("echo"));
        } finally {
            ping.destroyForcibly();
            echo.destroyForcibly();
        }
    }
}
