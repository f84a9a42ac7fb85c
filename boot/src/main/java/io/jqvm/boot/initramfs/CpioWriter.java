package io.jqvm.boot.initramfs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes a cpio archive in the "newc" format (magic 070701) the Linux kernel unpacks as an initramfs:
 * a 110-byte ASCII header of 8-digit hex fields, the NUL-terminated name padded to 4 bytes, then the data
 * padded to 4 bytes; the archive ends with the entry {@code TRAILER!!!}. Entries belong to root, carry
 * mtime 0 (reproducible archives) and get inode numbers in order of writing.
 *
 * <p>Names are written without a leading slash, as the kernel expects ({@code bin/sh}); parents must be
 * written before their children.
 */
public final class CpioWriter implements AutoCloseable {
    static final int TYPE_DIRECTORY = 0040000;
    static final int TYPE_FILE = 0100000;
    static final int TYPE_SYMLINK = 0120000;
    static final int TYPE_CHAR_DEVICE = 0020000;
    static final int TYPE_BLOCK_DEVICE = 0060000;
    private static final String TRAILER = "TRAILER!!!";

    private final OutputStream out;
    private final Set<String> written = new HashSet<>();
    private long position;
    private int nextInode = 1;
    private boolean finished;

    public CpioWriter(OutputStream out) {
        this.out = out;
    }

    public void directory(String path, int permissions) throws IOException {
        entry(path, TYPE_DIRECTORY, permissions, 2, 0, 0, new byte[0]);
    }

    public void file(String path, int permissions, byte[] contents) throws IOException {
        entry(path, TYPE_FILE, permissions, 1, 0, 0, contents);
    }

    /** A symbolic link: its data is the target path. */
    public void symlink(String path, String target) throws IOException {
        entry(path, TYPE_SYMLINK, 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
    }

    public void characterDevice(String path, int permissions, int major, int minor) throws IOException {
        entry(path, TYPE_CHAR_DEVICE, permissions, 1, major, minor, new byte[0]);
    }

    public void blockDevice(String path, int permissions, int major, int minor) throws IOException {
        entry(path, TYPE_BLOCK_DEVICE, permissions, 1, major, minor, new byte[0]);
    }

    private void entry(String path, int type, int permissions, int links, int major, int minor, byte[] data)
            throws IOException {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        String name = normalise(path);
        if ((permissions & ~07777) != 0) {
            throw new IllegalArgumentException("permissions " + Integer.toOctalString(permissions) + " of " + path
                    + " have bits beyond 07777");
        }
        if (!written.add(name)) {
            throw new IllegalArgumentException("duplicate archive entry " + name);
        }
        writeEntry(name, nextInode++, type | permissions, links, major, minor, data);
    }

    static String normalise(String path) {
        String name = path;
        while (name.startsWith("/")) {
            name = name.substring(1);
        }
        if (name.isEmpty() || name.endsWith("/") || name.contains("//") || name.equals(TRAILER)) {
            throw new IllegalArgumentException("invalid archive path \"" + path + "\"");
        }
        for (String part : name.split("/")) {
            if (part.equals("..") || part.equals(".")) {
                throw new IllegalArgumentException("archive path \"" + path + "\" has a . or .. component");
            }
        }
        return name;
    }

    private void writeEntry(String name, int inode, int mode, int links, int major, int minor, byte[] data)
            throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(110);
        h.append("070701");
        for (long field : new long[] {inode, mode, 0, 0, links, 0, data.length, 0, 0, major, minor,
            nameBytes.length + 1, 0}) {
            h.append(String.format("%08x", field));
        }
        write(h.toString().getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        write(new byte[] {0});
        pad();
        write(data);
        pad();
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        position += bytes.length;
    }

    private void pad() throws IOException {
        int padding = (int) ((4 - position % 4) % 4);
        write(new byte[padding]);
    }

    /** Writes the trailer; the stream stays open. */
    public void finish() throws IOException {
        if (!finished) {
            writeEntry(TRAILER, 0, 0, 1, 0, 0, new byte[0]);
            finished = true;
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        finish();
        out.close();
    }
}
