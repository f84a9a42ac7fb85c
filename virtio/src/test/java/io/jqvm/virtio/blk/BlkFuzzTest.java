package io.jqvm.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jqvm.common.Log;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.Virtqueue;
import io.jqvm.virtio.VirtqueueException;
import io.jqvm.virtio.testing.FuzzInput;
import io.jqvm.virtio.testing.GuardedMemory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * virtio-blk request parsing against a hostile driver. One input is one request as such a driver might build it:
 * the negotiated features and whether the disk is read-only, then a chain of up to 8 descriptors (lengths,
 * directions, addresses mostly in RAM and sometimes anywhere, NEXT links anywhere, indirect tables), the head
 * to make available, and the rest of the input is what the guest put in its buffers (header, data, ranges,
 * indirect tables). The chain is popped and served against a small image. For every input:
 * <ul>
 *   <li>nothing but {@link VirtqueueException} (a chain the device refuses) escapes;</li>
 *   <li>the guard bytes around guest RAM stay untouched;</li>
 *   <li>a served request has OK, IOERR or UNSUPP in its last writable byte, and reports no more bytes written
 *       than the chain holds;</li>
 *   <li>the images never change size.</li>
 * </ul>
 * A normal test run replays {@code BlkFuzzTestInputs/request/} (Jazzer's regression mode) and 1,500 jqwik inputs;
 * {@code JAZZER_FUZZ=1} searches with coverage guidance (virtio/README.md).
 */
class BlkFuzzTest {
    private static final long RAM_BASE = 0x4000_0000L;
    private static final long RAM_SIZE = 64 * 1024;
    private static final int QUEUE_SIZE = 16;
    private static final long DESC = RAM_BASE;
    private static final long AVAIL = RAM_BASE + 0x100;
    private static final long USED = RAM_BASE + 0x200;
    private static final long DATA = RAM_BASE + 0x1000;
    private static final int IMAGE_SECTORS = 64;

    private static final GuardedMemory RAM = new GuardedMemory(RAM_BASE, RAM_SIZE);
    private static final GuestMemory MEMORY = RAM.memory();
    private static final BlockImage IMAGE = openImage(false);
    private static final BlockImage READ_ONLY = openImage(true);

    static {
        if (System.getenv("JAZZER_FUZZ") != null) {
            Log.configure(List.of(), List.of()); // refused chains and I/O errors would otherwise each log a line
        }
    }

    @FuzzTest(maxDuration = "10m")
    void request(byte[] input) {
        run(input);
    }

    @Property(tries = 1500)
    void randomRequests(@ForAll @Size(max = 600) byte[] input) {
        run(input);
    }

    /** The committed inputs reach the request parser and get the statuses their names promise. */
    @Test
    void seedsAreServed() throws IOException {
        Map<String, Integer> expected = Map.of("read", 0, "write", 0, "write-read-only", 1, "flush", 0, "get-id", 0,
                "discard", 0, "write-zeroes-unmap", 0, "header-and-status-in-one-buffer-each-split", 0,
                "write-zeroes-on-read-only-disk", 2); // found by Jazzer: the image was written through a read-only channel
        for (var e : expected.entrySet()) {
            try (InputStream in = getClass().getResourceAsStream("BlkFuzzTestInputs/request/" + e.getKey())) {
                assertEquals(e.getValue(), run(in.readAllBytes()), e.getKey());
            }
        }
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

    /** Runs one input; returns the status the device wrote, or -1 when it refused the chain. */
    static int run(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        RAM.clearRam();
        long features = in.bool() ? VirtioBlk.F_DISCARD | VirtioBlk.F_WRITE_ZEROES : 0;
        BlockImage image = in.bool() ? READ_ONLY : IMAGE;
        int count = 1 + in.u8() % 8;
        for (int i = 0; i < count; i++) {
            int selector = in.u8();
            long addr = selector < 240 ? DATA + in.u16() % (RAM_SIZE - 0x1000) : in.u64();
            int length = selector % 16 == 15 ? (int) in.u64() : in.u16() % 1200;
            int flags = in.u8() & 7;
            int next = in.u8() % 20; // sometimes outside the queue of 16
            if (i == count - 1 && (flags & 4) == 0 && (selector & 0x80) == 0) {
                flags &= ~1; // usually end the chain, so that most inputs reach the request parser
            }
            MEMORY.write64(DESC + 16L * i, addr);
            MEMORY.write32(DESC + 16L * i + 8, length);
            MEMORY.write16(DESC + 16L * i + 12, flags);
            MEMORY.write16(DESC + 16L * i + 14, (flags & 1) != 0 && (selector & 0x40) == 0 ? i + 1 : next);
        }
        MEMORY.write16(AVAIL + 4, in.u8() % 18);
        MEMORY.write16(AVAIL + 2, 1);
        byte[] payload = Arrays.copyOfRange(data, Math.min(in.position(), data.length), data.length);
        MEMORY.write(DATA, Arrays.copyOf(payload, (int) Math.min(payload.length, RAM_SIZE - 0x1000)));

        long sizeBefore = size(IMAGE);
        int result = -1;
        try {
            Virtqueue queue = new Virtqueue(MEMORY, QUEUE_SIZE, DESC, AVAIL, USED, false);
            DescriptorChain chain = queue.pop();
            int written = BlockRequest.serve(chain, MEMORY, image, features, new byte[20]);
            if (written < 1 || written > chain.writableLength()) {
                throw new AssertionError("reported " + written + " bytes written of " + chain.writableLength());
            }
            result = statusOf(chain);
            if (result > 2) {
                throw new AssertionError("status " + result);
            }
        } catch (VirtqueueException expected) {
            // a chain the device refuses: the transport asks for a reset
        }
        if (!RAM.guardsIntact()) {
            throw new AssertionError("a byte outside guest RAM changed");
        }
        if (size(IMAGE) != sizeBefore || size(READ_ONLY) != IMAGE_SECTORS * 512L) {
            throw new AssertionError("an image changed size");
        }
        return result;
    }

    /** The chain's last writable byte: its status. */
    private static int statusOf(DescriptorChain chain) {
        long at = chain.writableLength() - 1;
        for (DescriptorChain.Buffer b : chain.writable()) {
            long n = Integer.toUnsignedLong(b.length());
            if (at < n) {
                return MEMORY.read8(b.gpa() + at);
            }
            at -= n;
        }
        throw new AssertionError("no status byte in " + chain.writableLength() + " writable bytes");
    }

    private static long size(BlockImage image) {
        try {
            return Files.size(image.path());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
