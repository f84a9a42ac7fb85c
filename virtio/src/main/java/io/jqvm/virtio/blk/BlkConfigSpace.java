package io.jqvm.virtio.blk;

import io.jqvm.virtio.ConfigSpace;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The virtio-blk configuration space (virtio 1.2 §5.2.4, {@code struct virtio_blk_config}) up to the write-zeroes
 * fields, and the limits it announces. Every field is fixed once the image is open: the device never changes
 * its configuration, so the generation counter never moves.
 */
final class BlkConfigSpace {
    /** Descriptors a queue may hold: 256, as QEMU's default, so a Linux request of seg_max segments fits. */
    static final int QUEUE_SIZE = 256;
    /** Data segments per request: the queue size less the header and status descriptors (without indirect ones). */
    static final int SEG_MAX = QUEUE_SIZE - 2;
    /** Bytes per data segment; Linux refuses less than a page, and 1 MiB keeps each transfer modest. */
    static final int SIZE_MAX = 1 << 20;
    /** Sectors one discard or write-zeroes segment may cover: below 2 GiB, so a segment's byte length fits an int. */
    static final int MAX_RANGE_SECTORS = (1 << 22) - 1;
    /** Segments one discard or write-zeroes request may carry. */
    static final int MAX_RANGE_SEGMENTS = 32;
    /** Discards in 4 KiB units, the block size of host file systems: smaller holes only zero part of a block. */
    static final int DISCARD_ALIGNMENT_SECTORS = 8;

    static final int SIZE = 60; // through write_zeroes_may_unmap and its padding

    private final byte[] bytes = new byte[SIZE];

    BlkConfigSpace(long capacitySectors) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, capacitySectors);
        b.putInt(8, SIZE_MAX);
        b.putInt(12, SEG_MAX);
        // 16..19 geometry: not offered
        b.putInt(20, BlockImage.SECTOR_SIZE);
        // 24..35 topology, writeback, num_queues: not offered
        b.putInt(36, MAX_RANGE_SECTORS);            // max_discard_sectors
        b.putInt(40, MAX_RANGE_SEGMENTS);           // max_discard_seg
        b.putInt(44, DISCARD_ALIGNMENT_SECTORS);    // discard_sector_alignment
        b.putInt(48, MAX_RANGE_SECTORS);            // max_write_zeroes_sectors
        b.putInt(52, MAX_RANGE_SEGMENTS);           // max_write_zeroes_seg
        b.put(56, (byte) 1);                        // write_zeroes_may_unmap: with UNMAP we punch holes
    }

    /** {@code size} bytes at {@code offset}, little-endian; bytes past the end read as zero. */
    long read(int offset, int size) {
        return ConfigSpace.read(bytes, offset, size);
    }
}
