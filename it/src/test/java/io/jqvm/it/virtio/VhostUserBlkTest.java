package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import io.jqvm.testkit.HostPrerequisite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * vhost-user-blk against a back end nobody here wrote: QEMU's qemu-storage-daemon exports a raw 8 MiB image;
 * the guest sees its size (from the back end's configuration space), reads the whole disk (checksum compared
 * with the host's), and writes 1 MiB at 2 MiB with O_DIRECT and fsync, which the host then finds in the image.
 * QEMU's {@code vhost-user-blk} (on virtio-mmio, or {@code vhost-user-blk-pci}) on the same daemon is the oracle.
 */
class VhostUserBlkTest {
    private static final Path DAEMON = Path.of("/usr/bin/qemu-storage-daemon");
    private static final int SIZE = 8 << 20;

    @ParameterizedTest
    @EnumSource(Vmm.class)
    void theGuestReadsAndWritesADiskServedByQemuStorageDaemon(Vmm vmm, @TempDir Path dir) throws Exception {
        readAndWrite(LinuxVm.under(vmm), dir);
    }

    /** Without loc the vdev is a virtio-pci function, as every virtio vdev; QEMU's vhost-user-blk-pci is the oracle. */
    @ParameterizedTest
    @EnumSource(Vmm.class)
    void theSameDiskOverPci(Vmm vmm, @TempDir Path dir) throws Exception {
        readAndWrite(LinuxVm.under(vmm).onPci(), dir);
    }

    private static void readAndWrite(LinuxVm vm, Path dir) throws Exception {
        HostPrerequisite.require("qemu-storage-daemon (qemu-system-common)", Files.isExecutable(DAEMON) ? null
                : DAEMON + " is missing");
        byte[] image = new byte[SIZE];
        new Random(4).nextBytes(image);
        Path disk = dir.resolve("disk.img");
        Files.write(disk, image);
        Path socket = dir.resolve("blk.sock");
        Process daemon = new ProcessBuilder(DAEMON.toString(),
                "--blockdev", "driver=file,node-name=disk,filename=" + disk,
                "--export", "type=vhost-user-blk,id=export,node-name=disk,writable=on,addr.type=unix,addr.path=" + socket)
                .redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(socket)) {
                if (!daemon.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("qemu-storage-daemon made no socket: " + Files.readString(dir.resolve("daemon.log")));
                }
                Thread.sleep(50);
            }
            try (Console console = vm.with(new GuestDevice.VhostUserDisk(socket)).boot(dir)) {
                GuestShell sh = new GuestShell(console);
                assertEquals(String.valueOf(SIZE / 512), sh.ok("cat /sys/block/vda/size"));
                assertEquals(sha256(image), sh.ok("sha256sum /dev/vda").split("\\s+")[0]);
                String written = sh.ok("dd if=/dev/urandom of=/tmp/chunk bs=1M count=1 2>/dev/null"
                        + " && dd if=/tmp/chunk of=/dev/vda bs=1M seek=2 oflag=direct conv=fsync 2>/dev/null"
                        + " && sha256sum /tmp/chunk").split("\\s+")[0];
                byte[] after = Files.readAllBytes(disk);
                assertEquals(written, sha256(Arrays.copyOfRange(after, 2 << 20, 3 << 20)));
                assertArrayEquals(Arrays.copyOf(image, 2 << 20), Arrays.copyOf(after, 2 << 20));
            }
        } finally {
            daemon.destroy();
            daemon.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
