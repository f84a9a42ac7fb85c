package io.jqvm.mediator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.host.UnixSocket;
import io.jqvm.virtio.vhostuser.VhostUserProtocol;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mediator in this process, with two clients on one disk, driven by {@link ScriptedFrontEnd}s over its real
 * sockets: what each client writes the image holds and the other reads; a front end that lies (a descriptor
 * outside its memory, a memory table longer than its file, garbage headers) or vanishes mid-request is dropped
 * with a log line while the other keeps being served.
 */
class MediatorTest {
    private static final int SECTORS = 64;
    @TempDir
    Path dir;
    private Path image;
    private byte[] contents;
    private Mediator mediator;

    @BeforeEach
    void start() throws Exception {
        contents = new byte[SECTORS * 512];
        new Random(10).nextBytes(contents);
        image = dir.resolve("shared.img");
        Files.write(image, contents);
        mediator = new Mediator(MediatorConfig.parse(List.of(
                "disk", "shared", "file", image.toString(),
                "client", "safety", "on", "shared", "socket", socket("safety").toString(), "priority", "10",
                "client", "media", "on", "shared", "socket", socket("media").toString(), "priority", "1", "share", "1000",
                "client", "bulk", "on", "shared", "socket", socket("bulk").toString(), "share", "1", "backlog", "1",
                "overflow", "refuse"),
                dir), dir.resolve("run"));
        mediator.start();
    }

    @AfterEach
    void stop() {
        mediator.close();
    }

    private Path socket(String client) {
        return dir.resolve(client + ".sock");
    }

    @Test
    void bothClientsReadAndWriteTheSharedDisk() throws Exception {
        try (ScriptedFrontEnd safety = new ScriptedFrontEnd(socket("safety")).negotiate().start();
             ScriptedFrontEnd media = new ScriptedFrontEnd(socket("media")).negotiate().start()) {
            safety.blockRequest(0, false, 3, 2);
            safety.kick();
            safety.awaitUsed(1, 10_000);
            assertEquals(0, safety.status(0, 2));
            assertArrayEquals(Arrays.copyOfRange(contents, 3 * 512, 5 * 512), safety.memory.read(safety.dataAddress(0), 1024));

            byte[] data = new byte[512];
            new Random(11).nextBytes(data);
            media.memory.write(media.dataAddress(0), data);
            media.blockRequest(0, true, 7, 1);
            media.kick();
            media.awaitUsed(1, 10_000);
            assertEquals(0, media.status(0, 1));
            assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(image), 7 * 512, 8 * 512));

