package io.jqvm.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class X86VirtioGuestTest {

    @Test
    void announcementsUseLinuxsSyntax() {
        assertEquals("virtio_mmio.device=512@0xfeb00000:16 virtio_mmio.device=512@0xfeb00200:17",
                X86VirtioGuest.announcements());
    }

    @Test
    void transportLinesNameAddressGsiVersionAndDevice() {
        assertEquals(List.of("virtio-mmio at feb00000 (200 bytes, GSI 16): version 1, device ID 2",
                "virtio-mmio at feb00200 (200 bytes, GSI 17): version 1, device ID 4"), X86VirtioGuest.transportLines(1));
    }

    @Test
    void theDiskHoldsThePatternTheGuestChecks(@TempDir Path dir) throws IOException {
        Path image = dir.resolve("disk.img");
        X86VirtioGuest.createDisk(image);
        assertEquals(1 << 20, Files.size(image));
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(image)).order(ByteOrder.LITTLE_ENDIAN);
        // Word j of sector s is s << 16 | j, as guests/x86/virtio.c expects.
        assertEquals(0x0000_0000, bytes.getInt(0));
        assertEquals(0x0000_007f, bytes.getInt(511 - 3));
        assertEquals(0x07ff_0005, bytes.getInt(2047 * 512 + 5 * 4));
    }

    @Test
    void anUntouchedImageIsNotWhatTheGuestLeaves(@TempDir Path dir) throws IOException {
        Path image = dir.resolve("disk.img");
        X86VirtioGuest.createDisk(image);
        assertEquals(Optional.of("sector 1 word 0 is 00010000, expected fffeffff"), X86VirtioGuest.differenceAfterGuestRun(image, false));
    }

    @Test
    void theComplementedSectorAloneIsAccepted(@TempDir Path dir) throws IOException {
        Path image = dir.resolve("disk.img");
        X86VirtioGuest.createDisk(image);
        complementSector(image, X86VirtioGuest.WRITTEN_SECTOR);
        assertEquals(Optional.empty(), X86VirtioGuest.differenceAfterGuestRun(image, false));

        complementSector(image, 700);
        assertEquals(Optional.of("sector 700 word 0 is fd43ffff, expected 02bc0000"), X86VirtioGuest.differenceAfterGuestRun(image, false));
    }

    @Test
    void aReadOnlyDiskMustKeepEverySector(@TempDir Path dir) throws IOException {
        Path image = dir.resolve("disk.img");
        X86VirtioGuest.createDisk(image);
        assertEquals(Optional.empty(), X86VirtioGuest.differenceAfterGuestRun(image, true));
        complementSector(image, X86VirtioGuest.WRITTEN_SECTOR);
        assertEquals(Optional.of("sector 1 word 0 is fffeffff, expected 00010000"), X86VirtioGuest.differenceAfterGuestRun(image, true));
    }

    @Test
    void theCheckLinesSayWhetherTheDiskWasWritable() {
        assertTrue(X86VirtioGuest.checkLines(false).contains("virtio-blk: read sector 1 back (interrupt): ok"));
        assertTrue(X86VirtioGuest.checkLines(true).contains("virtio-blk: write sector 1 is refused with IOERR (interrupt): ok"));
        assertEquals(X86VirtioGuest.checkLines(false).size(), X86VirtioGuest.checkLines(true).size());
    }

    @Test
    void aTruncatedImageIsReported(@TempDir Path dir) throws IOException {
        Path image = dir.resolve("disk.img");
        X86VirtioGuest.createDisk(image);
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE)) {
            channel.truncate(4096);
        }
        assertEquals(Optional.of("the image is 4096 bytes long, not 1048576"), X86VirtioGuest.differenceAfterGuestRun(image, false));
    }

    private static void complementSector(Path image, long sector) throws IOException {
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer data = ByteBuffer.allocate(X86VirtioGuest.SECTOR_SIZE);
            channel.read(data, sector * X86VirtioGuest.SECTOR_SIZE);
            for (int i = 0; i < data.capacity(); i++) {
                data.put(i, (byte) ~data.get(i));
            }
            channel.write(data.flip(), sector * X86VirtioGuest.SECTOR_SIZE);
        }
    }
}
