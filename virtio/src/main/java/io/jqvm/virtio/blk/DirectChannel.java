package io.jqvm.virtio.blk;

import io.jqvm.common.Log;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The image opened a second time with O_DIRECT, for {@link DirectIo}. O_DIRECT needs the file offset, the guest
 * buffer's host address and the length aligned to the file system's block size; a transfer that is not (a
 * 512-byte sector in the middle of a page, say) takes the buffered path instead, which Linux keeps coherent
 * with direct I/O on the same file. A direct transfer that fails for any other reason turns direct I/O off for
 * good, as qvm does, and the request is redone through the page cache.
 */
final class DirectChannel implements AutoCloseable {
    private static final long MAX_TRANSFER = 1L << 30; // a multiple of every block size

    private final Path path;
    private final FileChannel channel;
    private final long alignment;
    private final AtomicLong transfers = new AtomicLong();
    private volatile boolean failed;

    private DirectChannel(Path path, FileChannel channel, long alignment) {
        this.path = path;
        this.channel = channel;
        this.alignment = alignment;
    }

    /** The image opened for direct I/O, or null (with a warning) where the file system does not allow it. */
    static DirectChannel open(Path path, boolean writable) {
        try {
            long alignment = Files.getFileStore(path).getBlockSize();
            FileChannel channel = writable
                    ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT)
                    : FileChannel.open(path, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT);
            return new DirectChannel(path, channel, alignment);
        } catch (IOException | UnsupportedOperationException e) {
            Log.warn("virtio-blk " + path + ": no direct I/O here (" + e.getMessage() + "); using the page cache");
            return null;
        }
    }

    /** Transfers made directly so far. */
    long transfers() {
        return transfers.get();
    }

    /**
     * Reads into {@code dst} from {@code offset} directly when both are aligned; returns the bytes read, which
     * the caller completes through the page cache (0 when unaligned or direct I/O is off; fewer at the file's end).
     */
    long read(long offset, MemorySegment dst) {
        return transfer(offset, dst, false);
    }

    /** Writes {@code src} at {@code offset} directly when aligned; returns the bytes written, as {@link #read}. */
    long write(long offset, MemorySegment src) {
        return transfer(offset, src, true);
    }

    private long transfer(long offset, MemorySegment guest, boolean write) {
        if (failed || offset % alignment != 0 || guest.address() % alignment != 0 || guest.byteSize() % alignment != 0) {
            return 0;
        }
        long done = 0;
        try {
            while (done < guest.byteSize()) {
                ByteBuffer buffer = guest.asSlice(done, Math.min(guest.byteSize() - done, MAX_TRANSFER)).asByteBuffer();
                int n = write ? channel.write(buffer, offset + done) : channel.read(buffer, offset + done);
                if (n <= 0) {
                    break;
                }
                done += n;
                if (buffer.hasRemaining()) {
                    break; // short: the rest is no longer aligned
                }
            }
        } catch (IOException e) {
            failed = true;
            Log.warn("virtio-blk " + path + ": direct I/O failed (" + e.getMessage() + "); using the page cache from now on");
            return 0;
        }
        transfers.incrementAndGet();
        return done;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