            safety.blockRequest(1, false, 7, 1);
            safety.kick();
            safety.awaitUsed(2, 10_000);
            assertArrayEquals(data, safety.memory.read(safety.dataAddress(1), 512));
        }
    }

    @Test
    void theConfigurationSpaceGivesTheDiskSize() {
        try (ScriptedFrontEnd f = new ScriptedFrontEnd(socket("safety")).negotiate()) {
            f.send(VhostUserProtocol.GET_CONFIG, 0, VhostUserProtocol.le(12 + 60).putInt(0).putInt(60).putInt(0).array());
            ByteBuffer r = ByteBuffer.wrap(f.reply(VhostUserProtocol.GET_CONFIG)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(SECTORS, r.getLong(12));
        }
    }

    @Test
    void aDescriptorOutsideItsMemoryDropsOnlyThatClient() throws Exception {
        try (ScriptedFrontEnd liar = new ScriptedFrontEnd(socket("media")).negotiate().start();
             ScriptedFrontEnd safety = new ScriptedFrontEnd(socket("safety")).negotiate().start()) {
            int status = liar.descriptor(ScriptedFrontEnd.BUFFERS + 100, 1, true, -1);
            int data = liar.descriptor(0x1000, 512, true, status); // not in its memory: nor in anyone's
            liar.makeAvailable(liar.descriptor(ScriptedFrontEnd.BUFFERS, 16, false, data));
            liar.kick();
            assertTrue(liar.closedByBackEnd(10_000), "the mediator should drop a client whose descriptor lies");
            assertStillServes(safety);
        }
        try (ScriptedFrontEnd again = new ScriptedFrontEnd(socket("media")).negotiate().start()) {
            assertStillServes(again); // the dropped client's socket takes a new connection
        }
    }

    @Test
    void aMemoryTableLongerThanItsFileDropsThatClient() throws Exception {
        try (ScriptedFrontEnd liar = new ScriptedFrontEnd(socket("media")).negotiate();
             ScriptedFrontEnd safety = new ScriptedFrontEnd(socket("safety")).negotiate().start()) {
            int fd = liar.memory.sharedRegions().getFirst().fd();
            liar.send(VhostUserProtocol.SET_MEM_TABLE, 0, VhostUserProtocol.le(40).putInt(1).putInt(0)
                    .putLong(ScriptedFrontEnd.RAM).putLong(64L << 20).putLong(0x1000_0000L).putLong(0).array(), fd);
            assertTrue(liar.closedByBackEnd(10_000));
            assertStillServes(safety);
        }
    }

    @Test
    void aCallDescriptorThatIsNoEventfdDropsThatClient() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (ScriptedFrontEnd liar = new ScriptedFrontEnd(socket("media")).negotiate();
             ScriptedFrontEnd safety = new ScriptedFrontEnd(socket("safety")).negotiate().start()) {
            liar.send(VhostUserProtocol.SET_VRING_CALL, 0, VhostUserProtocol.u64(0), pair[0].fd());
            assertTrue(liar.closedByBackEnd(10_000), "a socket as call descriptor could block the I/O threads");
            assertStillServes(safety);
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void garbageInsteadOfAHeaderDropsThatClient() throws Exception {
        try (ScriptedFrontEnd liar = new ScriptedFrontEnd(socket("media"));
             ScriptedFrontEnd safety = new ScriptedFrontEnd(socket("safety")).negotiate().start()) {
            liar.socket.send(new byte[] {1, 0, 0, 0, 0x7f, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f});
            assertTrue(liar.closedByBackEnd(10_000));
            assertStillServes(safety);
        }
    }

    @Test
    void aFrontEndThatVanishesMidRequestLeavesTheOthersServed() throws Exception {
        try (ScriptedFrontEnd safety = new ScriptedFrontEnd(socket("safety")).negotiate().start()) {
            ScriptedFrontEnd gone = new ScriptedFrontEnd(socket("media")).negotiate().start();
            for (int i = 0; i < 8; i++) {
                gone.blockRequest(i, false, i, 4);
            }
            gone.kick();
            gone.close(); // its memory is unmapped here, while the mediator may hold its requests
            assertStillServes(safety);
        }
        try (ScriptedFrontEnd again = new ScriptedFrontEnd(socket("media")).negotiate().start()) {
            assertStillServes(again);
        }
    }

    @Test
    void stoppingTheRingReportsWhereItStopped() throws Exception {
        try (ScriptedFrontEnd f = new ScriptedFrontEnd(socket("media")).negotiate().start()) {
            for (int i = 0; i < 5; i++) {
                f.blockRequest(i, false, i, 1);
            }
            f.kick();
            f.send(VhostUserProtocol.GET_VRING_BASE, 0, VhostUserProtocol.vringState(0, 0));
            ByteBuffer r = ByteBuffer.wrap(f.reply(VhostUserProtocol.GET_VRING_BASE)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0, r.getInt());
            int base = r.getInt();
            assertEquals(f.usedIndex(), base, "every request popped before the stop is completed");
        }
    }

    @Test
    void aClientOverItsBacklogIsRefusedWithAnIoErrorAndTheRestIsServed() throws Exception {
        try (ScriptedFrontEnd bulk = new ScriptedFrontEnd(socket("bulk")).negotiate().start()) {
            for (int i = 0; i < 4; i++) {
                bulk.blockRequest(i, false, i, 1);
            }
            bulk.kick(); // one token, a backlog of one: at most two can be taken, the others are refused at once
            bulk.awaitUsed(4, 20_000);
            int refused = 0;
            for (int i = 0; i < 4; i++) {
                refused += bulk.status(i, 1) == 1 ? 1 : 0; // VIRTIO_BLK_S_IOERR
            }
            assertTrue(refused >= 2 && refused <= 3, refused + " of 4 refused");
        }
    }

    private static void assertStillServes(ScriptedFrontEnd f) throws InterruptedException {
        int before = f.usedIndex();
        f.blockRequest(7, false, 1, 1);
        f.kick();
        f.awaitUsed(before + 1, 10_000);
        assertEquals(0, f.status(7, 1));
    }
}
