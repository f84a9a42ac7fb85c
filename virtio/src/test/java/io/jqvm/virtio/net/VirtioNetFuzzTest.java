package io.jqvm.virtio.net;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.testing.FuzzInput;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.RecordingQueues;
import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/**
 * virtio-net's request parsing against a hostile driver. One input is: the negotiated features (modern or legacy
 * header, mergeable buffers, event index, checksum offload through a header-carrying backend), the descriptor
 * tables and available rings of both queues (descriptors mostly shaped like a driver's — inside RAM, writable in
 * the receive ring, readable in the transmit ring, some linked, some indirect — and otherwise anything), then a
 * script: serve a transmit request, offer a received frame of some length, make more chains available. For every
 * input nothing escapes the device (a broken queue is reported through {@code DeviceQueues.fail}), the guard
 * bytes around guest RAM stay intact, and every frame handed to the backend has a sendable length.
 *
 * <p>A normal run replays {@code VirtioNetFuzzTestInputs/parse/} and 3,000 jqwik inputs; {@code JAZZER_FUZZ=1}
 * searches with coverage guidance (virtio/README.md). One device and one guest memory serve every input (reset
 * and cleared between inputs), so a fuzzer runs many inputs per second.
 */
class VirtioNetFuzzTest {
    static final long RAM = 0x10000;
    static final long RAM_SIZE = 0x10000;
    static final int QUEUE = 8;
    static final long RX_RING = RAM;
    static final long TX_RING = RAM + 0x400;
    private static final GuardedMemory MEMORY = new GuardedMemory(RAM, RAM_SIZE);
    private static final CheckingBackend PLAIN = new CheckingBackend(false);
    private static final CheckingBackend WITH_HEADER = new CheckingBackend(true);
    private static final VirtioNet NET = new VirtioNet("fuzz", MacAddress.of(0x525400000001L), PLAIN);
    private static final VirtioNet NET_WITH_HEADER = new VirtioNet("fuzz-offload", MacAddress.of(0x525400000002L), WITH_HEADER);
    private static final ByteBuffer FRAME = ByteBuffer.allocate(VirtioNet.HEADER + VirtioNet.MAX_FRAME + 1);

    /** A backend that checks what the device sends it. */
    static final class CheckingBackend implements NetBackend {
        private final boolean carriesHeader;

        CheckingBackend(boolean carriesHeader) {
            this.carriesHeader = carriesHeader;
        }

        @Override
        public boolean carriesHeader() {
            return carriesHeader;
        }

        @Override
        public void start(Sink sink) {
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public boolean send(ByteBuffer frame) {
            int header = carriesHeader ? VirtioNet.HEADER : 0;
            if (frame.remaining() < header + VirtioNet.MIN_FRAME || frame.remaining() > header + VirtioNet.MAX_FRAME) {
                throw new AssertionError("device sent " + frame.remaining() + " bytes");
            }
            return true;
        }

        @Override
        public void close() {
        }
    }

    @FuzzTest(maxDuration = "15m")
    void parse(byte[] input) throws VirtqueueException {
        run(input);
    }

    @Property(tries = 3000)
    void randomDrivers(@ForAll @Size(max = 400) byte[] input) throws VirtqueueException {
        run(input);
    }

    static void run(byte[] data) throws VirtqueueException {
        FuzzInput in = new FuzzInput(data);
        int mode = in.u8();
        VirtioNet net = (mode & 8) != 0 ? NET_WITH_HEADER : NET;
        net.reset();
        MEMORY.clearRam();
        long features = VirtioNet.F_MAC | VirtioNet.F_STATUS
                | ((mode & 1) != 0 ? VirtioNet.F_VERSION_1 : 0) | ((mode & 2) != 0 ? VirtioNet.F_MRG_RXBUF : 0)
                | ((mode & 16) != 0 ? VirtioNet.F_CSUM | VirtioNet.F_GUEST_CSUM : 0);
        boolean eventIdx = (mode & 4) != 0;
        writeRing(in, RX_RING, true);
        writeRing(in, TX_RING, false);
        net.activate(new RecordingQueues(features, MEMORY.memory(), ring(RX_RING, eventIdx), ring(TX_RING, eventIdx)));
        ByteBuffer frame = FRAME;
        while (!in.exhausted()) {
            int op = in.u8();
            switch (op & 3) {
                case 0 -> net.transmitOne();
                case 1 -> {
                    int length = (op >>> 2) == 63 ? frame.capacity() : (op >>> 2) * 40 + in.u8();
                    net.offer(frame.clear().limit(length));
                }
                case 2 -> publish(RX_RING, (op >>> 2) == 63 ? QUEUE + 1 : (op >>> 2) % 3);
                default -> publish(TX_RING, (op >>> 2) == 63 ? QUEUE + 1 : (op >>> 2) % 3);
            }
        }
        if (!MEMORY.guardsIntact()) {
            throw new AssertionError("the device wrote outside guest RAM");
        }
    }

    /**
     * Descriptors shaped like a driver's, mostly: buffers inside RAM, device-writable in the receive ring and
     * readable in the transmit ring, a quarter of them linked, some indirect; and then anything at all.
     */
    private static void writeRing(FuzzInput in, long ring, boolean receive) {
        var memory = MEMORY.memory();
        for (int i = 0; i < QUEUE; i++) {
            long at = ring + 16L * i;
            int shape = in.u8();
            long addr = (shape & 0x80) != 0 ? in.u32() : RAM + 0x1000 + in.u16() % 0x8000;
            int length = (shape & 0x40) != 0 ? (int) in.u32() : in.u8() * 16;
            int flags = ((shape & 3) == 0 ? 1 : 0) | (receive != ((shape & 0x10) != 0) ? 2 : 0) | ((shape & 0x2c) == 0x2c ? 4 : 0);
            memory.write64(at, addr);
            memory.write32(at + 8, length);
            memory.write16(at + 12, flags);
            memory.write16(at + 14, in.u8() % (QUEUE + 2));
        }
        long avail = ring + 16L * QUEUE;
        memory.write16(avail, in.u8() & 1);
        for (int i = 0; i < QUEUE; i++) {
            memory.write16(avail + 4 + 2L * i, in.u8() % (QUEUE + 1));
        }
        memory.write16(avail + 4 + 2L * QUEUE, in.u8());
    }

    private static void publish(long ring, int count) {
        long idx = ring + 16L * QUEUE + 2;
        MEMORY.memory().write16(idx, MEMORY.memory().read16(idx) + count);
    }

    private static Virtqueue ring(long ring, boolean eventIdx) throws VirtqueueException {
        return new Virtqueue(MEMORY.memory(), QUEUE, ring, ring + 16L * QUEUE, ring + 0x200, eventIdx);
    }
}
