package io.jqvm.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jqvm.virtio.vsock.GuestVsock.Packet;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Whatever packets a guest sends (any operation, type, addresses, lengths that lie, headers split anywhere),
 * the device neither throws nor gives up on the driver, and afterwards still answers.
 */
class VsockPacketPropertyTest {
    private static final int LISTENED_PORT = 1234;

    /** One guest packet: header fields from small pools so that they hit real connections, and a payload. */
    record GuestPacket(VsockHeader header, byte[] payload, int split) {
    }

    @Provide
    Arbitrary<GuestPacket> packets() {
        Arbitrary<Long> cids = Arbitraries.of(GuestVsock.CID, GuestVsock.CID, VirtioVsock.HOST_CID, 7L, 0xffffffffL);
        Arbitrary<Integer> ports = Arbitraries.of(LISTENED_PORT, 5000, 5001, 9, -1);
        Arbitrary<Integer> ops = Arbitraries.integers().between(0, 8);
        Arbitrary<Integer> types = Arbitraries.of(1, 1, 1, 2, 0, 0xffff);
        Arbitrary<Integer> lens = Arbitraries.oneOf(Arbitraries.integers().between(0, 300),
                Arbitraries.of(-1, VsockConnection.BUF_ALLOC, VsockConnection.BUF_ALLOC + 1));
        Arbitrary<Integer> credit = Arbitraries.of(0, 1, 4096, 65536, -1);
        Arbitrary<long[]> addresses = Combinators.combine(Arbitraries.of(true, false), cids, ports, ports).as(
                (fromGuest, dst, srcPort, dstPort) -> new long[] {fromGuest ? GuestVsock.CID : dst, dst, srcPort, dstPort});
        Arbitrary<VsockHeader> headers = Combinators.combine(addresses, lens, types, ops,
                Arbitraries.integers().between(0, 4), credit).as((a, len, type, op, flags, buf) -> new VsockHeader(
                a[0], a[1], (int) a[2], (int) a[3], len, type, op, flags, buf, 0));
        Arbitrary<byte[]> payloads = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        return Combinators.combine(headers, payloads, Arbitraries.integers().between(0, 44)).as(GuestPacket::new);
    }

    @Property(tries = 40)
    void anyPacketSequenceLeavesTheDeviceServing(@ForAll @Size(max = 40) List<@net.jqwik.api.From("packets") GuestPacket> sequence)
            throws IOException {
        Path dir = Files.createTempDirectory("vsock-prop");
        Path uds = dir.resolve("v.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             GuestVsock guest = new GuestVsock(VirtioVsock.open(GuestVsock.CID, uds))) {
            listener.bind(UnixDomainSocketAddress.of(uds + "_" + LISTENED_PORT));
            for (GuestPacket p : sequence) {
                byte[] h = GuestVsock.bytes(p.header());
                List<byte[]> buffers = p.split() == 0 || p.split() == 44
                        ? List.of(h, p.payload())
                        : List.of(Arrays.copyOf(h, p.split()), Arrays.copyOfRange(h, p.split(), 44), p.payload());
                guest.sendRaw(buffers.stream().filter(b -> b.length > 0).toList());
                guest.awaitTransmitted();
            }
            assertNull(guest.driver.failure(), "a packet with a whole header never fails the device");
            // Still alive: a fresh connection to a port nobody listens on is refused.
            guest.send(GuestVsock.header(7777, 4242, VsockHeader.OP_REQUEST, 0, 0, 4096, 0));
            Packet answer;
            do {
                answer = guest.next();
            } while (answer.header().dstPort() != 7777);
            assertEquals(VsockHeader.OP_RST, answer.op());
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
