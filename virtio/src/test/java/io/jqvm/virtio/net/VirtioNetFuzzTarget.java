package io.jqvm.virtio.net;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.VirtqueueException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Feeds one arbitrary input to virtio-net's request parsing, as a hostile driver would: the input becomes the
 * descriptor tables and available rings of both queues (descriptors mostly inside RAM so that the chains get
 * deep, but with any length, flag and link), the negotiated features, and a sequence of operations (serve a
 * transmit request, offer a received frame, make more chains available). It fails, by throwing, when the device
 * throws, writes outside guest RAM, or sends a frame longer than it may.
 *
 * <p>One device and one guest memory serve every input (reset and cleared between inputs), so that a fuzzer
 * runs many inputs per second.
 */
final class VirtioNetFuzzTarget {
    static final long RAM = 0x10000;
    static final long RAM_SIZE = 0x10000;
    static final int QUEUE = 8;
    static final long RX_RING = RAM;
    static final long TX_RING = RAM + 0x400;

    private static final GuestMemory MEMORY = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(RAM, RAM_SIZE, false, "ram")));
    private static final CountingBackend BACKEND = new CountingBackend();
    private static final VirtioNet NET = new VirtioNet("fuzz", MacAddress.of(0x525400000001L), BACKEND);

    static {
        MEMORY.addWriteListener((gpa, length) -> {
            if (gpa < RAM || length < 0 || gpa + length > RAM + RAM_SIZE) {
                throw new AssertionError("device wrote outside guest RAM: " + Long.toHexString(gpa) + "+" + length);
            }
        });
    }

    private VirtioNetFuzzTarget() {
    }

    /** A backend that checks and counts what the device sends. */
    static final class CountingBackend implements NetBackend {
        long sent;

        @Override
        public void start(Sink sink) {
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public boolean send(ByteBuffer frame) {
            if (frame.remaining() < VirtioNet.MIN_FRAME || frame.remaining() > VirtioNet.MAX_FRAME) {
                throw new AssertionError("device sent a frame of " + frame.remaining() + " bytes");
            }
            sent++;
            return true;
        }

        @Override
        public void close() {
        }
    }

    /** Reads the input front to back; past its end every read is 0. */
    private static final class Input {
        private final byte[] data;
        private int at;

        Input(byte[] data) {
            this.data = data;
        }

        boolean more() {
            return at < data.length;
        }

        int u8() {
            return at < data.length ? data[at++] & 0xff : 0;
        }

        int u16() {
            return u8() | u8() << 8;
        }
    }

    static void run(byte[] data) throws VirtqueueException {
        Input in = new Input(data);
        NET.reset();
        MEMORY.sliceForWrite(RAM, RAM_SIZE).fill((byte) 0);
        int mode = in.u8();
        long features = VirtioNet.F_MAC | VirtioNet.F_STATUS
                | ((mode & 1) != 0 ? VirtioNet.F_VERSION_1 : 0) | ((mode & 2) != 0 ? VirtioNet.F_MRG_RXBUF : 0);
        boolean eventIdx = (mode & 4) != 0;
        writeRing(in, RX_RING, true);
        writeRing(in, TX_RING, false);
        FakeTransport transport = new FakeTransport(features, MEMORY,
                ring(RX_RING, eventIdx), ring(TX_RING, eventIdx));
        NET.activate(transport);
        ByteBuffer frame = ByteBuffer.allocate(VirtioNet.MAX_FRAME + 1);
        while (in.more()) {
            int op = in.u8();
            switch (op & 3) {
                case 0 -> NET.transmitOne();
                case 1 -> {
                    int length = (op >>> 2) == 63 ? VirtioNet.MAX_FRAME + 1 : (op >>> 2) * 40 + in.u8();
                    NET.offer(frame.clear().limit(length));
                }
                case 2 -> publish(RX_RING, (op >>> 2) == 63 ? 9 : (op >>> 2) % 3);
                default -> publish(TX_RING, (op >>> 2) == 63 ? 9 : (op >>> 2) % 3);
            }
        }
    }

    /**
     * Descriptors shaped like a driver's, mostly: buffers inside RAM, device-writable in the receive ring and
     * readable in the transmit ring, a quarter of them linked, an eighth indirect; and then anything at all.
     */
    private static void writeRing(Input in, long ring, boolean receive) {
        for (int i = 0; i < QUEUE; i++) {
            long at = ring + 16L * i;
            int shape = in.u8();
            long addr = (shape & 0x80) != 0 ? Integer.toUnsignedLong(in.u16() << 16 | in.u16()) : RAM + 0x1000 + in.u16() % 0x8000;
            int length = (shape & 0x40) != 0 ? in.u16() << 16 | in.u16() : in.u8() * 16;
            int flags = ((shape & 3) == 0 ? 1 : 0) | (receive != ((shape & 0x10) != 0) ? 2 : 0) | ((shape & 0x2c) == 0x2c ? 4 : 0);
            MEMORY.write64(at, addr);
            MEMORY.write32(at + 8, length);
            MEMORY.write16(at + 12, flags);
            MEMORY.write16(at + 14, in.u8() % (QUEUE + 2));
        }
        long avail = ring + 16L * QUEUE;
        MEMORY.write16(avail, in.u8() & 1);
        for (int i = 0; i < QUEUE; i++) {
            MEMORY.write16(avail + 4 + 2L * i, in.u8() % (QUEUE + 1));
        }
        MEMORY.write16(avail + 4 + 2L * QUEUE, in.u8());
    }

    private static void publish(long ring, int count) {
        long idx = ring + 16L * QUEUE + 2;
        MEMORY.write16(idx, MEMORY.read16(idx) + count);
    }

    private static io.jqvm.virtio.Virtqueue ring(long ring, boolean eventIdx) throws VirtqueueException {
        long avail = ring + 16L * QUEUE;
        long used = ring + 0x200;
        return new io.jqvm.virtio.Virtqueue(MEMORY, QUEUE, ring, avail, used, eventIdx);
    }
}
