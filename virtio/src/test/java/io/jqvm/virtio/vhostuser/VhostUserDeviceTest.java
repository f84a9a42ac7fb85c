package io.jqvm.virtio.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.host.Libc;
import io.jqvm.host.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The front end against a back end in the test: negotiation, start-up, kick and call, and back ends that misbehave. */
class VhostUserDeviceTest {
    private static final int TIMEOUT_MS = 2000;

    private static Supplier<UnixSocket> once(FakeBackEnd... backEnds) {
        Queue<FakeBackEnd> left = new ArrayDeque<>(List.of(backEnds));
        return () -> {
            FakeBackEnd b = left.poll();
            if (b == null) {
                throw new IllegalArgumentException("no back end listening");
            }
            return b.front;
        };
    }

    @Test
    void negotiatesFeaturesAndReadsTheBlockConfiguration() throws Exception {
        try (FakeBackEnd back = new FakeBackEnd();
             VhostUserDevice dev = VhostUserDevice.open("blk", VhostUserProfile.blk(), once(back), TIMEOUT_MS)) {
            // Only the blk bits jqvm passes on: SIZE_MAX, SEG_MAX, BLK_SIZE, FLUSH; not CONFIG_WCE (11) nor MQ (22).
            assertEquals((1L << 1) | (1L << 2) | (1L << 6) | (1L << 9), dev.offeredFeatures());
            assertEquals(FakeBackEnd.CAPACITY, dev.readConfig(0, 4));
            assertEquals(60, dev.configSize());
            // Only what both sides know is asked for: REPLY_ACK and CONFIG, not MQ.
            assertEquals(VhostUserProtocol.PROTOCOL_F_REPLY_ACK | VhostUserProtocol.PROTOCOL_F_CONFIG,
                    back.first(VhostUserProtocol.SET_PROTOCOL_FEATURES).body().getLong());
            back.first(VhostUserProtocol.SET_OWNER);
        }
    }

    @Test
    void netAndFsConfigurationsAreTheFrontEndsOwn() throws Exception {
        try (FakeBackEnd back = new FakeBackEnd();
             VhostUserDevice net = VhostUserDevice.open("net", VhostUserProfile.net(io.jqvm.virtio.net.MacAddress.of(0x5254_0012_3456L)),
                     once(back), TIMEOUT_MS)) {
            assertEquals(1, net.deviceId());
            // The back end's GUEST_CSUM (1), GUEST_ECN (9), HOST_TSO4 (11) pass; CTRL_GUEST_OFFLOADS (2) and MQ (22)
            // would need a control queue, GSO (6) is deprecated: not passed. MAC (5) and STATUS (16) are the front end's.
            assertEquals((1L << 1) | (1L << 9) | (1L << 11) | (1L << 5) | (1L << 16), net.offeredFeatures());
            assertEquals(0x52, net.readConfig(0, 1));
            assertEquals(0x56, net.readConfig(5, 1));
            assertEquals(1, net.readConfig(6, 2)); // link up
            assertTrue(back.requests.stream().noneMatch(r -> r.code() == VhostUserProtocol.GET_CONFIG));
        }
        try (FakeBackEnd back = new FakeBackEnd();
             VhostUserDevice fs = VhostUserDevice.open("fs", VhostUserProfile.fs("hostshare"), once(back), TIMEOUT_MS)) {
            assertEquals(26, fs.deviceId());
            assertEquals(2, fs.queueCount());
            assertEquals('h', fs.readConfig(0, 1));
            assertEquals(0, fs.readConfig(9, 1)); // NUL after the tag
            assertEquals(1, fs.readConfig(36, 4)); // num_request_queues
        }
    }

