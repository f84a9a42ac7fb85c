package io.jqvm.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.RingDriver;
import java.io.ByteArrayOutputStream;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Well-formed requests of any shape come out of the queue byte for byte, and answers land where the driver looks. */
class VirtqueueRoundTripTest {
    record Request(List<byte[]> readable, List<Integer> writable, boolean indirect) {
    }

    @Provide
    Arbitrary<List<Request>> requests() {
        Arbitrary<List<byte[]>> readable = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(300)
                .list().ofMaxSize(3);
        Arbitrary<List<Integer>> writable = Arbitraries.integers().between(1, 300).list().ofMaxSize(3);
        return Combinators.combine(readable, writable, Arbitraries.of(true, false))
                .as(Request::new)
                .filter(r -> !r.readable().isEmpty() || !r.writable().isEmpty())
                .list().ofMinSize(1).ofMaxSize(20);
    }

    @Property(tries = 300)
    void requestsRoundTrip(@ForAll("requests") List<Request> requests, @ForAll boolean eventIdx) throws Exception {
        try (GuardedMemory mem = new GuardedMemory(0x4000_0000L, 0x40000)) {
            RingDriver driver = new RingDriver(mem.memory(), 16, 0x4000_0000L, 0x4001_0000L, 0x30000);
            Virtqueue q = new Virtqueue(mem.memory(), 16, driver.descTable(), driver.availRing(), driver.usedRing(), eventIdx);
            for (Request r : requests) {
                int head = r.indirect() ? driver.addIndirect(r.readable(), r.writable()) : driver.add(r.readable(), r.writable());
                DescriptorChain c = q.pop();
                assertEquals(head, c.head());
                ByteArrayOutputStream sent = new ByteArrayOutputStream();
                r.readable().forEach(sent::writeBytes);
                byte[] got = new byte[(int) c.readableLength()];
                c.read(0, got, 0, got.length);
                assertArrayEquals(sent.toByteArray(), got);
                byte[] answer = new byte[(int) c.writableLength()];
                for (int i = 0; i < answer.length; i++) {
                    answer[i] = (byte) (i * 31 + head);
                }
                q.addUsed(c, c.write(0, answer, 0, answer.length));
                assertEquals(new RingDriver.Used(head, answer.length), driver.pollUsed());
                assertArrayEquals(answer, driver.writableContents(head));
            }
            assertTrue(mem.guardsIntact());
        }
    }
}
