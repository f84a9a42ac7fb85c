package io.jqvm.virtio.blk;

import io.jqvm.memory.GuestMemory;
import io.jqvm.memory.GuestRegion;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One fuzz input is one virtio-blk request as a hostile driver might build it: the negotiated features, then a
 * descriptor chain (lengths, directions, addresses in and out of RAM, NEXT links anywhere, indirect tables),
 * then the bytes the guest put in its buffers, header and ranges included. The target pops the chain and
 * serves it against a small image, and checks what must hold for every input:
 * <ul>
 *   <li>nothing but {@link VirtqueueException} (a request the device refuses) escapes;</li>
 *   <li>guest RAM sits inside a larger host segment whose guard bytes on both sides stay untouched;</li>
 *   <li>a served request has a status of OK, IOERR or UNSUPP in its last writable byte, and reports no more
 *       written bytes than the chain can hold;</li>
 *   <li>the image never changes size.</li>
 * </ul>
 * Driven by Jazzer ({@link BlkFuzzTest}) and, in every normal test run, by jqwik.
 */
final class BlkFuzzTarget {
    static final long RAM_BASE = 0x4000_0000L;
    private static final long RAM_SIZE = 64 * 1024;
    private static final long GUARD = 4096;
    private static final byte GUARD_BYTE = (byte) 0xa5;
    private static final int QUEUE_SIZE = 16;
    private static final long DESC = RAM_BASE;
    private static final long AVAIL = RAM_BASE + 0x100;
    private static final long USED = RAM_BASE + 0x200;
    private static final long DATA = RAM_BASE + 0x1000;
    private static final int IMAGE_SECTORS = 64;

    private static final MemorySegment HOST = Arena.global().allocate(RAM_SIZE + 2 * GUARD, 4096);
    private static final GuestMemory MEMORY = GuestMemory.wrap(java.util.List.of(
            new GuestRegion(RAM_BASE, RAM_SIZE, false, HOST.asSlice(GUARD, RAM_SIZE), "ram")));
    private static final BlockImage IMAGE = openImage(false);
    private static final BlockImage READ_ONLY = openImage(true);

    private BlkFuzzTarget() {
    }

    /** A small image in memory-backed /dev/shm where there is one, so that a FLUSH costs the fuzzer no disk sync. */
    private static BlockImage openImage(boolean readOnly) {
        try {
            Path shm = Path.of("/dev/shm");
            Path file = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempFile(shm, "virtio-blk-fuzz", ".img")
                    : Files.createTempFile("virtio-blk-fuzz", ".img");
            file.toFile().deleteOnExit();
            Files.write(file, new byte[IMAGE_SECTORS * 512]);
            return BlockImage.open(file, readOnly);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (BlockImageException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the input front to back; past its end every value is zero. */
    private static final class Input {
        private final ByteBuffer bytes;

        Input(byte[] data) {
            bytes = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        }

        int u8() {
            return bytes.hasRemaining() ? Byte.toUnsignedInt(bytes.get()) : 0;
        }

        int u16() {
            return u8() | u8() << 8;
        }

        long u64() {
            return Integer.toUnsignedLong(u16() | u16() << 16) | (long) (u16() | u16() << 16) << 32;
        }

        byte[] rest() {
            byte[] b = new byte[bytes.remaining()];
            bytes.get(b);
            return b;
        }
    }

    /** Runs one input; returns the status the device wrote, or -1 when it refused the chain. */
    static int run(byte[] data) {
        Input in = new Input(data);
        HOST.fill(GUARD_BYTE);
        MEMORY.sliceForWrite(RAM_BASE, RAM_SIZE).fill((byte) 0);
        long features = (in.u8() & 1) != 0 ? VirtioBlk.F_DISCARD | VirtioBlk.F_WRITE_ZEROES : 0;
        boolean readOnlyImage = (in.u8() & 1) != 0;

        // the chain: up to 8 descriptors with fuzzed lengths, flags and links; addresses mostly inside the data area
        int count = 1 + in.u8() % 8;
        for (int i = 0; i < count; i++) {
            int selector = in.u8();
            long addr = selector < 240 ? DATA + (in.u16() % (RAM_SIZE - 0x1000)) : in.u64();
            int length = selector % 16 == 15 ? (int) in.u64() : in.u16() % 1200;
            int flags = in.u8() & 7;
            int next = in.u8() % 20; // sometimes outside the queue of 16
            if (i == count - 1 && (flags & 4) == 0 && (selector & 0x80) == 0) {
                flags &= ~1; // usually end the chain, so most inputs reach the request parser
            }
            MEMORY.write64(DESC + 16L * i, addr);
            MEMORY.write32(DESC + 16L * i + 8, length);
            MEMORY.write16(DESC + 16L * i + 12, flags);
            MEMORY.write16(DESC + 16L * i + 14, (flags & 1) != 0 && (selector & 0x40) == 0 ? i + 1 : next);
        }
        MEMORY.write16(AVAIL + 4, in.u8() % 18);
        MEMORY.write16(AVAIL + 2, 1);
        // the guest's bytes: the rest of the input, from the start of the data area (headers, ranges, indirect tables)
        byte[] payload = in.rest();
        MEMORY.write(DATA, java.util.Arrays.copyOf(payload, (int) Math.min(payload.length, RAM_SIZE - 0x1000)));

        long sizeBefore = imageSize(IMAGE);
        int result = -1;
        try {
            Virtqueue queue = new Virtqueue(MEMORY, QUEUE_SIZE, DESC, AVAIL, USED, false);
            DescriptorChain chain = queue.pop();
            BlockImage image = readOnlyImage ? READ_ONLY : IMAGE;
            int written = BlockRequest.serve(chain, MEMORY, image, features, new byte[20]);
            if (written < 1 || written > chain.writableLength()) {
                throw new AssertionError("reported " + written + " bytes written of " + chain.writableLength());
            }
            byte[] status = new byte[1];
            lastWritable(chain, status);
            if (status[0] < 0 || status[0] > 2) {
                throw new AssertionError("status " + status[0]);
            }
            result = status[0];
        } catch (VirtqueueException expected) {
            // a chain the device refuses: the transport asks for a reset
        }
        for (long i = 0; i < GUARD; i++) {
            if (HOST.get(ValueLayout.JAVA_BYTE, i) != GUARD_BYTE || HOST.get(ValueLayout.JAVA_BYTE, GUARD + RAM_SIZE + i) != GUARD_BYTE) {
                throw new AssertionError("a guard byte outside guest RAM changed at host offset " + i);
            }
        }
        if (imageSize(IMAGE) != sizeBefore || imageSize(READ_ONLY) != IMAGE_SECTORS * 512L) {
            throw new AssertionError("the image changed size");
        }
        return result;
    }

    /** Reads the chain's last writable byte (the status) back through the chain's own buffers. */
    private static void lastWritable(DescriptorChain chain, byte[] out) {
        long at = chain.writableLength() - 1;
        for (DescriptorChain.Buffer b : chain.writable()) {
            long n = Integer.toUnsignedLong(b.length());
            if (at < n) {
                out[0] = MEMORY.sliceForRead(b.gpa() + at, 1).get(ValueLayout.JAVA_BYTE, 0);
                return;
            }
            at -= n;
        }
    }

    private static long imageSize(BlockImage image) {
        try {
            return Files.size(image.path());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
