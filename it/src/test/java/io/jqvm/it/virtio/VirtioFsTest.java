package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import io.jqvm.testkit.HostPrerequisite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * virtio-fs through a back end nobody here wrote: QEMU's virtiofsd shares a host directory, the guest's own
 * virtiofs driver mounts it, lists it, reads a small and a 4 MiB file (checksums compared with the host's) and
 * writes a file the host then reads. The same scenario under QEMU ({@code vhost-user-fs-device}) is the oracle.
 *
 * <p>virtiofsd serves one connection and exits when it closes, so each run starts its own. Its chroot sandbox
 * needs root.
 */
class VirtioFsTest {
    private static final Path VIRTIOFSD = Path.of("/usr/lib/qemu/virtiofsd");

    @ParameterizedTest
    @EnumSource(Vmm.class)
    void theGuestListsReadsAndWritesHostFiles(Vmm vmm, @TempDir Path dir) throws Exception {
        HostPrerequisite.require("QEMU's virtiofsd (qemu-system-common)", Files.isExecutable(VIRTIOFSD) ? null
                : VIRTIOFSD + " is missing");
        HostPrerequisite.require("root (virtiofsd's chroot sandbox)",
                "root".equals(System.getProperty("user.name")) ? null : "running as " + System.getProperty("user.name"));
        Path share = Files.createDirectory(dir.resolve("share"));
        Files.writeString(share.resolve("greeting.txt"), "hello from the host\n");
        byte[] blob = new byte[4 << 20];
        new Random(10).nextBytes(blob);
        Files.write(share.resolve("blob.bin"), blob);
        Path socket = dir.resolve("virtiofsd.sock");
        Process virtiofsd = new ProcessBuilder(VIRTIOFSD.toString(), "--socket-path=" + socket, "-o", "source=" + share,
                "-o", "sandbox=chroot", "-o", "cache=none").redirectErrorStream(true)
                .redirectOutput(dir.resolve("virtiofsd.log").toFile()).start();
        try {
            awaitSocket(socket, virtiofsd, dir);
            try (Console console = LinuxVm.under(vmm).with(new GuestDevice.VirtioFs(socket, "hostshare")).boot(dir)) {
                GuestShell sh = new GuestShell(console);
                sh.ok("mkdir -p /mnt/host && mount -t virtiofs hostshare /mnt/host");
                assertEquals(List.of("blob.bin", "greeting.txt"), List.of(sh.ok("ls /mnt/host").split("\\s+")));
                assertEquals("hello from the host", sh.ok("cat /mnt/host/greeting.txt"));
                assertEquals(sha256(blob), sh.ok("sha256sum /mnt/host/blob.bin").split("\\s+")[0]);
                sh.ok("echo written by the guest > /mnt/host/from-guest.txt && sync");
                assertEquals("written by the guest\n", Files.readString(share.resolve("from-guest.txt"), StandardCharsets.UTF_8));
                assertTrue(sh.ok("rm /mnt/host/greeting.txt && ls /mnt/host").contains("from-guest.txt"));
                assertTrue(Files.notExists(share.resolve("greeting.txt")));
            }
        } finally {
            virtiofsd.destroy();
            virtiofsd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitSocket(Path socket, Process virtiofsd, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket)) {
            if (!virtiofsd.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("virtiofsd made no socket: " + Files.readString(dir.resolve("virtiofsd.log")));
            }
            Thread.sleep(50);
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
