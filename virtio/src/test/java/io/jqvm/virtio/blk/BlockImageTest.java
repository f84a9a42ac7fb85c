package io.jqvm.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening an image: every unusable file is refused with a message that names it and says why. */
class BlockImageTest {
    @TempDir
    Path dir;

    private String refusal(Path file, boolean readOnly) {
        return assertThrows(BlockImageException.class, () -> VirtioBlk.open(file, readOnly, null, 1)).getMessage();
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("nope.img");
        assertEquals("disk image " + file + " does not exist", refusal(file, false));
    }

    @Test
    void directory() {
        assertEquals("disk image " + dir + " is a directory", refusal(dir, true));
    }

    @Test
    void notAFile() {
        assertEquals("disk image /dev/null is neither a regular file nor a block device",
                refusal(Path.of("/dev/null"), false));
    }

    @Test
    void sizeNotWholeSectors() throws Exception {
        Path file = dir.resolve("odd.img");
        Files.write(file, new byte[1000]);
        assertEquals("disk image " + file + " is 1000 bytes, not a whole number of 512-byte sectors", refusal(file, false));
    }

    @Test
    void noPermission() throws Exception {
        // root ignores file modes; sysfs enforces them even for root, so a read-only sysfs file stands in
        boolean root = "root".equals(System.getProperty("user.name"));
        Path file = root ? Path.of("/sys/kernel/notes") : dir.resolve("locked.img");
        if (!root) {
            Files.write(file, new byte[512]);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        }
        assertEquals("disk image " + file + ": permission denied to open it for reading and writing (hostdev <"
                + file + " opens it read-only)", refusal(file, false));
    }

    @Test
    void readOnlyImageIsOpenedReadOnly() throws Exception {
        Path file = dir.resolve("ro.img");
        Files.write(file, new byte[4096]);
        if (!"root".equals(System.getProperty("user.name"))) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        }
        try (BlockImage image = BlockImage.open(file, true)) {
            assertTrue(image.readOnly());
            assertEquals(8, image.sectors());
        }
    }

    @Test
    void blockDeviceIsADisk() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "attaching a loop device needs root");
        Path backing = dir.resolve("loop.img");
        Files.write(backing, new byte[1 << 20]);
        Process attach = new ProcessBuilder("losetup", "--find", "--show", backing.toString()).redirectErrorStream(true).start();
        String loop = new String(attach.getInputStream().readAllBytes()).strip();
        Assumptions.assumeTrue(attach.waitFor() == 0, "no loop device: " + loop);
        try (BlockImage image = BlockImage.open(Path.of(loop), false)) {
            assertEquals(2048, image.sectors());
        } finally {
            new ProcessBuilder("losetup", "--detach", loop).inheritIO().start().waitFor();
        }
    }

    @Test
    void emptyImageIsADiskOfNoSectors() throws Exception {
        Path file = dir.resolve("empty.img");
        Files.write(file, new byte[0]);
        try (BlockImage image = BlockImage.open(file, false)) {
            assertEquals(0, image.sectors());
            assertTrue(image.contains(0, 0));
            assertTrue(!image.contains(0, 512));
        }
    }

    @Test
    void rangeArithmeticDoesNotOverflow() throws Exception {
        Path file = dir.resolve("disk.img");
        Files.write(file, new byte[1024]);
        try (BlockImage image = BlockImage.open(file, false)) {
            assertTrue(image.contains(512, 512));
            assertTrue(!image.contains(512, 513));
            assertTrue(!image.contains(Long.MAX_VALUE, 1));
            assertTrue(!image.contains(1, Long.MAX_VALUE));
            assertTrue(!image.contains(-512, 512));
        }
    }
}
