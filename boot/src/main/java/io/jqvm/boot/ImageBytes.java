package io.jqvm.boot;

import io.jqvm.common.Hex;
import java.util.Arrays;

/**
 * Little-endian, bounds-checked reads from an image file. A read past the end throws
 * {@link ImageFormatException} naming the field and offset, never an index exception.
 */
public final class ImageBytes {
    private final byte[] data;
    private final String what;

    /** @param what how messages name the image, e.g. {@code "ELF image"} */
    public ImageBytes(byte[] data, String what) {
        this.data = data;
        this.what = what;
    }

    public int length() {
        return data.length;
    }

    public String what() {
        return what;
    }

    /** True when [offset, offset+length) lies inside the image; overflow-safe. */
    public boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= data.length && length <= data.length - offset;
    }

    private void need(long offset, int width, String field) {
        if (!contains(offset, width)) {
            throw error(offset, field, "lies beyond the end of the image (" + data.length + " bytes)");
        }
    }

    /** An exception for a bad field: "{what}: {field} at offset 0x..: {problem}". */
    public ImageFormatException error(long offset, String field, String problem) {
        return new ImageFormatException(what + ": " + field + " at offset " + Hex.of(offset) + " " + problem);
    }

    public int u8(long offset, String field) {
        need(offset, 1, field);
        return Byte.toUnsignedInt(data[(int) offset]);
    }

    public int u16(long offset, String field) {
        need(offset, 2, field);
        int o = (int) offset;
        return (data[o] & 0xff) | (data[o + 1] & 0xff) << 8;
    }

    /** An unsigned 32-bit field, widened to long. */
    public long u32(long offset, String field) {
        need(offset, 4, field);
        return u32At(data, (int) offset);
    }

    public long u64(long offset, String field) {
        need(offset, 8, field);
        return u32At(data, (int) offset) | u32At(data, (int) offset + 4) << 32;
    }

    /** A copy of [offset, offset+length); the caller has checked the range with {@link #contains}. */
    public byte[] slice(long offset, long length, String field) {
        if (!contains(offset, length) || length > Integer.MAX_VALUE) {
            throw error(offset, field, "(" + length + " bytes) lies beyond the end of the image (" + data.length + " bytes)");
        }
        return Arrays.copyOfRange(data, (int) offset, (int) (offset + length));
    }

    /** An unchecked little-endian u32 at {@code o}, for header scans that have checked the bounds. */
    public static long u32At(byte[] b, int o) {
        return (b[o] & 0xffL) | (b[o + 1] & 0xffL) << 8 | (b[o + 2] & 0xffL) << 16 | (b[o + 3] & 0xffL) << 24;
    }
}
