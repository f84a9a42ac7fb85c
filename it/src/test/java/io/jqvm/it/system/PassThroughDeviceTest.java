package io.jqvm.it.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import java.io.BufferedReader;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * qvm's {@code pass} with a simulated device: a host process (it/src/test/c/pass-device.c) owns a shared-memory
 * register file and an interrupt as eventfds it hands over a Unix socket. The guest kit's pass-device program, on
 * the software CPU, reads and writes the registers (reaching the host process), takes the device's interrupt,
 * and its end of interrupt re-arms the host source (a level interrupt it leaves unacknowledged comes back); a
 * store to the read-only page follows {@code unsupported reference}. A second VM asking for the same register
 * file is refused, naming the first. The x86 guest kit's pass-device does the same on KVM (the eventfds become the
 * in-kernel IOAPIC's irqfd and resample eventfd); it skips without /dev/kvm.
 */
class PassThroughDeviceTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final String REGS = "0x0c000000";
    private static final String ROM = "0x0c001000";

    @TempDir
    Path dir;

    private static Path device;
    /** The device's standard output, read line by line. */
    private BufferedReader deviceOut;

    @BeforeAll
    static void build() throws Exception {
        Path sources = Command.repo().resolve("guests/aarch64");
        Command.Result guest = Command.run(List.of("make", "-C", sources.toString(),
                "OUT=" + Command.repo().resolve("guests/target/aarch64"), "pass"), sources, TIMEOUT);
        assertEquals(0, guest.exitStatus(), guest.describe());
        Command.Result x86 = Command.run(List.of("make", "-C", Command.repo().resolve("guests").toString(), "x86",
                "OUT=" + Command.repo().resolve("guests/target")), Command.repo(), TIMEOUT);
        assertEquals(0, x86.exitStatus(), x86.describe());
        device = Command.repo().resolve("it/target/pass-device");
        Files.createDirectories(device.getParent());
        Command.Result cc = Command.run(List.of("cc", "-O2", "-Wall", "-Wextra", "-Werror",
                "-I", Command.repo().resolve("guests/shared").toString(), "-o", device.toString(),
                Command.repo().resolve("it/src/test/c/pass-device.c").toString()), Command.repo(), TIMEOUT);
        assertEquals(0, cc.exitStatus(), cc.describe());
    }

    private Process startDevice(String shm, Path socket) throws Exception {
        Process p = new ProcessBuilder(device.toString(), shm, socket.toString())
                .redirectError(dir.resolve("device.err").toFile()).start();
        deviceOut = p.inputReader();
        assertEquals("ready", deviceOut.readLine(), () -> "the device did not start: " + read(dir.resolve("device.err")));
        return p;
    }

    private Process jqvm(String label, Map<String, String> environment, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Command.repo().resolve("jqvm").toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(Command.repo().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(dir.resolve(label + ".log").toFile())
                .redirectOutput(dir.resolve(label + ".console").toFile());
        builder.environment().putAll(environment);
        return builder.start();
    }

    private String describe(String label) {
        return label + " console:\n" + read(dir.resolve(label + ".console")) + "\n" + label + " log:\n"
                + read(dir.resolve(label + ".log"));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }

    private static void await(Process p, String what) throws Exception {
        try {
            assertTrue(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), what + " did not end");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void theGuestDrivesTheHostProcesssRegistersAndInterruptOnTheSoftCpu() throws Exception {
        String shm = "jqvm-pass-it-" + ProcessHandle.current().pid();
        Path socket = dir.resolve("device.sock");
        Process host = startDevice(shm, socket);
        try {
            Process vm = jqvm("vm", Map.of("JQVM_RUNTIME_DIR", dir.resolve("runtime").toString()), List.of(
                    "@examples/arm64-virt.qvmconf",
                    "pass", "loc", REGS + ",0x1000,rw=shm:" + shm, "loc", ROM + ",0x1000,r=file:/dev/shm/" + shm + "@0x1000",
                    "intr", "gic:40=eventfd:" + socket,
                    "load", "guests/target/aarch64/pass-device.elf"));
            await(vm, "the VM");
            assertEquals(0, vm.exitValue(), describe("vm"));
            String console = read(dir.resolve("vm.console"));
            assertTrue(console.contains("device id 50415353\nrom 524f4d21\n"), "reads reach the host object: " + describe("vm"));
            assertTrue(console.contains("round 1: interrupts 1, status 1, result 4\nround 1: re-armed 1\n"), describe("vm"));
            assertTrue(console.contains("round 3: interrupts 2, status 1, result 10\nround 3: re-armed 2\n"),
                    "an unacknowledged level interrupt comes back after the EOI's re-arm: " + describe("vm"));
            assertTrue(console.contains("round 5: interrupts 1, status 1, result 16\nround 5: re-armed 1\n"
                    + "interrupts 6, others 0\n"), describe("vm"));
            assertTrue(console.contains("rom after store 524f4d21, data aborts 1\nPASS pass-device"),
                    "the read-only page: " + describe("vm"));
            assertEquals("device: rounds 5, re-arms 6, re-triggers 1, rom 524f4d21", deviceOut.readLine(),
                    "writes reached the host process");
            await(host, "the device");
            assertEquals(0, host.exitValue(), read(dir.resolve("device.err")));
        } finally {
            host.destroyForcibly();
            Files.deleteIfExists(Path.of("/dev/shm", shm));
        }
    }

    @Test
    void theX86GuestDrivesTheSameDeviceOnKvmThroughIrqfd() throws Exception {
        KvmRequirement.assumeDevice();
        String shm = "jqvm-pass-it-kvm-" + ProcessHandle.current().pid();
        Path socket = dir.resolve("device.sock");
        Process host = startDevice(shm, socket);
        try {
            Process vm = jqvm("kvm", Map.of("JQVM_RUNTIME_DIR", dir.resolve("runtime").toString()), List.of(
                    "@examples/x86-pc.qvmconf", "pass", "loc", "0x90000000,0x1000,rw=shm:" + shm,
                    "intr", "ioapic:10=eventfd:" + socket, "load", "guests/target/x86/pass-device.elf"));
            await(vm, "the VM");
            assertEquals(0, vm.exitValue(), describe("kvm"));
            String console = read(dir.resolve("kvm.console"));
            assertTrue(console.contains("device id 50415353\n"), describe("kvm"));
            assertTrue(console.contains("round 3: interrupts 2, status 1, result 10\nround 3: re-armed 2\n"), describe("kvm"));
            assertTrue(console.contains("PASS pass-device"), describe("kvm"));
            assertEquals("device: rounds 5, re-arms 6, re-triggers 1, rom 524f4d21", deviceOut.readLine());
        } finally {
            host.destroyForcibly();
            Files.deleteIfExists(Path.of("/dev/shm", shm));
        }
    }

    @Test
    void aSecondVmAskingForTheSameRegionIsRefusedNamingTheFirst() throws Exception {
        Path regs = dir.resolve("regs.bin");
        Files.write(regs, new byte[8192]);
        Map<String, String> runtime = Map.of("JQVM_RUNTIME_DIR", dir.resolve("runtime").toString());
        // The first VM waits forever for an interrupt nobody raises.
        Process first = jqvm("first", runtime, List.of("system", "holder", "@examples/arm64-virt.qvmconf",
                "pass", "loc", REGS + ",0x2000,rw=file:" + regs, "load", "guests/target/aarch64/pass-device.elf"));
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!read(dir.resolve("first.console")).contains("device id 0")) {
                assertTrue(first.isAlive(), describe("first"));
                assertTrue(System.nanoTime() < deadline, "the first VM never started: " + describe("first"));
                Thread.sleep(50);
            }
            Process second = jqvm("second", runtime, List.of("system", "second", "@examples/arm64-virt.qvmconf",
                    "pass", "loc", REGS + ",0x1000,r=file:" + regs + "@0x1000", "load", "guests/target/aarch64/pass-device.elf"));
            await(second, "the second VM");
            assertEquals(64, second.exitValue(), describe("second"));
            assertTrue(read(dir.resolve("second.log")).contains("is already passed through to VM 'holder' (process "),
                    describe("second"));
        } finally {
            first.destroyForcibly();
            first.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        // The holder was killed: its claim is stale and the region is free.
        Process third = jqvm("third", runtime, List.of("@examples/arm64-virt.qvmconf", "pass", "loc", REGS + ",0x1000,r=file:" + regs,
                "loc", ROM + ",0x1000,r=file:" + regs + "@0x1000", "load", "guests/target/aarch64/pass-device.elf"));
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!read(dir.resolve("third.console")).contains("device id 0")) {
                assertTrue(third.isAlive(), describe("third"));
                assertTrue(System.nanoTime() < deadline, "the third VM never started: " + describe("third"));
                Thread.sleep(50);
            }
        } finally {
            third.destroyForcibly();
            third.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
