package io.jqvm.virtio.blk;

import static io.jqvm.virtio.blk.BlockRequest.S_IOERR;
import static io.jqvm.virtio.blk.BlockRequest.S_OK;
import static io.jqvm.virtio.blk.BlockRequest.S_UNSUPP;
import static io.jqvm.virtio.blk.BlockRequest.T_DISCARD;
import static io.jqvm.virtio.blk.BlockRequest.T_FLUSH;
import static io.jqvm.virtio.blk.BlockRequest.T_GET_ID;
import static io.jqvm.virtio.blk.BlockRequest.T_IN;
import static io.jqvm.virtio.blk.BlockRequest.T_OUT;
import static io.jqvm.virtio.blk.BlockRequest.T_WRITE_ZEROES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-blk requests against a temporary image, driven through a real split queue. */
class VirtioBlkTest {
    private static final int SECTORS = 2048; // a 1 MiB disk
    private static final long ALL = VirtioBlk.F_SIZE_MAX | VirtioBlk.F_SEG_MAX | VirtioBlk.F_BLK_SIZE
            | VirtioBlk.F_FLUSH | VirtioBlk.F_DISCARD | VirtioBlk.F_WRITE_ZEROES;

    @TempDir
    Path dir;
    private VirtioBlk device;
    private final List<BlkDriver> drivers = new java.util.ArrayList<>();

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
        }
        drivers.forEach(BlkDriver::close); // each checks its guard bytes
    }

    private BlkDriver driver(long features) {
        BlkDriver d = new BlkDriver(features);
        drivers.add(d);
        return d;
    }

    private Path image(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] pattern(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private BlkDriver start(Path file, boolean readOnly, String serial, int threads, long features) throws Exception {
        device = VirtioBlk.open(file, readOnly, serial, threads);
        BlkDriver driver = driver(features & device.offeredFeatures());
        device.activate(driver);
        return driver;
    }

    /** Submits one request, kicks, waits for it, and returns it. */
    private BlkDriver.Request run(BlkDriver driver, int type, long sector, byte[] out, int inLength) throws Exception {
        int before = driver.usedIdx();
        BlkDriver.Request r = driver.submit(type, sector, out, inLength);
        device.queueNotify(0);
        driver.awaitUsed(before + 1);
        return r;
    }

    @Test
    void writeThenReadRoundTrip() throws Exception {
        Path file = image("disk.img", new byte[SECTORS * 512]);
        BlkDriver driver = start(file, false, null, 1, ALL);
        byte[] data = pattern(4096, 1);
        BlkDriver.Request w = run(driver, T_OUT, 8, data, 0);
        assertEquals(S_OK, driver.status(w));
        assertEquals(1, driver.usedEntry(0).written(), "a write reports only its status byte as written");
        assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(file), 8 * 512, 8 * 512 + 4096));

        BlkDriver.Request r = run(driver, T_IN, 8, new byte[0], 4096);
        assertEquals(S_OK, driver.status(r));
        assertArrayEquals(data, driver.data(r));
        assertEquals(4097, driver.usedEntry(1).written());
        assertEquals(r.head(), driver.usedEntry(1).head());
        assertTrue(driver.awaitInterrupts(0, 2) >= 2);
        assertEquals(List.of(), driver.failures());
    }

    @Test
    void configurationSpaceAnnouncesTheDisk() throws Exception {
        device = VirtioBlk.open(image("disk.img", new byte[SECTORS * 512]), false, null, 1);
        assertEquals(2, device.deviceId());
        assertEquals(SECTORS, device.readConfig(0, 4) | device.readConfig(4, 4) << 32);
        assertEquals(BlkConfigSpace.SIZE_MAX, device.readConfig(8, 4));
        assertEquals(BlkConfigSpace.SEG_MAX, device.readConfig(12, 4));
        assertEquals(512, device.readConfig(20, 4));
        assertEquals(BlkConfigSpace.MAX_RANGE_SEGMENTS, device.readConfig(40, 4));
        assertEquals(1, device.readConfig(56, 1));
        assertEquals(0, device.readConfig(BlkConfigSpace.SIZE, 4), "past the end reads as zero");
        assertEquals(0, device.offeredFeatures() & VirtioBlk.F_RO);
        assertTrue(BlkConfigSpace.SEG_MAX + 2 <= device.queueMaxSize(0), "a request of seg_max segments fits the queue");
    }

    @Test
    void readOnlyDiskRefusesWritesAndStaysUnchanged() throws Exception {
        byte[] content = pattern(SECTORS * 512, 2);
        Path file = image("ro.img", content);
        BlkDriver driver = start(file, true, null, 1, ALL | VirtioBlk.F_RO);
        long offered = device.offeredFeatures();
        assertTrue((offered & VirtioBlk.F_RO) != 0);
        assertEquals(0, offered & (VirtioBlk.F_DISCARD | VirtioBlk.F_WRITE_ZEROES));

        assertEquals(S_IOERR, driver.status(run(driver, T_OUT, 0, new byte[512], 0)));
        assertEquals(S_UNSUPP, driver.status(run(driver, T_DISCARD, 0, BlkDriver.range(0, 8, 0), 0)));
        assertEquals(S_UNSUPP, driver.status(run(driver, T_WRITE_ZEROES, 0, BlkDriver.range(0, 8, 0), 0)));
        assertEquals(S_OK, driver.status(run(driver, T_FLUSH, 0, new byte[0], 0)));
        BlkDriver.Request r = run(driver, T_IN, 4, new byte[0], 1024);
        assertEquals(S_OK, driver.status(r));
        assertArrayEquals(Arrays.copyOfRange(content, 2048, 3072), driver.data(r));
        assertArrayEquals(content, Files.readAllBytes(file));
    }

    @Test
    void flushIsAnFdatasync() throws Exception {
        Path file = image("disk.img", new byte[SECTORS * 512]);
        CountingChannel channel = new CountingChannel(FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE));
        device = new VirtioBlk(new BlockImage(file, channel, -1, false, SECTORS * 512L, null, false), "x", 1);
        BlkDriver driver = driver(ALL);
        device.activate(driver);
        run(driver, T_OUT, 0, pattern(512, 3), 0);
        assertEquals(0, channel.dataSyncs.get(), "a write alone does not sync");
        BlkDriver.Request f = run(driver, T_FLUSH, 0, new byte[0], 0);
        assertEquals(S_OK, driver.status(f));
        assertEquals(1, channel.dataSyncs.get());
    }

    @Test
    void getIdAnswersTheSerial() throws Exception {
        Path file = image("debian-root.img", new byte[SECTORS * 512]);
        BlkDriver driver = start(file, false, null, 1, ALL);
        BlkDriver.Request r = run(driver, T_GET_ID, 0, new byte[0], 20);
        assertEquals(S_OK, driver.status(r));
        byte[] expected = Arrays.copyOf("debian-root.img".getBytes(), 20);
        assertArrayEquals(expected, driver.data(r));
        assertEquals(21, driver.usedEntry(0).written());

        device.close();
        driver = start(file, false, "SERIAL-0123456789-ABCDEF", 1, ALL);
        r = run(driver, T_GET_ID, 0, new byte[0], 20);
        assertEquals("SERIAL-0123456789-AB", new String(driver.data(r)), "20 bytes, unterminated");
        assertEquals("a-very-long-image-fi", VirtioBlk.defaultSerial(Path.of("/x/a-very-long-image-file-name.raw")));
        assertEquals("d_sk.img", VirtioBlk.defaultSerial(Path.of("d\u00e9sk.img")));
    }

    @Test
    void discardPunchesAHoleAndReadsZeros() throws Exception {
        Path file = image("disk.img", pattern(SECTORS * 512, 4));
        BlkDriver driver = start(file, false, null, 1, ALL);
        long blocksBefore = HostFiles.allocatedBlocks(file);
        BlkDriver.Request d = run(driver, T_DISCARD, 0, BlkDriver.range(256, 1024, 0), 0);
        assertEquals(S_OK, driver.status(d));
        byte[] after = Files.readAllBytes(file);
        assertEquals(SECTORS * 512, after.length, "the image keeps its size");
        assertArrayEquals(new byte[1024 * 512], Arrays.copyOfRange(after, 256 * 512, 1280 * 512));
        assertArrayEquals(Arrays.copyOfRange(pattern(SECTORS * 512, 4), 0, 256 * 512), Arrays.copyOfRange(after, 0, 256 * 512));
        if (HostFiles.supportsHoles(dir)) {
            long blocksAfter = HostFiles.allocatedBlocks(file);
            assertTrue(blocksBefore - blocksAfter >= 1000, "512 KiB deallocated: " + blocksBefore + " -> " + blocksAfter);
        }
    }

    @Test
    void discardFlagsAndLimitsAreChecked() throws Exception {
        byte[] content = pattern(SECTORS * 512, 5);
        Path file = image("disk.img", content);
        BlkDriver driver = start(file, false, null, 1, ALL);
        assertEquals(S_UNSUPP, driver.status(run(driver, T_DISCARD, 0, BlkDriver.range(0, 8, 1), 0)), "UNMAP on a discard");
        assertEquals(S_UNSUPP, driver.status(run(driver, T_WRITE_ZEROES, 0, BlkDriver.range(0, 8, 2), 0)), "unknown flag");
        assertEquals(S_IOERR, driver.status(run(driver, T_DISCARD, 0, BlkDriver.range(SECTORS - 4, 8, 0), 0)), "past the end");
        assertEquals(S_IOERR, driver.status(run(driver, T_DISCARD, 0, BlkDriver.range(-1L, 8, 0), 0)), "sector 2^64-1");
        assertEquals(S_IOERR, driver.status(run(driver, T_DISCARD, 0, BlkDriver.range(0, -1, 0), 0)), "over max sectors");
        assertEquals(S_IOERR, driver.status(run(driver, T_DISCARD, 0, new byte[15], 0)), "a partial range");
        byte[] many = new byte[16 * (BlkConfigSpace.MAX_RANGE_SEGMENTS + 1)];
        assertEquals(S_UNSUPP, driver.status(run(driver, T_DISCARD, 0, many, 0)), "more ranges than max_discard_seg");
        // one bad range among good ones: nothing is applied
        byte[] mixed = new byte[32];
        System.arraycopy(BlkDriver.range(0, 8, 0), 0, mixed, 0, 16);
        System.arraycopy(BlkDriver.range(SECTORS, 1, 0), 0, mixed, 16, 16);
        assertEquals(S_IOERR, driver.status(run(driver, T_DISCARD, 0, mixed, 0)));
        assertArrayEquals(content, Files.readAllBytes(file));

        device.close();
        driver = start(file, false, null, 1, ALL & ~VirtioBlk.F_DISCARD);
        assertEquals(S_UNSUPP, driver.status(run(driver, T_DISCARD, 0, BlkDriver.range(0, 8, 0), 0)), "not negotiated");
        assertArrayEquals(content, Files.readAllBytes(file));
    }

    @Test
    void writeZeroesZeroesWithOrWithoutUnmap() throws Exception {
        byte[] content = pattern(SECTORS * 512, 6);
        Path file = image("disk.img", content);
        BlkDriver driver = start(file, false, null, 1, ALL);
        byte[] two = new byte[32];
        System.arraycopy(BlkDriver.range(16, 16, 0), 0, two, 0, 16);
        System.arraycopy(BlkDriver.range(100, 300, BlockRequest.RANGE_F_UNMAP), 0, two, 16, 16);
        assertEquals(S_OK, driver.status(run(driver, T_WRITE_ZEROES, 0, two, 0)));
        byte[] expected = content.clone();
        Arrays.fill(expected, 16 * 512, 32 * 512, (byte) 0);
        Arrays.fill(expected, 100 * 512, 400 * 512, (byte) 0);
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    @Test
    void rangesOutsideTheDiskOrOddLengthsFail() throws Exception {
        byte[] content = pattern(SECTORS * 512, 7);
        Path file = image("disk.img", content);
        BlkDriver driver = start(file, false, null, 1, ALL);
        assertEquals(S_IOERR, driver.status(run(driver, T_IN, SECTORS, new byte[0], 512)));
        assertEquals(S_IOERR, driver.status(run(driver, T_IN, SECTORS - 1, new byte[0], 1024)));
        assertEquals(S_IOERR, driver.status(run(driver, T_IN, -1L, new byte[0], 512)));
        assertEquals(S_IOERR, driver.status(run(driver, T_IN, Long.MAX_VALUE / 256, new byte[0], 512)), "sector*512 overflows");
        assertEquals(S_IOERR, driver.status(run(driver, T_IN, 0, new byte[0], 100)), "not whole sectors");
        assertEquals(S_IOERR, driver.status(run(driver, T_OUT, SECTORS - 1, new byte[1024], 0)));
        assertEquals(S_IOERR, driver.status(run(driver, T_OUT, 0, new byte[513], 0)));
        assertEquals(S_OK, driver.status(run(driver, T_IN, SECTORS - 1, new byte[0], 512)), "the last sector");
        assertEquals(S_UNSUPP, driver.status(run(driver, 2, 0, new byte[0], 16)), "legacy SCSI command");
        assertEquals(S_UNSUPP, driver.status(run(driver, 10, 0, new byte[0], 16)), "GET_LIFETIME, not offered");
        for (int i = 0; i < 10; i++) {
            assertEquals(i == 7 ? 513 : 1, driver.usedEntry(i).written(), "a failed request writes only its status");
        }
        assertArrayEquals(content, Files.readAllBytes(file));
        assertEquals(List.of(), driver.failures());
    }

    @Test
    void aChainWithoutHeaderOrStatusFailsTheDevice() throws Exception {
        BlkDriver driver = start(image("disk.img", new byte[SECTORS * 512]), false, null, 1, ALL);
        long header = driver.allocate(16);
        driver.memory.write(header, BlkDriver.header(T_IN, 0));
        long data = driver.allocate(512);
        driver.submitChain(List.of(new BlkDriver.Buffer(header, 16, false), new BlkDriver.Buffer(data, 512, false)));
        device.queueNotify(0);
        awaitFailures(driver, 1);
        assertTrue(driver.failures().get(0).contains("no writable status byte"), driver.failures().toString());

        device.reset();
        driver.resetQueue();
        device.activate(driver);
        long status = driver.allocate(1);
        driver.submitChain(List.of(new BlkDriver.Buffer(header, 8, false), new BlkDriver.Buffer(status, 1, true)));
        device.queueNotify(0);
        awaitFailures(driver, 2);
        assertTrue(driver.failures().get(1).contains("less than its 16-byte header"), driver.failures().toString());
        assertEquals(0, driver.usedIdx(), "nothing is answered");

        // a failed device serves nothing until it is reset
        driver.submit(T_FLUSH, 0, new byte[0], 0);
        device.queueNotify(0);
        Thread.sleep(50);
        assertEquals(0, driver.usedIdx());
        device.reset();
        driver.resetQueue();
        device.activate(driver);
        assertEquals(S_OK, driver.status(run(driver, T_FLUSH, 0, new byte[0], 0)));
    }

    private static void awaitFailures(BlkDriver driver, int n) throws InterruptedException {
        for (int i = 0; i < 1000 && driver.failures().size() < n; i++) {
            Thread.sleep(5);
        }
        assertEquals(n, driver.failures().size(), driver.failures().toString());
    }

    @Test
    void manyRequestsInFlightOnFourThreads() throws Exception {
        Path file = image("disk.img", new byte[SECTORS * 512]);
        BlkDriver driver = start(file, false, null, 4, ALL);
        int n = 120; // three descriptors each: 360 > 256, so the ring wraps and chains wait for room
        byte[][] blocks = new byte[n][];
        int submitted = 0;
        int completed = 0;
        while (completed < n) {
            while (submitted < n && submitted - completed < 80) {
                blocks[submitted] = pattern(1024, 100 + submitted);
                driver.submit(T_OUT, 2L * submitted, blocks[submitted], 0);
                submitted++;
            }
            device.queueNotify(0);
            driver.awaitUsed(submitted);
            completed = submitted;
        }
        byte[] disk = Files.readAllBytes(file);
        for (int i = 0; i < n; i++) {
            assertArrayEquals(blocks[i], Arrays.copyOfRange(disk, i * 1024, (i + 1) * 1024), "block " + i);
        }
        // eighty reads at once, completed in any order: each used entry names its own chain
        driver.resetQueue();
        device.reset();
        device.activate(driver);
        BlkDriver.Request[] reads = new BlkDriver.Request[80];
        for (int i = 0; i < reads.length; i++) {
            reads[i] = driver.submit(T_IN, 2L * i, new byte[0], 1024);
        }
        device.queueNotify(0);
        driver.awaitUsed(reads.length);
        for (int i = 0; i < reads.length; i++) {
            assertEquals(S_OK, driver.status(reads[i]));
            assertArrayEquals(blocks[i], driver.data(reads[i]), "read " + i);
        }
        long heads = java.util.stream.IntStream.range(0, reads.length).mapToLong(i -> driver.usedEntry(i).head()).distinct().count();
        assertEquals(reads.length, heads);
        assertEquals(List.of(), driver.failures());
    }

    @Test
    void resetWhileRequestsRunDropsTheirCompletions() throws Exception {
        Path file = image("disk.img", pattern(SECTORS * 512, 8));
        for (int round = 0; round < 20; round++) {
            BlkDriver driver = start(file, false, null, 4, ALL);
            for (int i = 0; i < 60; i++) {
                driver.submit(i % 2 == 0 ? T_IN : T_OUT, 16L * i, i % 2 == 0 ? new byte[0] : pattern(8192, i), i % 2 == 0 ? 8192 : 0);
            }
            device.queueNotify(0);
            device.reset();
            int usedAtReset = driver.usedIdx();
            byte[] ringAtReset = driver.memory.read(driver.ring().usedRing(), 4 + 8 * BlkDriver.QUEUE_SIZE);
            Thread.sleep(20);
            assertEquals(usedAtReset, driver.usedIdx(), "no completion after reset");
            assertArrayEquals(ringAtReset, driver.memory.read(driver.ring().usedRing(), 4 + 8 * BlkDriver.QUEUE_SIZE));
            // and the device serves a fresh queue afterwards
            driver.resetQueue();
            device.activate(driver);
            assertEquals(S_OK, driver.status(run(driver, T_IN, 0, new byte[0], 512)));
            assertEquals(List.of(), driver.failures());
            device.close();
            device = null;
        }
    }
}
