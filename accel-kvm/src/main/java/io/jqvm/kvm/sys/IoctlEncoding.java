package io.jqvm.kvm.sys;

/**
 * The Linux generic ioctl request encoding ({@code _IO}, {@code _IOR}, {@code _IOW}, {@code _IOWR} of
 * {@code asm-generic/ioctl.h}, which x86 uses): bits 0-7 number, 8-15 type, 16-29 argument size,
 * 30-31 direction as seen from user space.
 */
public final class IoctlEncoding {
    private static final int NR_BITS = 8;
    private static final int TYPE_BITS = 8;
    private static final int SIZE_BITS = 14;
    private static final int TYPE_SHIFT = NR_BITS;
    private static final int SIZE_SHIFT = TYPE_SHIFT + TYPE_BITS;
    private static final int DIR_SHIFT = SIZE_SHIFT + SIZE_BITS;
    private static final long DIR_NONE = 0;
    private static final long DIR_WRITE = 1;
    private static final long DIR_READ = 2;

    private IoctlEncoding() {
    }

    /** {@code _IO(type, nr)}: no argument struct. */
    public static long io(int type, int nr) {
        return encode(DIR_NONE, type, nr, 0);
    }

    /** {@code _IOR(type, nr, size)}: the kernel writes a struct of {@code size} bytes. */
    public static long ior(int type, int nr, long size) {
        return encode(DIR_READ, type, nr, size);
    }

    /** {@code _IOW(type, nr, size)}: the kernel reads a struct of {@code size} bytes. */
    public static long iow(int type, int nr, long size) {
        return encode(DIR_WRITE, type, nr, size);
    }

    /** {@code _IOWR(type, nr, size)}: both directions. */
    public static long iowr(int type, int nr, long size) {
        return encode(DIR_READ | DIR_WRITE, type, nr, size);
    }

    private static long encode(long direction, int type, int nr, long size) {
        if (type < 0 || type >= 1 << TYPE_BITS || nr < 0 || nr >= 1 << NR_BITS || size < 0 || size >= 1 << SIZE_BITS) {
            throw new IllegalArgumentException("ioctl type " + type + ", nr " + nr + ", size " + size
                    + " does not fit the request encoding");
        }
        return direction << DIR_SHIFT | size << SIZE_SHIFT | (long) type << TYPE_SHIFT | nr;
    }
}
