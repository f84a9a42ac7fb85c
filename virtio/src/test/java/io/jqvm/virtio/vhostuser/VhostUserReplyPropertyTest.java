package io.jqvm.virtio.vhostuser;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a back end answers (proper replies with bytes flipped, truncated or extended, random bytes, silence),
 * the front end either works or reports a {@link VhostUserException} at open and a device failure at activation:
 * never another exception, never a wait longer than its reply timeout per request.
 */
class VhostUserReplyPropertyTest {
    /** How the back end answers its n-th request. */
    sealed interface Behaviour {
        byte[] answer(FakeBackEnd.Request r);
    }

    record Proper() implements Behaviour {
        public byte[] answer(FakeBackEnd.Request r) {
            return FakeBackEnd.proper(r);
        }
    }

    record Flipped(int at, byte xor) implements Behaviour {
        public byte[] answer(FakeBackEnd.Request r) {
            byte[] b = FakeBackEnd.proper(r);
            if (b == null) {
                b = FakeBackEnd.reply(r.code(), FakeBackEnd.le(8).putLong(0).array());
            }
            b[Math.floorMod(at, b.length)] ^= xor == 0 ? 1 : xor;
            return b;
        }
    }

    record Resized(int length) implements Behaviour {
        public byte[] answer(FakeBackEnd.Request r) {
            byte[] b = FakeBackEnd.proper(r);
            return b == null ? null : java.util.Arrays.copyOf(b, length);
        }
    }

    record Random(byte[] bytes) implements Behaviour {
        public byte[] answer(FakeBackEnd.Request r) {
            return bytes;
        }
    }

    record Silent() implements Behaviour {
        public byte[] answer(FakeBackEnd.Request r) {
            return null;
        }
    }

    @Provide
    Arbitrary<List<Behaviour>> backEnds() {
        Arbitrary<Behaviour> one = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, Arbitraries.just(new Proper())),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 300).flatMap(at -> Arbitraries.bytes()
                        .map(x -> (Behaviour) new Flipped(at, x)))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 100).map(Resized::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(Random::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Silent())));
        return one.list().ofMinSize(1).ofMaxSize(24);
    }

    @Property(tries = 150)
    void anyRepliesEndInAWorkingOrAFailedDeviceNeverAnException(@ForAll("backEnds") List<Behaviour> script,
            @ForAll boolean blk) throws Exception {
        AtomicInteger n = new AtomicInteger();
        FakeBackEnd.Answers answers = r -> {
            int i = n.getAndIncrement();
            return (i < script.size() ? script.get(i) : new Proper()).answer(r);
        };
        VhostUserProfile profile = blk ? VhostUserProfile.blk() : VhostUserProfile.fs("tag");
        try (FakeBackEnd back = new FakeBackEnd(answers)) {
            VhostUserDevice dev;
            try {
                dev = VhostUserDevice.open("dev", profile, () -> back.front, 100);
            } catch (VhostUserException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
                return;
            }
            try (dev; TestQueues queues = new TestQueues(VhostUserDevice.REQUIRED)) {
                for (int i = 0; i < dev.configSize(); i++) {
                    dev.readConfig(i, 1);
                }
                dev.activate(queues);
                dev.queueNotify(0);
                dev.reset();
                assertTrue(queues.failures().size() <= 1, queues.failures().toString());
            }
        }
    }
}
