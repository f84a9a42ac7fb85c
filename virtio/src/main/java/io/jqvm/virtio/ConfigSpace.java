package io.jqvm.virtio;

/**
 * Reads of a device's configuration space (virtio 1.2 §2.5): every field is little-endian and a driver may
 * read any width at any offset, so a read is assembled byte by byte from the device's current bytes.
 */
public final class ConfigSpace {
    private ConfigSpace() {
    }

    /** {@code size} bytes of {@code bytes} at {@code offset}, little-endian; bytes outside it read as zero. */
    public static long read(byte[] bytes, int offset, int size) {
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            int at = offset + i;
            value = (value << 8) | (at >= 0 && at < bytes.length ? Byte.toUnsignedLong(bytes[at]) : 0);
        }
        return value;
    }
}
