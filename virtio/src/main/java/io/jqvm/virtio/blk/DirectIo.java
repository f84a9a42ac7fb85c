package io.jqvm.virtio.blk;

/**
 * qvm's {@code dio} option for virtio-blk: which transfers bypass the host's page cache (O_DIRECT). Off by
 * default, as in qvm; {@code read} sends reads around the cache and keeps it as a write-back cache for writes.
 */
public enum DirectIo {
    DISABLE, ENABLE, READ;

    /** The value of qvm's {@code dio disable|enable|read}. */
    public static DirectIo of(String option) {
        return valueOf(option.toUpperCase(java.util.Locale.ROOT));
    }

    boolean reads() {
        return this != DISABLE;
    }

    boolean writes() {
        return this == ENABLE;
    }
}
