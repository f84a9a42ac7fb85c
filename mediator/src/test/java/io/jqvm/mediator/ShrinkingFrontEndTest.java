package io.jqvm.mediator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.host.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * A front end that shrinks the memfd it handed over with SET_MEM_TABLE while its requests run: the mediator's
 * accesses to the vanished pages raise SIGBUS, which the JDK delivers as an {@link InternalError} in the accessing
 * thread; the mediator drops that client and keeps serving the others. A crash here would kill the test's JVM.
 */
class ShrinkingFrontEndTest {
    private static final int SECTORS = 64;

    private static Mediator mediator(Path dir, Path image, String liarLimit) {
        Mediator m = new Mediator(MediatorConfig.parse(List.of(("disk d file " + image
                + " client liar on d socket " + dir.resolve("liar.sock") + liarLimit
                + " client honest on d socket " + dir.resolve("honest.sock") + " priority 10").split(" ")), dir),
                dir.resolve("run"));
        m.start();
        return m;
    }

    private static Path image(Path dir, byte[] contents) throws Exception {
        Path image = dir.resolve("d.img");
        Files.write(image, contents);
        return image;
    }

    @Test
    void requestsQueuedWhenTheFileShrankDropThatClientOnly() throws Exception {
        Path dir = Files.createTempDirectory("jqvm-shrink");
        byte[] contents = new byte[SECTORS * 512];
        new Random(30).nextBytes(contents);
        // One request a second: the later ones are served after the file shrank, into pages that are gone.
        try (Mediator m = mediator(dir, image(dir, contents), " share 1 burst 1");
             ScriptedFrontEnd liar = new ScriptedFrontEnd(dir.resolve("liar.sock")).negotiate().start();
             ScriptedFrontEnd honest = new ScriptedFrontEnd(dir.resolve("honest.sock")).negotiate().start()) {
            for (int i = 0; i < 5; i++) {
                liar.blockRequest(i, false, i, 1);
            }
            liar.kick();
            Libc.ftruncate(liar.memory.sharedRegions().getFirst().fd(), ScriptedFrontEnd.BUFFERS - ScriptedFrontEnd.RAM);
            assertTrue(liar.closedByBackEnd(20_000), "the mediator should drop a client whose memory faulted");
            assertServes(honest, contents);
        }
    }

    /** Any shrink (to any page count, the rings' pages too) at any point of a run: the others are still served. */
    @Property(tries = 12)
    void anyShrinkAtAnyTimeLeavesTheMediatorServing(@ForAll @IntRange(min = 0, max = 20) int pagesLeft,
            @ForAll @IntRange(min = 0, max = 5) int requests, @ForAll @IntRange(min = 0, max = 3) int waitMs) throws Exception {
        Path dir = Files.createTempDirectory("jqvm-shrink-prop");
        byte[] contents = new byte[SECTORS * 512];
        new Random(pagesLeft).nextBytes(contents);
        try (Mediator m = mediator(dir, image(dir, contents), "");
             ScriptedFrontEnd liar = new ScriptedFrontEnd(dir.resolve("liar.sock")).negotiate().start();
             ScriptedFrontEnd honest = new ScriptedFrontEnd(dir.resolve("honest.sock")).negotiate().start()) {
            for (int i = 0; i < requests; i++) {
                liar.blockRequest(i, i % 2 == 0, i, 1);
            }
            liar.kick();
            Thread.sleep(waitMs);
            Libc.ftruncate(liar.memory.sharedRegions().getFirst().fd(), pagesLeft * 4096L);
            liar.kick(); // the mediator looks at the ring again, maybe in a page that is gone
            assertServes(honest, contents);
        }
    }

    private static void assertServes(ScriptedFrontEnd honest, byte[] contents) throws InterruptedException {
        int used = honest.usedIndex();
        honest.blockRequest(0, false, 9, 1);
        honest.kick();
        honest.awaitUsed(used + 1, 20_000);
        assertEquals(0, honest.status(0, 1));
        assertArrayEquals(Arrays.copyOfRange(contents, 9 * 512, 10 * 512), honest.memory.read(honest.dataAddress(0), 512));
    }
}
