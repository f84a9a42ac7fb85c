package io.jqvm.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * What the x86 guest kit's {@code virtio} guest ({@code guests/x86/virtio.c}) needs and proves, shared by
 * its QEMU run (guests module) and its jqvm run on KVM (it module): where the two virtio-mmio devices
 * are, the disk image it reads (32-bit little-endian word {@code j} of sector {@code s} is
 * {@code s << 16 | j}), the sector it overwrites with the complement, and the lines that report each check.
 */
public final class X86VirtioGuest {
    public static final String NAME = "virtio";
    public static final int SECTOR_SIZE = 512;
    /** 1 MiB: large enough that "the last sector" is far from the first ones. */
    public static final int DISK_SECTORS = 2048;
    public static final long WRITTEN_SECTOR = 1;

    /** The transports, as QEMU's microvm places its first two (0x200 apart) and on the GSIs it gives them. */
    public static final long BLOCK_ADDRESS = 0xfeb00000L;
    public static final int BLOCK_GSI = 16;
    public static final long ENTROPY_ADDRESS = 0xfeb00200L;
    public static final int ENTROPY_GSI = 17;

    /** The disk's serial, which the guest reads with GET_ID (QEMU's {@code serial=}, jqvm's {@code serial}). */
    public static final String SERIAL = "jqvm-virtio-guest";

    /** The command-line word that tells the guest its disk is read-only: it must refuse the write. */
    public static final String READ_ONLY_WORD = "virtio-blk.read-only=1";

    private static final int WORDS_PER_SECTOR = SECTOR_SIZE / Integer.BYTES;

    private X86VirtioGuest() {
    }

    /** The result line of every check, in the order the guest prints them; then comes {@code PASS virtio}. */
    public static List<String> checkLines(boolean readOnly) {
        List<String> writes = readOnly
                ? List.of("virtio-blk: read-only (VIRTIO_BLK_F_RO)",
                        "virtio-blk: write sector 1 is refused with IOERR (interrupt): ok",
                        "virtio-blk: sector 1 is unchanged (interrupt): ok")
                : List.of("virtio-blk: writable",
                        "virtio-blk: write sector 1 (interrupt): ok",
                        "virtio-blk: read sector 1 back (interrupt): ok");
        return List.of(
                "virtio-blk: initialisation: ok",
                writes.get(0),
                "virtio-blk: capacity " + DISK_SECTORS + " sectors",
                "virtio-blk: read sector 0 (interrupt): ok",
                "virtio-blk: read the last sector (polling): ok",
                "virtio-blk: read sectors 2-3 into two buffers (interrupt): ok",
                "virtio-blk: device ID \"" + SERIAL + "\"",
                "virtio-blk: device ID (interrupt): ok",
                "virtio-blk: read sectors 4-7 as four requests in flight (interrupt): ok",
                writes.get(1),
                writes.get(2),
                "virtio-blk: flush (interrupt): ok",
                "virtio-blk: read past the end is refused with IOERR (polling): ok",
                "virtio-entropy: initialisation: ok",
                "virtio-entropy: 64 bytes (interrupt): ok",
                "virtio-entropy: the bytes are not all equal: ok");
    }

    /** The lines the guest prints for the two transports it finds, of virtio-mmio {@code version} 2 or 1 (legacy). */
    public static List<String> transportLines(int version) {
        return List.of(transportLine(BLOCK_ADDRESS, BLOCK_GSI, version, 2), transportLine(ENTROPY_ADDRESS, ENTROPY_GSI, version, 4));
    }

    private static String transportLine(long address, int gsi, int version, int deviceId) {
        return "virtio-mmio at %x (200 bytes, GSI %d): version %d, device ID %d".formatted(address, gsi, version, deviceId);
    }

    /** Linux's {@code virtio_mmio.device=<size>@<base>:<irq>} announcement of both devices. */
    public static String announcements() {
        return announcement(BLOCK_ADDRESS, BLOCK_GSI) + " " + announcement(ENTROPY_ADDRESS, ENTROPY_GSI);
    }

    public static String announcement(long address, int gsi) {
        return "virtio_mmio.device=512@0x" + Long.toHexString(address) + ":" + gsi;
    }

    /** Creates (or replaces) the disk image with the pattern in every sector. */
    public static void createDisk(Path image) throws IOException {
        ByteBuffer disk = ByteBuffer.allocate(DISK_SECTORS * SECTOR_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int sector = 0; sector < DISK_SECTORS; sector++) {
            for (int word = 0; word < WORDS_PER_SECTOR; word++) {
                disk.putInt(patternWord(sector, word));
            }
        }
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(disk.flip());
        }
    }

    /**
     * Empty when the image is what the guest leaves behind: the pattern everywhere, except on a writable
     * disk {@link #WRITTEN_SECTOR}, which holds the pattern's complement. Otherwise the first difference.
     */
    public static Optional<String> differenceAfterGuestRun(Path image, boolean readOnly) throws IOException {
        byte[] bytes = Files.readAllBytes(image);
        if (bytes.length != DISK_SECTORS * SECTOR_SIZE) {
            return Optional.of("the image is " + bytes.length + " bytes long, not " + DISK_SECTORS * SECTOR_SIZE);
        }
        ByteBuffer disk = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int sector = 0; sector < DISK_SECTORS; sector++) {
            for (int word = 0; word < WORDS_PER_SECTOR; word++) {
                boolean written = sector == WRITTEN_SECTOR && !readOnly;
                int expected = written ? ~patternWord(sector, word) : patternWord(sector, word);
                int actual = disk.getInt();
                if (actual != expected) {
                    return Optional.of("sector %d word %d is %08x, expected %08x".formatted(sector, word, actual, expected));
                }
            }
        }
        return Optional.empty();
    }

    private static int patternWord(int sector, int word) {
        return sector << 16 | word;
    }
}
