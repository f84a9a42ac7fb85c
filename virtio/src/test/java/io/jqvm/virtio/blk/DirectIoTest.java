package io.jqvm.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** qvm's dio: aligned transfers bypass the page cache, unaligned ones take it, and the disk reads the same either way. */
class DirectIoTest {
    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;

    private Path image() throws Exception {
        Path file = dir.resolve("disk.img");
        Files.write(file, new byte[SIZE]);
        return file;
    }

    private static MemorySegment pattern(Arena arena, int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        MemorySegment s = arena.allocate(length, 4096); // guest RAM is page-aligned host memory
        MemorySegment.copy(MemorySegment.ofArray(b), 0, s, 0, length);
        return s;
    }

    @Test
    void alignedTransfersGoAroundThePageCache() throws Exception {
        Path file = image();
        try (Arena arena = Arena.ofConfined(); BlockImage image = BlockImage.open(file, false, DirectIo.ENABLE)) {
            MemorySegment data = pattern(arena, 8192, 1);
            image.write(4096, data);
            assertEquals(1, image.directTransfers());
            MemorySegment back = arena.allocate(8192, 4096);
            image.read(4096, back);
            assertEquals(2, image.directTransfers());
            assertArrayEquals(data.toArray(ValueLayout.JAVA_BYTE), back.toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(data.toArray(ValueLayout.JAVA_BYTE), Arrays.copyOfRange(Files.readAllBytes(file), 4096, 4096 + 8192));
        }
    }

    @Test
    void unalignedTransfersTakeThePageCacheAndStayCoherent() throws Exception {
        Path file = image();
        try (Arena arena = Arena.ofConfined(); BlockImage image = BlockImage.open(file, false, DirectIo.ENABLE)) {
            MemorySegment sector = pattern(arena, 512, 2);
            image.write(512, sector); // a lone sector: not block-aligned
            assertEquals(0, image.directTransfers());
            MemorySegment page = arena.allocate(4096, 4096);
            image.read(0, page); // direct, and sees the buffered write
            assertEquals(1, image.directTransfers());
            assertArrayEquals(sector.toArray(ValueLayout.JAVA_BYTE), page.asSlice(512, 512).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void readModeKeepsThePageCacheForWrites() throws Exception {
        Path file = image();
        try (Arena arena = Arena.ofConfined(); BlockImage image = BlockImage.open(file, false, DirectIo.READ)) {
            MemorySegment data = pattern(arena, 4096, 3);
            image.write(0, data);
            assertEquals(0, image.directTransfers());
            MemorySegment back = arena.allocate(4096, 4096);
            image.read(0, back);
            assertEquals(1, image.directTransfers());
            assertArrayEquals(data.toArray(ValueLayout.JAVA_BYTE), back.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void randomMixOfTransfersMatchesAModel() throws Exception {
        Path file = image();
        byte[] model = new byte[SIZE];
        Random random = new Random(4);
        try (Arena arena = Arena.ofConfined(); BlockImage image = BlockImage.open(file, false, DirectIo.ENABLE)) {
            MemorySegment buffer = arena.allocate(65536 + 4096, 4096);
            for (int i = 0; i < 300; i++) {
                int sectors = 1 + random.nextInt(128);
                long offset = 512L * random.nextInt(SIZE / 512 - sectors);
                MemorySegment at = buffer.asSlice(512L * random.nextInt(8), 512L * sectors);
                if (random.nextBoolean()) {
                    byte[] b = new byte[512 * sectors];
                    random.nextBytes(b);
                    MemorySegment.copy(MemorySegment.ofArray(b), 0, at, 0, b.length);
                    image.write(offset, at);
                    System.arraycopy(b, 0, model, (int) offset, b.length);
                } else {
                    image.read(offset, at);
                    assertArrayEquals(Arrays.copyOfRange(model, (int) offset, (int) offset + 512 * sectors),
                            at.toArray(ValueLayout.JAVA_BYTE), "read " + i);
                }
            }
            assertEquals(true, image.directTransfers() > 0, "some transfers were aligned");
        }
        assertArrayEquals(model, Files.readAllBytes(file));
    }

    @Test
    void optionNamesAreQvms() {
        assertEquals(DirectIo.ENABLE, DirectIo.of("enable"));
        assertEquals(DirectIo.READ, DirectIo.of("read"));
        assertEquals(DirectIo.DISABLE, DirectIo.of("disable"));
        assertThrows(IllegalArgumentException.class, () -> DirectIo.of("sometimes"));
    }
}