    @Test
    void activationSharesGuestRamAndTheRingsAndPassesKicksAndCalls() throws Exception {
        long features = VhostUserDevice.REQUIRED | (1L << 9);
        try (FakeBackEnd back = new FakeBackEnd();
             VhostUserDevice dev = VhostUserDevice.open("blk", VhostUserProfile.blk(), once(back), TIMEOUT_MS);
             TestQueues queues = new TestQueues(features)) {
            dev.activate(queues);
            assertEquals(List.of(), queues.failures());
            assertEquals(features | VhostUserProtocol.F_PROTOCOL_FEATURES,
                    back.first(VhostUserProtocol.SET_FEATURES).body().getLong());

            FakeBackEnd.Request table = back.first(VhostUserProtocol.SET_MEM_TABLE);
            ByteBuffer t = table.body();
            assertEquals(1, t.getInt());
            t.getInt();
            assertEquals(TestQueues.RAM, t.getLong());
            assertEquals(0x10_0000, t.getLong());
            long userAddress = t.getLong();
            assertEquals(1, table.fds().size());
            // The back end's mapping of the descriptor is the guest's RAM.
            MemorySegment mapped = Libc.mmap(0x10_0000, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, table.fds().get(0), 0);
            try {
                mapped.set(ValueLayout.JAVA_INT, 0x8000, 0x5eed);
                assertEquals(0x5eed, queues.memory.read32(TestQueues.RAM + 0x8000));
            } finally {
                Libc.munmap(mapped);
            }

            assertEquals(128, back.first(VhostUserProtocol.SET_VRING_NUM).body().getInt(4));
            ByteBuffer addr = back.first(VhostUserProtocol.SET_VRING_ADDR).body();
            assertEquals(0, addr.getInt());
            addr.getInt();
            assertEquals(userAddress + (TestQueues.DESC - TestQueues.RAM), addr.getLong());
            assertEquals(userAddress + (TestQueues.USED - TestQueues.RAM), addr.getLong());
            assertEquals(userAddress + (TestQueues.AVAIL - TestQueues.RAM), addr.getLong());
            assertEquals(1, back.first(VhostUserProtocol.SET_VRING_ENABLE).body().getInt(4));

            int kick = back.first(VhostUserProtocol.SET_VRING_KICK).fds().getFirst();
            int call = back.first(VhostUserProtocol.SET_VRING_CALL).fds().getFirst();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment counter = a.allocate(8);
                dev.queueNotify(0);
                assertEquals(8, Libc.read(kick, counter, 8));
                assertEquals(1, counter.get(ValueLayout.JAVA_LONG, 0));
                counter.set(ValueLayout.JAVA_LONG, 0, 1);
                Libc.write(call, counter, 8);
                assertEquals(0, queues.interrupts.poll(30, TimeUnit.SECONDS));
            }

            dev.reset();
            back.first(VhostUserProtocol.GET_VRING_BASE);
        }
    }

    @Test
    void aBackEndThatHangsUpIsReconnectedAndGetsTheRunningRingsReplayed() throws Exception {
        long features = VhostUserDevice.REQUIRED | (1L << 9);
        try (FakeBackEnd first = new FakeBackEnd(); FakeBackEnd second = new FakeBackEnd();
             VhostUserDevice dev = VhostUserDevice.open("blk", VhostUserProfile.blk(), once(first, second), TIMEOUT_MS);
             TestQueues queues = new TestQueues(features)) {
            dev.activate(queues);
            queues.memory.write16(TestQueues.USED + 2, (short) 7); // the first back end returned seven chains
            first.hangUp();
            // The device keeps running (requests wait) and the second back end takes the rings over where they stood.
            assertEquals(0, queues.interrupts.poll(30, TimeUnit.SECONDS), "the resumed ring is interrupted once");
            assertEquals(List.of(), queues.failures());
            assertEquals(features | VhostUserProtocol.F_PROTOCOL_FEATURES,
                    second.first(VhostUserProtocol.SET_FEATURES).body().getLong());
            assertEquals(1, second.first(VhostUserProtocol.SET_MEM_TABLE).fds().size());
            assertEquals(0, first.first(VhostUserProtocol.SET_VRING_BASE).body().getInt(4));
            assertEquals(7, second.first(VhostUserProtocol.SET_VRING_BASE).body().getInt(4));
            assertEquals(128, second.first(VhostUserProtocol.SET_VRING_NUM).body().getInt(4));
            assertEquals(1, second.first(VhostUserProtocol.SET_VRING_ENABLE).body().getInt(4));
            // Kicks the guest made while nobody served reach the new back end: the kick eventfd is the same one.
            int kick = second.first(VhostUserProtocol.SET_VRING_KICK).fds().getFirst();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment counter = a.allocate(8);
                assertEquals(8, Libc.read(kick, counter, 8));
            }
        }
    }

    @Test
    void theInflightRegionTheFirstBackEndMadeIsHandedToTheNext() throws Exception {
        long withInflight = FakeBackEnd.PROTOCOL | VhostUserProtocol.PROTOCOL_F_INFLIGHT_SHMFD;
        FakeBackEnd.Answers answers = r -> switch (r.code()) {
            case VhostUserProtocol.GET_PROTOCOL_FEATURES -> FakeBackEnd.reply(r.code(), FakeBackEnd.le(8).putLong(withInflight).array());
            case VhostUserProtocol.GET_INFLIGHT_FD -> FakeBackEnd.reply(r.code(), FakeBackEnd.le(24).putLong(4096).putLong(0)
                    .putShort((short) 1).putShort((short) 128).array());
            default -> FakeBackEnd.proper(r);
        };
        int region = Libc.memfdCreate("inflight-test");
        Libc.ftruncate(region, 4096);
        try (FakeBackEnd first = new FakeBackEnd(answers); FakeBackEnd second = new FakeBackEnd(answers);
             VhostUserDevice dev = VhostUserDevice.open("blk", VhostUserProfile.blk(), once(first, second), TIMEOUT_MS);
             TestQueues queues = new TestQueues(VhostUserDevice.REQUIRED)) {
            first.attachToReplies = new int[] {region};
            dev.activate(queues);
            assertEquals(List.of(), queues.failures());
            ByteBuffer asked = first.first(VhostUserProtocol.GET_INFLIGHT_FD).body();
            assertEquals(1, asked.getShort(16));
            assertEquals(128, asked.getShort(18));
            first.hangUp();
            assertEquals(0, queues.interrupts.poll(30, TimeUnit.SECONDS));
            FakeBackEnd.Request handed = second.first(VhostUserProtocol.SET_INFLIGHT_FD);
            assertEquals(4096, handed.body().getLong(0));
            assertTrue(second.requests.stream().noneMatch(r -> r.code() == VhostUserProtocol.GET_INFLIGHT_FD),
                    "the second back end resumes the first one's region instead of making a new one");
            assertEquals(1, handed.fds().size());
            assertEquals(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + region)),
                    java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + handed.fds().getFirst())));
        } finally {
            Libc.close(region);
        }
    }

    @Test
    void aResetWhileTheBackEndIsGoneConnectsAnewAtTheNextActivation() throws Exception {
        long features = VhostUserDevice.REQUIRED;
        Queue<FakeBackEnd> left = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (FakeBackEnd first = new FakeBackEnd(); FakeBackEnd second = new FakeBackEnd();
             VhostUserDevice dev = VhostUserDevice.open("fs", VhostUserProfile.fs("share"), () -> {
                 FakeBackEnd b = left.isEmpty() && first.requests.isEmpty() ? first : left.poll();
                 if (b == null) {
                     throw new IllegalArgumentException("no back end listening");
                 }
                 return b.front;
             }, TIMEOUT_MS);
             TestQueues queues = new TestQueues(features)) {
            dev.activate(queues);
            first.hangUp();
            Thread.sleep(300); // the device retries (nobody listens) and stays running
            assertEquals(List.of(), queues.failures());
            dev.reset();
            left.add(second);
            try (TestQueues again = new TestQueues(features)) {
                dev.activate(again);
                assertEquals(List.of(), again.failures());
                assertEquals(0, second.first(VhostUserProtocol.SET_VRING_BASE).body().getInt(4), "a reset ring starts at 0");
            }
        }
    }

    @Test
    void aBackEndWithoutTheTransportsFeaturesIsRefused() throws Exception {
        try (FakeBackEnd back = new FakeBackEnd(r -> r.code() == VhostUserProtocol.GET_FEATURES
                ? FakeBackEnd.reply(r.code(), FakeBackEnd.le(8).putLong(1L << 32).array()) : FakeBackEnd.proper(r))) {
            VhostUserException e = assertThrows(VhostUserException.class,
                    () -> VhostUserDevice.open("fs", VhostUserProfile.fs("t"), once(back), TIMEOUT_MS));
            assertTrue(e.getMessage().contains("RING_EVENT_IDX"), e.getMessage());
        }
    }

    @Test
    void aReplyToAnotherRequestIsALie() throws Exception {
        try (FakeBackEnd back = new FakeBackEnd(r -> FakeBackEnd.reply(VhostUserProtocol.GET_CONFIG,
                FakeBackEnd.le(8).putLong(FakeBackEnd.FEATURES).array()))) {
            VhostUserException e = assertThrows(VhostUserException.class,
                    () -> VhostUserDevice.open("fs", VhostUserProfile.fs("t"), once(back), TIMEOUT_MS));
            assertTrue(e.getMessage().contains("answered GET_CONFIG to GET_FEATURES"), e.getMessage());
        }
    }

    @Test
    void anOversizedReplyIsRefusedBeforeItIsRead() throws Exception {
        try (FakeBackEnd back = new FakeBackEnd(r -> FakeBackEnd.le(12).putInt(r.code())
                .putInt(VhostUserProtocol.FLAG_VERSION | VhostUserProtocol.FLAG_REPLY).putInt(-1).array())) {
            VhostUserException e = assertThrows(VhostUserException.class,
                    () -> VhostUserDevice.open("fs", VhostUserProfile.fs("t"), once(back), TIMEOUT_MS));
            assertTrue(e.getMessage().contains("reply to GET_FEATURES of 4294967295 bytes"), e.getMessage());
        }
    }

    @Test
    void aSilentBackEndTimesOut() throws Exception {
        try (FakeBackEnd back = new FakeBackEnd(r -> null)) {
            VhostUserException e = assertThrows(VhostUserException.class,
                    () -> VhostUserDevice.open("fs", VhostUserProfile.fs("t"), once(back), 100));
            assertTrue(e.getMessage().contains("did not answer GET_FEATURES within 100 ms"), e.getMessage());
        }
    }

    @Test
    void aRefusedAcknowledgementFailsTheActivation() throws Exception {
        try (FakeBackEnd back = new FakeBackEnd(r -> r.code() == VhostUserProtocol.SET_MEM_TABLE
                ? FakeBackEnd.reply(r.code(), FakeBackEnd.le(8).putLong(1).array()) : FakeBackEnd.proper(r));
             VhostUserDevice dev = VhostUserDevice.open("fs", VhostUserProfile.fs("t"), once(back), TIMEOUT_MS);
             TestQueues queues = new TestQueues(VhostUserDevice.REQUIRED)) {
            dev.activate(queues);
            assertEquals(1, queues.failures().size());
            assertTrue(queues.failures().getFirst().contains("refused SET_MEM_TABLE (status 1)"), queues.failures().toString());
        }
    }

    @Test
    void descriptorsThatComeWithRepliesAreClosed() throws Exception {
        int stray = Libc.eventfd(0, Libc.EFD_CLOEXEC);
        try {
            long plain = descriptorsAddedByOpen(null);
            long withStrays = descriptorsAddedByOpen(stray);
            assertEquals(plain, withStrays);
        } finally {
            Libc.close(stray);
        }
    }

    /** How many descriptors this process holds more while a device is open (replies carrying {@code stray}). */
    private static long descriptorsAddedByOpen(Integer stray) throws Exception {
        try (FakeBackEnd back = new FakeBackEnd()) {
            if (stray != null) {
                back.attachToReplies = new int[] {stray, stray};
            }
            long before = openDescriptors();
            try (VhostUserDevice dev = VhostUserDevice.open("blk", VhostUserProfile.blk(), once(back), TIMEOUT_MS)) {
                return openDescriptors() - before;
            }
        }
    }

    private static long openDescriptors() throws java.io.IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void noBackEndListeningIsAnError() {
        VhostUserException e = assertThrows(VhostUserException.class, () -> VhostUserDevice.open("fs",
                VhostUserProfile.fs("t"), java.nio.file.Path.of("/nonexistent/vhost.sock")));
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
    }
}
