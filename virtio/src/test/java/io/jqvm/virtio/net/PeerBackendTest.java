package io.jqvm.virtio.net;

import static io.jqvm.virtio.net.GuestNic.awaitLink;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerBackendTest {
    static final MacAddress MAC_A = MacAddress.of(0x52540000000aL);
    static final MacAddress MAC_B = MacAddress.of(0x52540000000bL);

    @TempDir
    Path dir;

    static byte[] frame(MacAddress to, MacAddress from, int length, int seed) {
        byte[] f = VirtioNetTest.frame(length, seed);
        System.arraycopy(to.bytes(), 0, f, 0, 6);
        System.arraycopy(from.bytes(), 0, f, 6, 6);
        return f;
    }

    GuestNic end(String self, String other, MacAddress mac) throws Exception {
        return new GuestNic(self, mac, PeerBackend.open(dir.resolve(self), dir.resolve(other)));
    }

    @Test
    void twoEndsExchangeFramesWhicheverStartsFirstAndSurviveARestart() throws Exception {
        try (GuestNic a = end("a.sock", "b.sock", MAC_A)) {
            Thread.sleep(3 * PeerBackend.RETRY_MILLIS);
            assertFalse(a.linkUp(), "no peer yet");
            GuestNic b = end("b.sock", "a.sock", MAC_B);
            awaitLink(a, true);
            awaitLink(b, true);
            assertTrue(a.transport.configChanges() >= 1, "the link coming up raised a configuration interrupt");
            for (int i = 0; i < 20; i++) {
                a.send(frame(MAC_B, MAC_A, 60 + i * 70, i));
                b.send(frame(MAC_A, MAC_B, 1514 - i, i));
            }
            for (int i = 0; i < 20; i++) {
                assertArrayEquals(frame(MAC_B, MAC_A, 60 + i * 70, i), b.receive(5), "frame " + i + " a->b");
                assertArrayEquals(frame(MAC_A, MAC_B, 1514 - i, i), a.receive(5), "frame " + i + " b->a");
            }

            int changes = a.transport.configChanges();
            b.close();
            awaitLink(a, false);
            assertTrue(a.transport.configChanges() > changes, "losing the peer raised a configuration interrupt");
            assertFalse(Files.exists(dir.resolve("b.sock")), "a closed end removes its socket");
            a.send(frame(MAC_B, MAC_A, 60, 99));
            VirtioNetTest.await(() -> a.net.counters().txDropped() == 1, "the frame sent without a link to be dropped");

            try (GuestNic b2 = end("b.sock", "a.sock", MAC_B)) {
                awaitLink(a, true);
                awaitLink(b2, true);
                a.send(frame(MAC_B, MAC_A, 100, 7));
                assertArrayEquals(frame(MAC_B, MAC_A, 100, 7), b2.receive(5));
                b2.send(frame(MAC_A, MAC_B, 100, 8));
                assertArrayEquals(frame(MAC_A, MAC_B, 100, 8), a.receive(5));
            }
        }
    }

    @Test
    void aSlowReceiverHoldsTheSenderBackAndLosesNothing() throws Exception {
        int count = 5000;
        try (GuestNic a = end("a.sock", "b.sock", MAC_A); GuestNic b = end("b.sock", "a.sock", MAC_B)) {
            awaitLink(a, true);
            awaitLink(b, true);
            Thread sender = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < count; i++) {
                    a.send(frame(MAC_B, MAC_A, 60 + (i * 97) % 1455, i));
                }
            });
            for (int i = 0; i < count; i++) {
                if (i < 300) {
                    Thread.sleep(1); // slower than the sender: its frames back up behind the 64 posted buffers
                }
                byte[] got = b.receive(10);
                assertArrayEquals(frame(MAC_B, MAC_A, 60 + (i * 97) % 1455, i), got, "frame " + i + " in order");
            }
            sender.join();
            VirtioNetTest.await(() -> a.net.counters().equals(new VirtioNet.Counters(count, 0, 0, 0)), "every frame sent, none dropped");
            VirtioNetTest.await(() -> b.net.counters().equals(new VirtioNet.Counters(0, 0, count, 0)), "every frame received, none dropped");
        }
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        Path stale = dir.resolve("a.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale), "closing a listener leaves its file, as a killed process does");
        try (GuestNic a = end("a.sock", "b.sock", MAC_A); GuestNic b = end("b.sock", "a.sock", MAC_B)) {
            awaitLink(a, true);
            a.send(frame(MAC_B, MAC_A, 64, 1));
            assertArrayEquals(frame(MAC_B, MAC_A, 64, 1), b.receive(5));
        }
    }

    @Test
    void refusesALiveListenerAFileThatIsNotASocketAndItself() throws Exception {
        try (PeerBackend live = PeerBackend.open(dir.resolve("a.sock"), dir.resolve("b.sock"))) {
            IOException e = assertThrows(IOException.class, () -> PeerBackend.open(dir.resolve("a.sock"), dir.resolve("c.sock")));
            assertTrue(e.getMessage().startsWith("another process is listening on "), e.getMessage());
        }
        Files.writeString(dir.resolve("file"), "data");
        IOException e = assertThrows(IOException.class, () -> PeerBackend.open(dir.resolve("file"), dir.resolve("b.sock")));
        assertTrue(e.getMessage().endsWith("exists and is not a socket; refusing to replace it"), e.getMessage());
        assertEquals("data", Files.readString(dir.resolve("file")));
        e = assertThrows(IOException.class, () -> PeerBackend.open(dir.resolve("x.sock"), dir.resolve("./x.sock")));
        assertTrue(e.getMessage().startsWith("name and peer are the same socket"), e.getMessage());
        e = assertThrows(IOException.class, () -> PeerBackend.open(dir.resolve("no/such/a.sock"), dir.resolve("b.sock")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
