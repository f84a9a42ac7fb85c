package io.jqvm.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code jqvm} command as a user meets it: the demo guest, dryrun of the examples, errors and exit statuses. */
class CommandLineTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void withoutArgumentsTheDemoGuestBootsAndPowersOff() throws Exception {
        KvmRequirement.assumeDevice();
        Command.Result r = Command.jqvm(TIMEOUT);
        assertTrue(r.stdout().contains("Hello from the jqvm guest kit"), r::describe);
        assertEquals(0, r.exitStatus(), r::describe);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86-pc", "qnx-x86", "linux-x86-minimal", "arm64-virt"})
    void dryrunAcceptsEveryExampleBoard(String example) throws Exception {
        Command.Result r = Command.jqvm(TIMEOUT, "@examples/" + example + ".qvmconf", "dryrun");
        assertEquals(0, r.exitStatus(), r::describe);
        assertTrue(r.stdout().contains("guest-physical memory map"), r::describe);
        assertTrue(r.stdout().endsWith("Exiting: dryrun completed\n"), r::describe);
    }

    @Test
    void dryrunShowsTheMapSortedWithOwnersAndLines() throws Exception {
        Command.Result r = Command.jqvm(TIMEOUT, "@examples/x86-pc.qvmconf", "dryrun");
        String out = r.stdout();
        int lowRam = out.indexOf("0x000000000 0x00009ffff");
        int rom = out.indexOf("0x0000c0000 0x0000fffff");
        int ioapic = out.indexOf("0x0fec00000");
        assertTrue(lowRam > 0 && rom > lowRam && ioapic > rom, out);
        assertTrue(out.contains("examples/x86-pc.qvmconf:"), out);
        assertTrue(out.contains("ser8250 -> ioapic:4"), out);
        assertTrue(out.contains("0x03f8 0x03ff"), out);
    }

    @Test
    void aConfigurationErrorIsOneLineWithPositionAndStatus65(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("bad.qvmconf");
        Files.writeString(conf, "system bad\nram 0x40000000,256M\nvdev pl011 loc 0x09000000 colour blue\n");
        Command.Result r = Command.jqvm(TIMEOUT, "@" + conf);
        assertEquals(65, r.exitStatus(), r::describe);
        assertTrue(r.stderr().strip().matches(".*bad\\.qvmconf:3:\\d+: .*\"colour\".*"), r::describe);
        assertEquals(1, r.stderr().strip().lines().count(), r::describe);
    }

    @Test
    void overlappingClaimsNameBothLines(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("overlap.qvmconf");
        Files.writeString(conf, "ram 0x40000000,256M\nvdev pl011 loc 0x40001000 intr gic:33\n");
        Command.Result r = Command.jqvm(TIMEOUT, "@" + conf, "dryrun");
        assertEquals(65, r.exitStatus(), r::describe);
        assertTrue(r.stderr().contains("overlap.qvmconf:2:") && r.stderr().contains("overlap.qvmconf:1:1"), r::describe);
    }

    @Test
    void unsupportedReferenceAbortEndsTheVmWithStatus5() throws Exception {
        KvmRequirement.assumeDevice();
        Command.Result r = Command.jqvm(TIMEOUT, "@examples/x86-pc.qvmconf", "unsupported", "reference", "abort",
                "load", "guests/target/x86/unmapped.elf");
        assertEquals(5, r.exitStatus(), r::describe);
        assertTrue(r.stderr().contains("0xd0000000") && r.stderr().contains("reaches no device"), r::describe);
    }

