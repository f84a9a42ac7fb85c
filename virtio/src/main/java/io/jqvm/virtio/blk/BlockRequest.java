package io.jqvm.virtio.blk;

import io.jqvm.common.Log;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.VirtqueueException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Serves one virtio-blk request (virtio 1.2 §5.2.6): a 16-byte header {@code {le32 type; le32 reserved; le64
 * sector}} in the readable buffers, then the readable data (writes, discard ranges), then the writable data
 * (reads, the ID), whose last byte is the status. Layout is free: the header and the status may share buffers
 * with the data, as the spec allows.
 *
 * <p>What the driver controls is checked before any I/O: sectors and lengths in overflow-free long arithmetic
 * against the capacity, lengths in whole sectors, range counts and flags. A request the device can answer
 * gets a status (IOERR for a range outside the disk or a write to a read-only one, UNSUPP for an unknown or
 * unnegotiated type); a chain without a full header or without a status byte cannot be answered at all, which
 * is a driver bug: {@link VirtqueueException}, and the transport asks for a reset.
 */
final class BlockRequest {
    static final int HEADER_SIZE = 16;
    static final int ID_BYTES = 20;
    static final int RANGE_SIZE = 16; // struct virtio_blk_discard_write_zeroes {le64 sector; le32 num_sectors; le32 flags}

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int T_DISCARD = 11;
    static final int T_WRITE_ZEROES = 13;

    static final byte S_OK = 0;
    static final byte S_IOERR = 1;
    static final byte S_UNSUPP = 2;

    static final int RANGE_F_UNMAP = 1;

    private final DescriptorChain chain;
    private final GuestMemory memory;
    private final BlockImage image;

    private BlockRequest(DescriptorChain chain, GuestMemory memory, BlockImage image) {
        this.chain = chain;
        this.memory = memory;
        this.image = image;
    }

    /**
     * Serves the request in {@code chain} against {@code image} with the driver's {@code features} and writes
     * its status; returns the bytes written into the chain's writable buffers (data and status), for the used ring.
     */
    static int serve(DescriptorChain chain, GuestMemory memory, BlockImage image, long features, byte[] serial)
            throws VirtqueueException {
        if (chain.readableLength() < HEADER_SIZE) {
            throw new VirtqueueException("virtio-blk request " + chain.head() + " has " + chain.readableLength()
                    + " readable bytes, less than its 16-byte header");
        }
        if (chain.writableLength() < 1) {
            throw new VirtqueueException("virtio-blk request " + chain.head() + " has no writable status byte");
        }
        BlockRequest request = new BlockRequest(chain, memory, image);
        int type = (int) chain.readU32(0);
        long sector = chain.readU32(8) | (chain.readU32(12) << 32);
        long statusAt = chain.writableLength() - 1;
        long dataIn = 0; // bytes of writable data the device filled
        byte status;
        try {
            switch (type) {
                case T_IN -> {
                    status = request.read(sector, statusAt);
                    dataIn = status == S_OK ? statusAt : 0;
                }
                case T_OUT -> status = request.write(sector, chain.readableLength() - HEADER_SIZE);
                case T_FLUSH -> {
                    image.flush();
                    status = S_OK;
                }
                case T_GET_ID -> {
                    dataIn = Math.min(statusAt, ID_BYTES);
                    chain.write(0, serial, 0, (int) dataIn);
                    status = S_OK;
                }
                // a read-only disk offers neither, whatever a transport let the driver accept
                case T_DISCARD -> status = (features & VirtioBlk.F_DISCARD) == 0 || image.readOnly()
                        ? S_UNSUPP : request.ranges(false);
                case T_WRITE_ZEROES -> status = (features & VirtioBlk.F_WRITE_ZEROES) == 0 || image.readOnly()
                        ? S_UNSUPP : request.ranges(true);
                default -> status = S_UNSUPP;
            }
        } catch (IOException e) {
            Log.error("virtio-blk " + image.path() + ": " + describe(type) + " at sector " + Long.toUnsignedString(sector)
                    + " failed: " + e.getMessage());
            status = S_IOERR;
            dataIn = 0;
        }
        chain.write(statusAt, new byte[] {status}, 0, 1);
        return (int) Math.min(Integer.MAX_VALUE, dataIn + 1);
    }

