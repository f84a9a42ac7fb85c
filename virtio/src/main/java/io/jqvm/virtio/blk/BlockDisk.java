package io.jqvm.virtio.blk;

import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.DescriptorChain;
import io.jqvm.virtio.VirtqueueException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A raw disk image as virtio-blk drivers see it, for a device served outside {@link VirtioBlk}'s own queue (jqvm's
 * mediator, a vhost-user back end for several VMs): the features and configuration space to offer, and one
 * request served from a chain. The same request decoder and file I/O as {@link VirtioBlk}'s. Safe for concurrent
 * use by several I/O threads.
 */
public final class BlockDisk implements AutoCloseable {
    private final BlockImage image;
    private final byte[] serial;
    private final BlkConfigSpace config;

    private BlockDisk(BlockImage image, String serial) {
        this.image = image;
        this.serial = VirtioBlk.idBytes(serial);
        this.config = new BlkConfigSpace(image.sectors());
    }

    /**
     * Opens {@code file} as a disk, read-only when asked, whose device ID is {@code serial} (null: the file's name).
     * Throws with a precise message when the image is missing, a directory, inaccessible or not whole sectors.
     */
    public static BlockDisk open(Path file, boolean readOnly, String serial) throws BlockImageException {
        return new BlockDisk(BlockImage.open(file, readOnly), serial != null ? serial : VirtioBlk.defaultSerial(file));
    }

    public Path path() {
        return image.path();
    }

    /** The virtio-blk feature bits this disk offers (as {@link VirtioBlk} does for the same image). */
    public long offeredFeatures() {
        return VirtioBlk.offeredFeatures(image.readOnly());
    }

    /** The configuration space's {@link #configSize()} bytes (capacity, limits), little-endian. */
    public byte[] configSpace() {
        byte[] bytes = new byte[BlkConfigSpace.SIZE];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) config.read(i, 1);
        }
        return bytes;
    }

    public int configSize() {
        return BlkConfigSpace.SIZE;
    }

    /** The queue size the disk's limits assume (SEG_MAX segments plus header and status). */
    public int queueSize() {
        return BlkConfigSpace.QUEUE_SIZE;
    }

    /**
     * Serves the request in {@code chain} with the driver's {@code features} and writes its status; returns the
     * bytes written into the chain (for the used ring). A chain that cannot be answered (no header, no status
     * byte) throws {@link VirtqueueException}.
     */
    public int serve(DescriptorChain chain, GuestMemory memory, long features) throws VirtqueueException {
        return BlockRequest.serve(chain, memory, image, features, serial);
    }

    /**
     * Answers the request in {@code chain} with VIRTIO_BLK_S_IOERR without serving it (the mediator refuses a
     * client over its backlog); returns the bytes written (the status). A chain without a status byte throws.
     */
    public static int refuse(DescriptorChain chain) throws VirtqueueException {
        if (chain.writableLength() < 1) {
            throw new VirtqueueException("virtio-blk request " + chain.head() + " has no writable status byte");
        }
        chain.write(chain.writableLength() - 1, new byte[] {BlockRequest.S_IOERR}, 0, 1);
        return 1;
    }

    @Override
    public void close() throws IOException {
        image.close();
    }
}
