package io.jqvm.it.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.testkit.Command;
import io.jqvm.testkit.HostPrerequisite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gdb-multiarch on Debian's arm64 kernel through jqvm's GDB stub (software CPU): a breakpoint at the uname
 * system call's kernel entry, hit when the shell runs {@code uname}, and a backtrace. Debian ships no symbols
 * with the kernel (its System.map is a stub; the real one is in the -dbg package), so the address comes from
 * the guest's own /proc/kallsyms, and gdb reads the kernel's memory at its virtual addresses through the
 * guest's page tables.
 */
class DebianKernelGdbTest {
    private static final Duration BOOT = Duration.ofMinutes(5);
    private static final Duration COMMAND = Duration.ofSeconds(120);
    private static final String PROMPT = "# ";
    private static final String GDB = "gdb-multiarch";
    private static final String FUNCTION = "__arm64_sys_newuname";

    @BeforeAll
    static void guestImages() throws Exception {
        HostPrerequisite.require(GDB, Files.isExecutable(Path.of("/usr/bin", GDB)) ? null : "/usr/bin/" + GDB + " is not installed");
        Path cache = Command.repo().resolve("build/guest-cache");
        if (Files.exists(cache.resolve("Image")) && Files.exists(cache.resolve("initramfs.cpio"))) {
            return;
        }
        Command.Result r = Command.run(List.of(Command.repo().resolve("scripts/debian-arm64-guest.sh").toString()),
                Command.repo(), Duration.ofMinutes(10));
        assertEquals(0, r.exitStatus(), r::describe);
    }

    @Test
    void aBreakpointInAKernelFunctionIsHitAndBacktraced(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("gdb.sock");
        Path conf = dir.resolve("linux.qvmconf");
        Files.writeString(conf, Files.readString(Command.repo().resolve("examples/arm64-virt.qvmconf"))
                + "load build/guest-cache/Image\ninitrd load build/guest-cache/initramfs.cpio\n"
                + "cmdline \"console=ttyAMA0 nokaslr cryptomgr.notests\"\n" + "gdb unix:" + socket + "\n");
        try (Console console = Console.start(List.of(Command.repo().resolve("jqvm").toString(), "@" + conf),
                Command.repo())) {
            console.waitFor("JQVM-INIT-READY", BOOT);
            console.waitFor(PROMPT, COMMAND);
            console.type("grep -w " + FUNCTION + " /proc/kallsyms");
            String kallsyms = console.waitFor(PROMPT, COMMAND);
            Matcher m = Pattern.compile("(ffff[0-9a-f]{12}) [Tt] " + FUNCTION).matcher(kallsyms);
            assertTrue(m.find(), () -> kallsyms + console.describe());
            String address = m.group(1);

            ProcessBuilder gdb = new ProcessBuilder(GDB, "-nx", "-batch", "-ex", "set pagination off",
                    "-ex", "set architecture aarch64", "-ex", "target remote " + socket,
                    "-ex", "break *0x" + address, "-ex", "continue", "-ex", "bt 3", "-ex", "info registers pc",
                    "-ex", "x/2i $pc", "-ex", "delete", "-ex", "detach")
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("gdb.out").toFile());
            Process session = gdb.start();
            try {
                long deadline = System.nanoTime() + COMMAND.toNanos();
                while (!console.log().contains("gdb: debugger connected; the guest is stopped")) {
                    assertTrue(System.nanoTime() < deadline && session.isAlive(),
                            () -> "gdb never connected:\n" + read(dir.resolve("gdb.out")) + console.describe());
                    Thread.sleep(20);
                }
                // typed while the guest is held: the shell runs it once gdb has set the breakpoint and continued
                console.type("uname -r");
                assertTrue(session.waitFor(COMMAND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS),
                        () -> "gdb did not finish:\n" + read(dir.resolve("gdb.out")) + console.describe());
                String out = read(dir.resolve("gdb.out"));
                assertTrue(out.contains("Breakpoint 1, 0x" + address + " in ?? ()"), out + console.describe());
                assertTrue(out.contains("#0  0x" + address + " in ?? ()") && out.contains("#1  0xffff"),
                        "a backtrace into the kernel:\n" + out);
                assertTrue(out.contains("pc             0x" + address), out);
            } finally {
                session.destroyForcibly();
            }
            String uname = console.waitFor(PROMPT, COMMAND);
            assertTrue(uname.contains("-arm64"), () -> uname + console.describe());
            console.type("poweroff");
            assertEquals(0, console.waitForExit(COMMAND), console::describe);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(" + e + ")";
        }
    }
}
