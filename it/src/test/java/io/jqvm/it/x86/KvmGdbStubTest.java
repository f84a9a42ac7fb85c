package io.jqvm.it.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.HostPrerequisite;
import io.jqvm.testkit.KvmRequirement;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jqvm's GDB stub on KVM with gdb-multiarch as the client, on the x86 guest kit's hello: the debug registers
 * (KVM_SET_GUEST_DEBUG) stop it at a function, a single step runs one line, memory reads by virtual address
 * (KVM_TRANSLATE), and gdb sees the guest power off. gdb reads the ELF64 the kit links before repackaging it as
 * ELF32 for Multiboot.
 */
class KvmGdbStubTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String GDB = "gdb-multiarch";

    @BeforeEach
    void needsKvmAndGdb() {
        KvmRequirement.assumeDevice();
        HostPrerequisite.require(GDB, Files.isExecutable(Path.of("/usr/bin", GDB)) ? null : "/usr/bin/" + GDB + " is not installed");
    }

    @Test
    void gdbBreaksAtAFunctionStepsReadsMemoryAndSeesThePowerOff(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("gdb.sock");
        Process vm = new ProcessBuilder(Command.repo().resolve("jqvm").toString(), "@examples/x86-pc.qvmconf",
                "gdb", "unix:" + socket + ",wait", "load", "guests/target/x86/hello.elf")
                .directory(Command.repo().toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(dir.resolve("vm.log").toFile()).redirectOutput(dir.resolve("vm.console").toFile()).start();
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Files.readString(dir.resolve("vm.log")).contains("the guest waits for a debugger")) {
                assertTrue(System.nanoTime() < deadline && vm.isAlive(), () -> "jqvm never waited for gdb:\n" + read(dir, "vm.log"));
                Thread.sleep(50);
            }
            List<String> command = new ArrayList<>(List.of(GDB, "-nx", "-batch", "-ex", "set pagination off",
                    "-ex", "target remote " + socket));
            for (String c : List.of("break guest_main", "continue", "info registers rip", "next", "print guest_name",
                    "delete", "continue")) {
                command.addAll(List.of("-ex", c));
            }
            command.add(Command.repo().resolve("guests/target/x86/obj/hello.elf64").toString());
            Command.Result gdb = Command.run(command, dir, TIMEOUT);
            String out = gdb.stdout();
            assertTrue(out.contains("Breakpoint 1, guest_main () at hello.c"), gdb::describe);
            assertTrue(out.contains("rip            0x"), gdb::describe);
            assertTrue(out.contains("print(\"Hello from the jqvm guest kit\\n\");") || out.contains("printf(\"Command line"),
                    "next:\n" + gdb.describe());
            assertTrue(out.contains("= \"hello\""), gdb::describe);
            assertTrue(out.contains("[Inferior 1 (Remote target) exited normally]"), gdb::describe);
            assertTrue(vm.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "jqvm did not end");
            assertEquals(0, vm.exitValue(), read(dir, "vm.log"));
            assertTrue(read(dir, "vm.console").contains("PASS hello"), read(dir, "vm.console"));
        } finally {
            vm.destroyForcibly();
        }
    }

    private static String read(Path dir, String name) {
        try {
            return Files.readString(dir.resolve(name));
        } catch (java.io.IOException e) {
            return "(" + e + ")";
        }
    }
}
