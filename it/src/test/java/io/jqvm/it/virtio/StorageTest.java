package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import io.jqvm.testkit.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * virtio-blk with Linux's own drivers, in one boot per VMM (QEMU is the oracle: the same assertions hold
 * there). vda is an ext4 image made on the host with {@code mke2fs -d}: the guest
 * reads the known file, writes two, {@code sync}s, and the host kills the VMM with SIGKILL right after
 * the guest reports the sync; both files must be in the image. vdb is a read-only copy: the guest sees a
 * read-only disk, writes fail, and the image's bytes are unchanged.
 */
class StorageTest {
    private static final String KNOWN = "made on the host by mke2fs -d";

    @ParameterizedTest
    @EnumSource(Vmm.class)
    void ext4ReadWriteReadOnlyDiskAndSyncSurvivesKill(Vmm vmm, @TempDir Path dir) throws Exception {
        Path content = Files.createDirectory(dir.resolve("content"));
        Files.writeString(content.resolve("known.txt"), KNOWN + "\n");
        Path disk = dir.resolve("disk.img");
        Path readOnly = dir.resolve("readonly.img");
        host(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-d", content.toString(), disk.toString(), "16M"));
        Files.copy(disk, readOnly);
        String readOnlyDigest = sha256(readOnly);

        LinuxVm vm = LinuxVm.under(vmm).with(new GuestDevice.Disk(disk, false)).with(new GuestDevice.Disk(readOnly, true));
        try (Console console = vm.boot(dir)) {
            GuestShell sh = new GuestShell(console);
            assertEquals("0", sh.ok("cat /sys/block/vda/ro"));
            assertEquals(KNOWN, sh.ok("mkdir -p /mnt/rw /mnt/ro && mount -t ext4 /dev/vda /mnt/rw && cat /mnt/rw/known.txt"));
            sh.ok("echo written-by-the-guest > /mnt/rw/new.txt");

            assertEquals("1", sh.ok("cat /sys/block/vdb/ro"));
            assertEquals(KNOWN, sh.ok("mount -t ext4 -o ro,noload /dev/vdb /mnt/ro && cat /mnt/ro/known.txt"));
            GuestShell.Result fileWrite = sh.run("echo refused > /mnt/ro/new.txt");
            assertNotEquals(0, fileWrite.status());
            assertTrue(fileWrite.output().contains("Read-only file system"), fileWrite::output);
            GuestShell.Result rawWrite = sh.run("dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync");
            assertNotEquals(0, rawWrite.status(), rawWrite::output);

            sh.ok("echo durable > /mnt/rw/durable.txt && sync");
            // close() is SIGKILL: what the guest synced must already be in the image file.
        }
        // The guest's sync put the new files in ext4's journal, on the disk: e2fsck replays it as the
        // next mount would (status 1: it corrected the file system by replaying).
        Command.Result fsck = Command.run(List.of("e2fsck", "-fy", disk.toString()), dir, Duration.ofMinutes(1));
        assertTrue(fsck.exitStatus() <= 1, fsck::describe);
        assertEquals("written-by-the-guest", debugfsCat(disk, "/new.txt"));
        assertEquals("durable", debugfsCat(disk, "/durable.txt"));
        assertEquals(readOnlyDigest, sha256(readOnly), "the read-only image changed");
    }

    private static String debugfsCat(Path image, String file) throws Exception {
        Command.Result r = Command.run(List.of("debugfs", "-R", "cat " + file, image.toString()), image.getParent(),
                Duration.ofMinutes(1));
        assertEquals(0, r.exitStatus(), r::describe);
        return r.stdout().strip();
    }

    private static void host(List<String> command) throws Exception {
        Command.Result r = Command.run(command, Command.repo(), Duration.ofMinutes(1));
        assertEquals(0, r.exitStatus(), r::describe);
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
