package io.jqvm.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.VirtqueueException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever request a driver builds (any type, sector, flags, and buffers split anywhere), the device either
 * answers it with a status in the status byte or, for a chain without header or status, refuses it as
 * malformed; it never throws anything else, never writes past the chain's writable bytes, and changes the
 * image only through a successful write, discard or write-zeroes.
 */
class BlockRequestProperties {
    private static final int SECTORS = 64;
    private static Path file;
    private static BlockImage image;
    private static byte[] original;

    @BeforeContainer
    static void open() throws Exception {
        file = Files.createTempFile("virtio-blk-property", ".img");
        original = new byte[SECTORS * 512];
        new java.util.Random(9).nextBytes(original);
        Files.write(file, original);
        image = BlockImage.open(file, false);
    }

    @AfterContainer
    static void close() throws Exception {
        image.close();
        Files.delete(file);
    }

    @Provide
    Arbitrary<Integer> types() {
        return Arbitraries.oneOf(Arbitraries.of(0, 1, 4, 8, 10, 11, 13), Arbitraries.integers());
    }

    @Provide
    Arbitrary<Long> sectors() {
        return Arbitraries.oneOf(Arbitraries.longs().between(0, SECTORS + 2),
                Arbitraries.of(-1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 55, (1L << 55) - 1));
    }

    @Provide
    Arbitrary<List<Integer>> splits() {
        return Arbitraries.oneOf(Arbitraries.of(0, 1, 15, 16, 512, 1024), Arbitraries.integers().between(0, 1100)).list().ofMinSize(0).ofMaxSize(5);
    }

    @Property(tries = 500)
    void everyRequestIsAnsweredOrRefused(@ForAll("types") int type, @ForAll("sectors") long sector,
                                         @ForAll("splits") List<Integer> readable, @ForAll("splits") List<Integer> writable,
                                         @ForAll("sectors") long rangeSector, @ForAll int rangeCount, @ForAll int rangeFlags)
            throws Exception {
        Files.write(file, original);
        try (BlkDriver driver = new BlkDriver(VirtioBlk.F_DISCARD | VirtioBlk.F_WRITE_ZEROES | VirtioBlk.F_FLUSH)) {
            check(driver, type, sector, readable, writable, rangeSector, rangeCount, rangeFlags);
        }
    }

    private static void check(BlkDriver driver, int type, long sector, List<Integer> readable, List<Integer> writable,
                              long rangeSector, int rangeCount, int rangeFlags) throws Exception {
        // the readable bytes: a header, then discard ranges repeated, cut into the given buffer lengths
        ByteBuffer out = ByteBuffer.allocate(readable.stream().mapToInt(Integer::intValue).sum() + 16).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(type).putInt(0).putLong(sector);
        while (out.remaining() >= 16) {
            out.putLong(rangeSector).putInt(rangeCount % (SECTORS * 2)).putInt(rangeFlags % 4);
        }
        List<BlkDriver.Buffer> chain = new ArrayList<>();
        int at = 0;
        for (int length : readable) {
            long gpa = driver.allocate(length);
            driver.memory.write(gpa, java.util.Arrays.copyOfRange(out.array(), at, at + length));
            chain.add(new BlkDriver.Buffer(gpa, length, false));
            at += length;
        }
        long writableBytes = 0;
        long statusGpa = -1;
        for (int length : writable) {
            long gpa = driver.allocate(length + 8);
            driver.memory.write(gpa, new byte[length + 8]);
            driver.memory.write8(gpa + length, 0x5a); // a canary just past the buffer
            chain.add(new BlkDriver.Buffer(gpa, length, true));
            if (length > 0) {
                statusGpa = gpa + length - 1; // the status is the last writable byte
            }
            writableBytes += length;
        }
        if (chain.isEmpty()) {
            return; // a chain needs a descriptor
        }
        driver.submitChain(chain);
        int written;
        DescriptorChain popped = null;
        try {
            popped = driver.pop(); // refuses zero-length buffers and readable-after-writable ones
            written = BlockRequest.serve(popped, driver.memory, image, driver.features(), new byte[20]);
        } catch (VirtqueueException e) {
            assertTrue(popped == null || popped.readableLength() < 16 || popped.writableLength() < 1, e.getMessage());
            assertArrayEquals(original, Files.readAllBytes(file));
            return;
        }
        assertTrue(written >= 1 && written <= writableBytes, "written " + written + " of " + writableBytes);
        for (BlkDriver.Buffer b : chain) {
            if (b.writable()) {
                assertEquals(0x5a, driver.memory.read8(b.gpa() + b.length()), "canary after a writable buffer");
            }
        }
        int status = driver.memory.read8(statusGpa);
        assertTrue(status <= 2, "status " + status);
        boolean changesDisk = type == BlockRequest.T_OUT || type == BlockRequest.T_DISCARD || type == BlockRequest.T_WRITE_ZEROES;
        if (!(changesDisk && status == 0)) {
            assertArrayEquals(original, Files.readAllBytes(file), "type " + type + " status " + status);
        }
    }
}
