package io.jqvm.virtio;

import io.jqvm.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One request from the driver: the chain of buffers starting at descriptor {@code head}, split into the
 * device-readable buffers (what the driver sends) and the device-writable ones (where the device answers),
 * each list in chain order. Every buffer was checked to lie wholly inside guest RAM when the chain was popped;
 * reads and writes address the concatenation of a list by offset, so a request header that spans two
 * buffers reads like one that does not.
 */
public final class DescriptorChain {
    /** One guest buffer, [gpa, gpa+length); {@code length} is unsigned 32-bit (read it with Integer.toUnsignedLong). */
    public record Buffer(long gpa, int length) {
    }

    private final GuestMemory memory;
    private final int head;
    private final List<Buffer> readable;
    private final List<Buffer> writable;
    private final long readableLength;
    private final long writableLength;

    DescriptorChain(GuestMemory memory, int head, List<Buffer> readable, List<Buffer> writable) {
        this.memory = memory;
        this.head = head;
        this.readable = List.copyOf(readable);
        this.writable = List.copyOf(writable);
        this.readableLength = total(readable);
        this.writableLength = total(writable);
    }

    private static long total(List<Buffer> buffers) {
        long n = 0;
        for (Buffer b : buffers) {
            n += Integer.toUnsignedLong(b.length());
        }
        return n;
    }

    /** The index of the chain's first descriptor, which the used ring gives back. */
    public int head() {
        return head;
    }

    public List<Buffer> readable() {
        return readable;
    }

    public List<Buffer> writable() {
        return writable;
    }

    public long readableLength() {
        return readableLength;
    }

    public long writableLength() {
        return writableLength;
    }

    /**
     * Copies up to {@code length} bytes of the readable buffers, from {@code offset} in their concatenation,
     * into {@code dst} at {@code dstOffset}. Returns the number copied (less at the end of the buffers).
     */
    public int read(long offset, byte[] dst, int dstOffset, int length) {
        return (int) transfer(readable, offset, MemorySegment.ofArray(dst), dstOffset, length, false);
    }

    /** Copies up to {@code length} readable bytes from {@code offset} into {@code dst}; returns the count. */
    public long read(long offset, MemorySegment dst, long dstOffset, long length) {
        return transfer(readable, offset, dst, dstOffset, length, false);
    }

    /**
     * Copies up to {@code length} bytes of {@code src} from {@code srcOffset} into the writable buffers at
     * {@code offset} of their concatenation. Returns the number copied (less at the end of the buffers).
     */
    public int write(long offset, byte[] src, int srcOffset, int length) {
        return (int) transfer(writable, offset, MemorySegment.ofArray(src), srcOffset, length, true);
    }

    /** Copies up to {@code length} bytes of {@code src} into the writable buffers at {@code offset}. */
    public long write(long offset, MemorySegment src, long srcOffset, long length) {
        return transfer(writable, offset, src, srcOffset, length, true);
    }

    /** Reads a little-endian unsigned 32-bit field of the readable side, or -1 when it lies past the end. */
    public long readU32(long offset) {
        byte[] b = new byte[4];
        if (read(offset, b, 0, 4) < 4) {
            return -1;
        }
        return Integer.toUnsignedLong(MemorySegment.ofArray(b).get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(
                java.nio.ByteOrder.LITTLE_ENDIAN), 0));
    }

    private long transfer(List<Buffer> buffers, long offset, MemorySegment other, long otherOffset, long length,
                          boolean toGuest) {
        if (offset < 0 || length <= 0) {
            return 0;
        }
        long done = 0;
        long skip = offset;
        for (Buffer b : buffers) {
            long size = Integer.toUnsignedLong(b.length());
            if (skip >= size) {
                skip -= size;
                continue;
            }
            long n = Math.min(size - skip, length - done);
            long gpa = b.gpa() + skip;
            if (toGuest) {
                memory.copyIn(gpa, other, otherOffset + done, n);
            } else {
                MemorySegment.copy(memory.sliceForRead(gpa, n), 0, other, otherOffset + done, n);
            }
            done += n;
            skip = 0;
            if (done == length) {
                break;
            }
        }
        return done;
    }
}
