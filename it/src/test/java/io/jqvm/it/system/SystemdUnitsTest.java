package io.jqvm.it.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.testkit.Command;
import io.jqvm.testkit.HostPrerequisite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd units in {@code dist/systemd}: {@code systemd-analyze verify} accepts them, checked against an
 * image root holding the host's own system units and the {@code /usr/bin/jqvm} they run (so it works in a
 * container where systemd is not running), and their restart policy matches jqvm's exit statuses.
 */
class SystemdUnitsTest {
    private static final Path UNITS = Command.repo().resolve("dist/systemd");
    private static final Path HOST_UNITS = Path.of("/usr/lib/systemd/system");

    @Test
    void systemdAnalyzeVerifiesTheUnits(@TempDir Path root) throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        HostPrerequisite.require("systemd-analyze", Files.isExecutable(analyze) && Files.isDirectory(HOST_UNITS)
                ? null : "systemd is not installed");
        copyTree(HOST_UNITS, root.resolve("usr/lib/systemd/system"));
        copyTree(UNITS, root.resolve("etc/systemd/system"));
        Path jqvm = root.resolve("usr/bin/jqvm");
        Files.createDirectories(jqvm.getParent());
        Files.writeString(jqvm, "#!/bin/sh\n");
        Files.setPosixFilePermissions(jqvm, PosixFilePermissions.fromString("rwxr-xr-x"));
        Command.Result r = Command.run(List.of(analyze.toString(), "verify", "--man=no", "--root=" + root,
                "jqvm@web.service", "jqvm-mediator@disks.service", "jqvm-mediators.target"), root, Duration.ofSeconds(120));
        assertEquals(0, r.exitStatus(), r::describe);
        assertEquals("", r.stderr().strip(), "systemd-analyze warned:" + r.describe());
    }

    @Test
    void restartPolicyFollowsTheExitStatuses() throws Exception {
        for (String unit : List.of("jqvm@.service", "jqvm-mediator@.service")) {
            List<String> lines = Files.readAllLines(UNITS.resolve(unit));
            assertTrue(lines.contains("Restart=on-failure"), unit);
            assertTrue(lines.contains("RestartPreventExitStatus=" + ExitStatus.FATAL_BEFORE_START.code() + " "
                    + ExitStatus.CONFIG_ERROR.code()), unit + ": a configuration that cannot start is not retried");
            assertTrue(lines.contains("SuccessExitStatus=" + ExitStatus.POWER_CUT.code()), unit + ": systemctl stop is a power cut");
        }
        List<String> vm = Files.readAllLines(UNITS.resolve("jqvm@.service"));
        assertTrue(vm.contains("After=jqvm-mediators.target network-online.target"), "VMs start after their mediators");
        assertTrue(Files.readAllLines(UNITS.resolve("jqvm-mediator@.service")).contains("Before=jqvm-mediators.target"));
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target, LinkOption.NOFOLLOW_LINKS);
                } else if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
