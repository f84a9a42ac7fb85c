package io.jqvm.virtio.blk;

/**
 * A disk image cannot serve as a virtio-blk backend: it is missing, a directory, not a whole number of
 * sectors, or not accessible. The message names the file and what is wrong with it, ready for the
 * configuration error at the vdev's line (exit status 65).
 */
public final class BlockImageException extends Exception {
    public BlockImageException(String message) {
        super(message, null, false, false); // a configuration mistake, not a host bug: no stack trace to fill
    }
}
