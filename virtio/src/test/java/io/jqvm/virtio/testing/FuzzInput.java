package io.jqvm.virtio.testing;

/**
 * Reads a fuzz input front to back as little-endian numbers; past its end every value is zero, so every input,
 * however short, is a complete script. Fuzz targets build their hostile driver's choices from it.
 */
public final class FuzzInput {
    private final byte[] data;
    private int at;

    public FuzzInput(byte[] data) {
        this.data = data;
    }

    public boolean exhausted() {
        return at >= data.length;
    }

    /** Where reading has got to: the rest of the input can serve as raw guest memory. */
    public int position() {
        return at;
    }

    public int u8() {
        return at < data.length ? Byte.toUnsignedInt(data[at++]) : 0;
    }

    public int u16() {
        return u8() | (u8() << 8);
    }

    public long u32() {
        return Integer.toUnsignedLong(u16() | (u16() << 16));
    }

    public long u64() {
        return u32() | (u32() << 32);
    }

    public boolean bool() {
        return (u8() & 1) != 0;
    }

    /** One of {@code choices}, picked by the next byte. */
    public long pick(long... choices) {
        return choices[u8() % choices.length];
    }
}