    private static String describe(int type) {
        return switch (type) {
            case T_IN -> "read";
            case T_OUT -> "write";
            case T_FLUSH -> "flush";
            case T_DISCARD -> "discard";
            case T_WRITE_ZEROES -> "write-zeroes";
            default -> "request type " + Integer.toUnsignedString(type);
        };
    }

    /** The byte offset of {@code sector} when [sector, sector + bytes) is a whole-sector range inside the disk, else -1. */
    private long offsetOf(long sector, long bytes) {
        if (bytes % BlockImage.SECTOR_SIZE != 0 || Long.compareUnsigned(sector, image.sectors()) > 0) {
            return -1;
        }
        long offset = sector * BlockImage.SECTOR_SIZE; // sector <= capacity, so no overflow
        return image.contains(offset, bytes) ? offset : -1;
    }

    private byte read(long sector, long length) throws IOException {
        long offset = offsetOf(sector, length);
        if (offset < 0) {
            return S_IOERR;
        }
        forEachBuffer(chain.writable(), 0, length, (gpa, n, done) -> {
            MemorySegment guest = memory.sliceForWrite(gpa, n);
            try {
                image.read(offset + done, guest);
            } finally {
                memory.written(gpa, n); // even a partial read changed guest RAM
            }
        });
        return S_OK;
    }

    private byte write(long sector, long length) throws IOException {
        long offset = offsetOf(sector, length);
        if (image.readOnly() || offset < 0) {
            return S_IOERR; // §5.2.6.2: a write to a read-only device fails and writes nothing
        }
        forEachBuffer(chain.readable(), HEADER_SIZE, length,
                (gpa, n, done) -> image.write(offset + done, memory.sliceForRead(gpa, n)));
        return S_OK;
    }

    /** Discard or write-zeroes: every range is checked before any is applied, so a bad request changes nothing. */
    private byte ranges(boolean zeroes) throws IOException {
        long bytes = chain.readableLength() - HEADER_SIZE;
        if (bytes == 0 || bytes % RANGE_SIZE != 0) {
            return S_IOERR;
        }
        if (bytes / RANGE_SIZE > BlkConfigSpace.MAX_RANGE_SEGMENTS) {
            return S_UNSUPP;
        }
        int count = (int) (bytes / RANGE_SIZE);
        long[] offsets = new long[count];
        long[] lengths = new long[count];
        boolean[] unmap = new boolean[count];
        for (int i = 0; i < count; i++) {
            long at = HEADER_SIZE + (long) RANGE_SIZE * i;
            long sector = chain.readU32(at) | (chain.readU32(at + 4) << 32);
            long sectors = chain.readU32(at + 8);
            long flags = chain.readU32(at + 12);
            // §5.2.6.2: unknown flags are unsupported, and so is UNMAP on a discard
            if ((flags & ~RANGE_F_UNMAP) != 0 || (!zeroes && flags != 0)) {
                return S_UNSUPP;
            }
            if (sectors > BlkConfigSpace.MAX_RANGE_SECTORS) {
                return S_IOERR;
            }
            lengths[i] = sectors * BlockImage.SECTOR_SIZE;
            offsets[i] = offsetOf(sector, lengths[i]);
            if (offsets[i] < 0) {
                return S_IOERR;
            }
            unmap[i] = flags != 0;
        }
        for (int i = 0; i < count; i++) {
            if (!zeroes || unmap[i]) {
                image.punchHole(offsets[i], lengths[i]); // a punched range reads as zeros: right for both
            } else {
                image.writeZeroes(offsets[i], lengths[i]);
            }
        }
        return S_OK;
    }

    @FunctionalInterface
    private interface BufferIo {
        /** Transfers {@code n} bytes at guest address {@code gpa}, which are bytes [done, done+n) of the data. */
        void transfer(long gpa, long n, long done) throws IOException;
    }

    /** Calls {@code io} for each piece of the first {@code length} bytes after {@code skip} in {@code buffers}. */
    private static void forEachBuffer(List<DescriptorChain.Buffer> buffers, long skip, long length, BufferIo io)
            throws IOException {
        long done = 0;
        for (DescriptorChain.Buffer b : buffers) {
            if (done == length) {
                return;
            }
            long size = Integer.toUnsignedLong(b.length());
            if (skip >= size) {
                skip -= size;
                continue;
            }
            long n = Math.min(size - skip, length - done);
            io.transfer(b.gpa() + skip, n, done);
            done += n;
            skip = 0;
        }
    }
}
