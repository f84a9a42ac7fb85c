package io.jqvm.virtio.blk;

import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A raw disk image: a regular file or a host block device whose bytes are the disk's sectors, read and written at positions, straight
 * between the file and guest memory (no copy through the heap). Safe for concurrent use: positional I/O on one
 * {@link FileChannel} needs no shared file pointer.
 *
 * <p>The I/O threads must never be interrupted: an interrupt closes a {@link FileChannel} for every thread.
 */
final class BlockImage implements AutoCloseable {
    static final int SECTOR_SIZE = 512;
    /** The largest transfer handed to one read or write call: a {@link ByteBuffer} is indexed by int. */
    private static final long MAX_TRANSFER = 1L << 30;
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final MemorySegment ZEROES = MemorySegment.ofArray(new byte[64 * 1024]);

    private final Path path;
    private final FileChannel channel;
    private final int holeFd; // a second descriptor for fallocate (a FileChannel hides its own), -1 when read-only
    private final boolean readOnly;
    private final long sizeBytes;
    private final DirectChannel direct; // null without dio
    private final boolean directWrites;

    BlockImage(Path path, FileChannel channel, int holeFd, boolean readOnly, long sizeBytes, DirectChannel direct,
               boolean directWrites) {
        this.path = path;
        this.channel = channel;
        this.holeFd = holeFd;
        this.readOnly = readOnly;
        this.sizeBytes = sizeBytes;
        this.direct = direct;
        this.directWrites = direct != null && directWrites;
    }

    /** As {@link #open(Path, boolean, DirectIo)}, through the page cache. */
    static BlockImage open(Path path, boolean readOnly) throws BlockImageException {
        return open(path, readOnly, DirectIo.DISABLE);
    }

    /** Transfers that bypassed the page cache so far. */
    long directTransfers() {
        return direct == null ? 0 : direct.transfers();
    }

    /**
     * Opens {@code path} as a disk, read-only when asked (the file is then opened read-only too). Throws with a
     * precise message when the file is missing, a directory or another non-regular file, not accessible, or
     * not a whole number of 512-byte sectors. With {@code dio} (qvm's option) some transfers bypass the host's
     * page cache.
     */
    static BlockImage open(Path path, boolean readOnly, DirectIo dio) throws BlockImageException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new BlockImageException("disk image " + path + " does not exist");
        } catch (IOException e) {
            throw new BlockImageException("disk image " + path + ": " + e.getMessage());
        }
        if (attributes.isDirectory()) {
            throw new BlockImageException("disk image " + path + " is a directory");
        }
        if (!attributes.isRegularFile() && !isBlockDevice(path)) {
            throw new BlockImageException("disk image " + path + " is neither a regular file nor a block device");
        }
        FileChannel channel;
        try {
            channel = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new BlockImageException("disk image " + path + ": permission denied to open it "
                    + (readOnly ? "for reading" : "for reading and writing (hostdev <" + path + " opens it read-only)"));
        } catch (IOException e) {
            throw new BlockImageException("disk image " + path + " cannot be opened: " + e.getMessage());
        }
        try {
            long size = channel.size();
            if (size % SECTOR_SIZE != 0) {
                throw new BlockImageException("disk image " + path + " is " + size
                        + " bytes, not a whole number of " + SECTOR_SIZE + "-byte sectors");
            }
            int holeFd = readOnly ? -1 : Libc.open(path.toString(), Libc.O_RDWR);
            boolean directWrites = !readOnly && dio.writes();
            DirectChannel direct = dio.reads() ? DirectChannel.open(path, directWrites) : null;
            return new BlockImage(path, channel, holeFd, readOnly, size, direct, directWrites);
        } catch (IOException | HostException e) {
            closeQuietly(channel);
            throw new BlockImageException("disk image " + path + " cannot be opened: " + e.getMessage());
        } catch (BlockImageException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** True for a host block device (qvm's {@code hostdev </dev/hd0}); its size is what the kernel reports. */
    private static boolean isBlockDevice(Path path) {
        try {
            return ((Integer) Files.getAttribute(path, "unix:mode") & S_IFMT) == S_IFBLK;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was written through it
        }
    }

    Path path() {
        return path;
    }

    boolean readOnly() {
        return readOnly;
    }

    /** The disk's size in 512-byte sectors, fixed when the image was opened. */
    long sectors() {
        return sizeBytes / SECTOR_SIZE;
    }

    /** True when [offset, offset+length) lies inside the disk (no overflow for any non-negative inputs). */
    boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= sizeBytes && length <= sizeBytes - offset;
    }

    /** Fills {@code dst} with the disk's bytes from {@code offset}; bytes past the file's end (it shrank) read as zeros. */
    void read(long offset, MemorySegment dst) throws IOException {
        for (long done = direct == null ? 0 : direct.read(offset, dst); done < dst.byteSize(); ) {
            long n = Math.min(dst.byteSize() - done, MAX_TRANSFER);
            ByteBuffer buffer = dst.asSlice(done, n).asByteBuffer();
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + done + buffer.position()) < 0) {
                    dst.asSlice(done + buffer.position(), n - buffer.position()).fill((byte) 0);
                    break;
                }
            }
            done += n;
        }
    }

    /** Writes {@code src} to the disk at {@code offset}. */
    void write(long offset, MemorySegment src) throws IOException {
        for (long done = directWrites ? direct.write(offset, src) : 0; done < src.byteSize(); ) {
            long n = Math.min(src.byteSize() - done, MAX_TRANSFER);
            ByteBuffer buffer = src.asSlice(done, n).asByteBuffer();
            while (buffer.hasRemaining()) {
                channel.write(buffer, offset + done + buffer.position());
            }
            done += n;
        }
    }

    /** Makes every write that returned before this call durable: fdatasync(2), which is what force(false) is. */
    void flush() throws IOException {
        channel.force(false);
    }

    /**
     * Deallocates [offset, offset+length) by punching a hole (the range then reads as zeros and, on file
     * systems with holes, takes no space); writes zeros where the file system cannot punch.
     */
    void punchHole(long offset, long length) throws IOException {
        if (length == 0) {
            return;
        }
        int result;
        try {
            result = Libc.fallocate(holeFd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length);
        } catch (HostException e) {
            throw new IOException(e.getMessage());
        }
        if (result != 0) {
            writeZeroes(offset, length);
        }
    }

    /** Writes zeros over [offset, offset+length), keeping the blocks allocated. */
    void writeZeroes(long offset, long length) throws IOException {
        for (long done = 0; done < length; ) {
            long n = Math.min(length - done, ZEROES.byteSize());
            write(offset + done, ZEROES.asSlice(0, n));
            done += n;
        }
    }

    @Override
    public void close() throws IOException {
        try (DirectChannel d = direct) {
            channel.close();
        } finally {
            if (holeFd >= 0) {
                Libc.close(holeFd);
            }
        }
    }
}
