package io.jqvm.mediator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.host.Libc;
import io.jqvm.virtio.vhostuser.VhostUserProtocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mediator that stops while a client's requests are queued in it, and a new one on the same socket: the front
 * end hands the new mediator the inflight region the first one made (INFLIGHT_SHMFD, as QEMU's vhost-user-blk does
 * after a back end restarts) and the ring's used index as its base; every request completes exactly once.
 */
class MediatorRestartTest {
    private static final int SECTORS = 64;
    private static final int REQUESTS = 5; // three descriptors each: the 16-entry ring holds five

    @TempDir
    Path dir;

    private Mediator mediator(Path image, String limit) {
        Mediator m = new Mediator(MediatorConfig.parse(List.of(("disk shared file " + image
                + " client slow on shared socket " + dir.resolve("slow.sock") + limit).split(" ")), dir), dir.resolve("run"));
        m.start();
        return m;
    }

    @Test
    void requestsLeftInFlightByAStoppedMediatorAreResubmittedByTheNextOne() throws Exception {
        byte[] contents = new byte[SECTORS * 512];
        new Random(20).nextBytes(contents);
        Path image = dir.resolve("shared.img");
        Files.write(image, contents);
        ScriptedFrontEnd.Inflight inflight = null;
        Mediator first = mediator(image, " share 1 burst 1");
        try (ScriptedFrontEnd f = new ScriptedFrontEnd(dir.resolve("slow.sock"))) {
            try {
                f.negotiate(VhostUserProtocol.PROTOCOL_F_INFLIGHT_SHMFD);
                inflight = f.getInflight();
                f.start(0, inflight);
                Set<Integer> heads = new HashSet<>();
                for (int i = 0; i < REQUESTS; i++) {
                    heads.add(f.blockRequest(i, false, i, 1));
                }
                f.kick();
            } finally {
                first.close(); // one request a second: most are still queued in the mediator
            }
            int servedBefore = f.usedIndex();
            assertTrue(servedBefore < REQUESTS, "the first mediator served all " + servedBefore + " requests");

            Mediator second = mediator(image, "");
            try {
                f.reconnect(dir.resolve("slow.sock")).negotiate(VhostUserProtocol.PROTOCOL_F_INFLIGHT_SHMFD);
                f.start(f.usedIndex(), inflight);
                f.awaitUsed(REQUESTS, 30_000);
                Set<Integer> returned = new HashSet<>();
                for (int i = 0; i < REQUESTS; i++) {
                    returned.add(f.memory.read32(ScriptedFrontEnd.USED + 4 + 8L * i));
                    assertEquals(0, f.status(i, 1), "request " + i);
                    assertArrayEquals(Arrays.copyOfRange(contents, i * 512, (i + 1) * 512),
                            f.memory.read(f.dataAddress(i), 512), "request " + i);
                }
                assertEquals(REQUESTS, returned.size(), "every head returned once: " + returned);
                // New requests follow on the same ring: the new mediator popped after the resubmitted ones.
                f.blockRequest(REQUESTS, false, 9, 1);
                f.kick();
                f.awaitUsed(REQUESTS + 1, 30_000);
                assertArrayEquals(Arrays.copyOfRange(contents, 9 * 512, 10 * 512), f.memory.read(f.dataAddress(REQUESTS), 512));
            } finally {
                second.close();
            }
        } finally {
            if (inflight != null) {
                Libc.close(inflight.fd());
            }
        }
    }
}
