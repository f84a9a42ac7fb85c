package io.jqvm.vmm.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeDirectoryTest {
    @TempDir
    Path root;

    @Test
    void rootFollowsTheEnvironmentThenTheUser() {
        assertEquals(Path.of("/x/y"), RuntimeDirectory.root(Map.of("JQVM_RUNTIME_DIR", "/x/y", "XDG_RUNTIME_DIR", "/r"), 0));
        assertEquals(Path.of("/run/jqvm"), RuntimeDirectory.root(Map.of("XDG_RUNTIME_DIR", "/run/user/0"), 0));
        assertEquals(Path.of("/run/user/1000/jqvm"), RuntimeDirectory.root(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), 1000));
        assertEquals(Path.of("/tmp/jqvm-1000"), RuntimeDirectory.root(Map.of(), 1000));
    }

    @Test
    void aClaimedDirectoryIsPrivateHoldsOurPidAndIsRemovedAtClose() throws IOException {
        Path dir;
        try (RuntimeDirectory d = RuntimeDirectory.claim(root.resolve("jqvm"), "alpha")) {
            dir = d.path();
            assertEquals(root.resolve("jqvm/alpha"), dir);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("jqvm"))));
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(dir.resolve("pid")));
            Files.writeString(d.endpoint("net0"), "published");
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    void aSecondClaimOfALiveSystemIsRefusedAndNamesTheHolder() {
        try (RuntimeDirectory first = RuntimeDirectory.claim(root, "alpha")) {
            VmmException e = assertThrows(VmmException.class, () -> RuntimeDirectory.claim(root, "alpha"));
            assertEquals(ExitStatus.FATAL_BEFORE_START, e.status());
            assertTrue(e.getMessage().contains("already running"), e.getMessage());
            assertEquals(Optional.of(Long.toString(ProcessHandle.current().pid())), RuntimeDirectory.holder(first.path()));
        }
        assertEquals(Optional.empty(), RuntimeDirectory.holder(root.resolve("alpha")));
        RuntimeDirectory.claim(root, "alpha").close();
    }

    @Test
    void anotherProcessHoldingTheSystemIsNamedByItsPid() throws Exception {
        // Another JVM takes the lock exactly as a running jqvm does, then is killed as -9 would kill a VM.
        Path dir = root.resolve("beta");
        Files.createDirectories(dir);
        Path pid = dir.resolve("pid");
        Path holderSource = root.resolve("Holder.java");
        Files.writeString(holderSource, """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                class Holder {
                    public static void main(String[] a) throws Exception {
                        FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        c.lock();
                        c.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + System.lineSeparator()).getBytes()));
                        System.out.println("locked");
                        Thread.sleep(60_000);
                    }
                }
                """);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path holderErrors = root.resolve("holder.err");
        Process holder = new ProcessBuilder(java.toString(), holderSource.toString(), pid.toString())
                .redirectError(holderErrors.toFile()).start();
        try {
            String said = holder.inputReader().readLine();
            assertEquals("locked", said, "the lock holder failed: " + Files.readString(holderErrors));
            VmmException e = assertThrows(VmmException.class, () -> RuntimeDirectory.claim(root, "beta"));
            assertTrue(e.getMessage().contains("process " + holder.pid()), e.getMessage());
            assertEquals(Optional.of(Long.toString(holder.pid())), RuntimeDirectory.holder(dir), "probed without taking it");
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(Optional.empty(), RuntimeDirectory.holder(dir), "a dead holder holds nothing");
        // The holder was killed: its directory is stale and is taken over, leftovers removed.
        Files.writeString(dir.resolve("net0.sock"), "left behind");
        try (RuntimeDirectory d = RuntimeDirectory.claim(root, "beta")) {
            assertFalse(Files.exists(dir.resolve("net0.sock")));
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(pid, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void unnamedVmsOfOneProcessGetDistinctDirectories() {
        String a = RuntimeDirectory.directoryName(Optional.empty());
        String b = RuntimeDirectory.directoryName(Optional.empty());
        assertNotEquals(a, b);
        assertTrue(a.startsWith("qvm-guest-" + ProcessHandle.current().pid()), a);
        assertEquals("sys", RuntimeDirectory.directoryName(Optional.of("sys")));
    }

    @Test
    void namesThatAreNotOneComponentAreRefused() {
        for (String bad : List.of("", "a/b", "..", ".")) {
            assertThrows(VmmException.class, () -> RuntimeDirectory.claim(root, bad));
        }
        try (RuntimeDirectory d = RuntimeDirectory.claim(root, "gamma")) {
            assertThrows(IllegalArgumentException.class, () -> d.endpoint("pid"));
            assertThrows(IllegalArgumentException.class, () -> d.endpoint("../x"));
        }
    }
}