    @Test
    void loggerRoutesLevelsToTheNamedDestination() throws Exception {
        Command.Result quiet = Command.jqvm(TIMEOUT, "@examples/arm64-virt.qvmconf", "logger", "fatal", "none", "dryrun");
        assertEquals(0, quiet.exitStatus(), quiet::describe);
        assertEquals("", quiet.stderr(), quiet::describe);
        // suppress is accepted with a warning (qvm's semantics for it are not public).
        Command.Result toStdout = Command.jqvm(TIMEOUT, "@examples/arm64-virt.qvmconf", "logger", "warn", "stdout",
                "suppress", "dryrun");
        assertTrue(toStdout.stdout().contains("qvm-guest: warn: "), toStdout::describe);
        assertEquals("", toStdout.stderr(), toStdout::describe);
    }

    @Test
    void fdtDumpFileWritesATreeDtcReadsBack(@TempDir Path dir) throws Exception {
        Path dtb = dir.resolve("board.dtb");
        Command.Result r = Command.jqvm(TIMEOUT, "@examples/arm64-virt.qvmconf", "cmdline", "console=ttyAMA0",
                "set", "fdt-dump-file", dtb.toString(), "dryrun");
        assertEquals(0, r.exitStatus(), r::describe);
        assertTrue(r.stdout().contains("FDT saved to '" + dtb + "'"), r::describe);
        Command.Result dts = Command.run(java.util.List.of("dtc", "-I", "dtb", "-O", "dts", dtb.toString()), dir, TIMEOUT);
        assertEquals(0, dts.exitStatus(), dts::describe);
        for (String expected : new String[] {"enable-method = \"psci\"", "arm,cortex-a15-gic", "arm,pl011",
                "bootargs = \"console=ttyAMA0\"", "stdout-path", "arm,armv8-timer", "memory@40000000"}) {
            assertTrue(dts.stdout().contains(expected), () -> expected + " missing from\n" + dts.stdout());
        }
    }

    @Test
    void fdtLoadMergesAUserBlobOverTheGeneratedTree(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("extra.dts");
        Files.writeString(source, "/dts-v1/;\n/ { model = \"my board\"; reserved-memory { #address-cells = <2>; };\n};\n");
        Path blob = dir.resolve("extra.dtb");
        Command.Result dtc = Command.run(java.util.List.of("dtc", "-I", "dts", "-O", "dtb", "-o", blob.toString(),
                source.toString()), dir, TIMEOUT);
        assertEquals(0, dtc.exitStatus(), dtc::describe);
        Path dtb = dir.resolve("merged.dtb");
        Command.Result r = Command.jqvm(TIMEOUT, "@examples/arm64-virt.qvmconf", "fdt", "load", blob.toString(),
                "set", "fdt-dump-file", dtb.toString(), "dryrun");
        assertEquals(0, r.exitStatus(), r::describe);
        Command.Result dts = Command.run(java.util.List.of("dtc", "-I", "dtb", "-O", "dts", dtb.toString()), dir, TIMEOUT);
        assertTrue(dts.stdout().contains("model = \"my board\"") && dts.stdout().contains("reserved-memory")
                && dts.stdout().contains("arm,pl011"), dts::describe);
    }

    @Test
    void sigtermCutsThePowerWithStatus3(@TempDir Path dir) throws Exception {
        Path spin = dir.resolve("spin.bin");
        Files.write(spin, new byte[] {0x00, 0x00, 0x00, 0x14}); // b . (branch to itself)
        Process vm = new ProcessBuilder(Command.repo().resolve("jqvm").toString(), "@examples/arm64-virt.qvmconf",
                "load", spin.toString()).directory(Command.repo().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(dir.resolve("log").toFile()).redirectOutput(dir.resolve("console").toFile()).start();
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Files.readString(dir.resolve("log")).contains("guest started") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            // The launcher execs java, so the process is the JVM itself.
            new ProcessBuilder("kill", "-TERM", Long.toString(vm.pid())).start().waitFor();
            assertTrue(vm.waitFor(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "jqvm did not stop");
            String log = Files.readString(dir.resolve("log"));
            assertEquals(3, vm.exitValue(), log);
            assertTrue(log.contains("power cut by SIGTERM"), log);
        } finally {
            vm.destroyForcibly();
        }
    }
}
