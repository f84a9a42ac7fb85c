package io.jqvm.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.virtio.mmio.VirtioMmioTransport;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.MmioDriver;
import io.jqvm.virtio.testing.RecordingIrq;
import io.jqvm.virtio.testing.RingDriver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The disk behind the real virtio-mmio transport, driven the way Linux's virtio_mmio and virtio_blk drivers
 * drive it: feature negotiation, configuration reads, one queue of 256, requests in indirect tables (what Linux
 * uses when it negotiated RING_INDIRECT_DESC) and direct chains, interrupts, and a reset with I/O in flight.
 * Modern (version 2) and legacy (version 1) registers.
 */
class VirtioBlkMmioTest {
    private static final long RAM = 0x4000_0000L;
    private static final int SECTORS = 4096;
    private static final long DRIVER_WANTS = MmioDriver.F_VERSION_1 | MmioDriver.F_INDIRECT_DESC | MmioDriver.F_EVENT_IDX
            | VirtioBlk.F_SIZE_MAX | VirtioBlk.F_SEG_MAX | VirtioBlk.F_BLK_SIZE | VirtioBlk.F_FLUSH | VirtioBlk.F_RO
            | VirtioBlk.F_DISCARD | VirtioBlk.F_WRITE_ZEROES;

    @TempDir
    Path dir;
    private final GuardedMemory ram = new GuardedMemory(RAM, 4 << 20);
    private final RecordingIrq irq = new RecordingIrq();
    private VirtioBlk device;

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
        }
        assertTrue(ram.guardsIntact(), "nothing outside guest RAM was touched");
        ram.close();
    }

    private MmioDriver start(Path image, boolean legacy) throws Exception {
        device = VirtioBlk.open(image, false, "jqvm-disk", 2);
        MmioDriver driver = new MmioDriver(new VirtioMmioTransport("blk0", device, ram.memory(), irq, legacy),
                ram.memory(), RAM);
        assertEquals(2, driver.read(0x008), "device ID");
        assertTrue(driver.negotiate(DRIVER_WANTS));
        return driver;
    }

    private static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array();
    }

    private static List<RingDriver.Used> await(RingDriver ring, MmioDriver driver, int count) throws InterruptedException {
        List<RingDriver.Used> used = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (used.size() < count) {
            RingDriver.Used u = ring.pollUsed();
            if (u != null) {
                used.add(u);
            } else if (System.nanoTime() > deadline) {
                throw new AssertionError(used.size() + " of " + count + " completed; status " + driver.status());
            } else {
                Thread.sleep(1);
            }
        }
        return used;
    }

    @ParameterizedTest(name = "legacy={0}")
    @ValueSource(booleans = {false, true})
    void linuxStyleSessionReadsWritesAndIdentifies(boolean legacy) throws Exception {
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[SECTORS * 512]);
        MmioDriver driver = start(image, legacy);
        long features = driver.deviceFeatures();
        assertEquals(legacy ? 0 : MmioDriver.F_VERSION_1, features & MmioDriver.F_VERSION_1);
        assertEquals(0, features & VirtioBlk.F_RO);
        assertEquals(SECTORS, driver.readConfig(0, 4) | driver.readConfig(4, 4) << 32, "capacity");
        assertEquals(BlkConfigSpace.SEG_MAX, driver.readConfig(12, 4));
        assertEquals(512, driver.readConfig(20, 4));
        RingDriver ring = driver.setupQueue(0, 256, 1 << 20);
        driver.driverOk();
        assertEquals(0, driver.status() & MmioDriver.NEEDS_RESET);

        byte[] data = new byte[8192];
        new Random(1).nextBytes(data);
        int write = ring.addIndirect(List.of(header(BlockRequest.T_OUT, 40), data), List.of(1));
        int flush = ring.addIndirect(List.of(header(BlockRequest.T_FLUSH, 0)), List.of(1));
        driver.notify(0);
        List<RingDriver.Used> done = await(ring, driver, 2);
        for (RingDriver.Used u : done) {
            assertEquals(0, ring.writableContents(u.head())[0], "status of " + u.head());
            assertEquals(1, u.written());
        }
        assertEquals(List.of(write, flush), done.stream().map(RingDriver.Used::head).sorted().toList());
        assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(image), 40 * 512, 40 * 512 + 8192));

        int read = ring.add(List.of(header(BlockRequest.T_IN, 40)), List.of(4096, 4096, 1));
        int id = ring.add(List.of(header(BlockRequest.T_GET_ID, 0)), List.of(20, 1));
        driver.notify(0);
        done = await(ring, driver, 2);
        byte[] readBack = ring.writableContents(read);
        assertArrayEquals(data, Arrays.copyOf(readBack, 8192));
        assertEquals(0, readBack[8192]);
        assertEquals("jqvm-disk", new String(ring.writableContents(id), 0, 9));
        assertTrue(irq.raised() > 0, "the driver was interrupted");
        assertEquals(1, driver.acknowledgeInterrupt() & 1, "used-buffer interrupt");
    }

    @ParameterizedTest(name = "legacy={0}")
    @ValueSource(booleans = {false, true})
    void resetWithRequestsInFlightThenServeAgain(boolean legacy) throws Exception {
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[SECTORS * 512]);
        MmioDriver driver = start(image, legacy);
        RingDriver ring = driver.setupQueue(0, 256, 2 << 20);
        driver.driverOk();
        for (int i = 0; i < 64; i++) {
            ring.addIndirect(List.of(header(BlockRequest.T_OUT, 32L * i), new byte[16384]), List.of(1));
        }
        driver.notify(0);
        driver.reset(); // returns once the I/O already started is over
        int usedAtReset = ring.usedIndex();
        Thread.sleep(30);
        assertEquals(usedAtReset, ring.usedIndex(), "nothing completes into the old ring after the reset");

        assertTrue(driver.negotiate(DRIVER_WANTS));
        RingDriver fresh = driver.setupQueue(0, 256, 1 << 20);
        driver.driverOk();
        fresh.add(List.of(header(BlockRequest.T_IN, 0)), List.of(512, 1));
        driver.notify(0);
        assertEquals(0, await(fresh, driver, 1).getFirst().written() - 513);
    }

    @ParameterizedTest(name = "legacy={0}")
    @ValueSource(booleans = {false, true})
    void aRequestWithoutStatusByteAsksForAReset(boolean legacy) throws Exception {
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[SECTORS * 512]);
        MmioDriver driver = start(image, legacy);
        RingDriver ring = driver.setupQueue(0, 256, 1 << 20);
        driver.driverOk();
        ring.add(List.of(header(BlockRequest.T_IN, 0)), List.of());
        driver.notify(0);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((driver.status() & MmioDriver.NEEDS_RESET) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertNotEquals(0, driver.status() & MmioDriver.NEEDS_RESET);
        assertEquals(2, driver.acknowledgeInterrupt() & 2, "configuration-change interrupt");
        assertEquals(0, ring.usedIndex(), "the request is not answered");
    }
}
