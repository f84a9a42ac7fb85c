package io.jqvm.mediator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.host.HostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a front end sends (any request numbers, flags, sizes and payloads, after an honest start or not),
 * the mediator stays up and serves another client on the same disk.
 */
class HostileFrontEndPropertyTest {
    record Message(int request, int flags, byte[] payload) {
    }

    @Provide
    Arbitrary<List<Message>> messages() {
        Arbitrary<Message> m = Combinators.combine(
                Arbitraries.oneOf(Arbitraries.integers().between(0, 40), Arbitraries.integers()),
                Arbitraries.oneOf(Arbitraries.of(1, 9), Arbitraries.integers()),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300)).as(Message::new);
        return m.list().ofMaxSize(12);
    }

    @Property(tries = 40)
    void theMediatorSurvivesAnyMessages(@ForAll("messages") List<Message> messages, @ForAll boolean honestStart)
            throws Exception {
        Path dir = Files.createTempDirectory("jqvm-mediator-prop");
        Path image = dir.resolve("d.img");
        Files.write(image, new byte[32 * 512]);
        try (Mediator mediator = new Mediator(MediatorConfig.parse(List.of("disk", "d", "file", image.toString(),
                "client", "hostile", "on", "d", "socket", dir.resolve("h.sock").toString(),
                "client", "honest", "on", "d", "socket", dir.resolve("o.sock").toString()), dir), dir.resolve("run"))) {
            mediator.start();
            try (ScriptedFrontEnd hostile = new ScriptedFrontEnd(dir.resolve("h.sock"))) {
                if (honestStart) {
                    hostile.negotiate().start();
                    hostile.blockRequest(0, false, 0, 1);
                }
                for (Message m : messages) {
                    try {
                        hostile.socket.send(io.jqvm.virtio.vhostuser.VhostUserProtocol.message(m.request(), m.flags(),
                                m.payload()));
                    } catch (HostException dropped) {
                        break; // the mediator hung up: that is allowed
                    }
                }
                hostile.kick();
                try (ScriptedFrontEnd honest = new ScriptedFrontEnd(dir.resolve("o.sock")).negotiate().start()) {
                    honest.blockRequest(0, false, 3, 1);
                    honest.kick();
                    honest.awaitUsed(1, 10_000);
                    assertEquals(0, honest.status(0, 1));
                }
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.delete(dir);
        }
    }
}
