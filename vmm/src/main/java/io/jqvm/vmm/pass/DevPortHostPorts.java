package io.jqvm.vmm.pass;

import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The host's ports through {@code /dev/port} (root, CAP_SYS_RAWIO): the file offset is the port number, and the
 * kernel performs one {@code inb}/{@code outb} per byte. Java cannot execute {@code in}/{@code out} itself (an
 * {@code ioperm} grant would need native code to use it), so a 2- or 4-byte guest access becomes that many
 * byte accesses to consecutive ports, which is what ISA-style devices decode; a device that latches only on a
 * genuine 16- or 32-bit cycle would see the difference.
 */
public final class DevPortHostPorts implements HostPorts {
    static final Path DEV_PORT = Path.of("/dev/port");

    private final FileChannel channel;

    private DevPortHostPorts(FileChannel channel) {
        this.channel = channel;
    }

    /** Opens {@code /dev/port}; a host that does not allow it is a {@link PassThroughException} naming why. */
    public static DevPortHostPorts open() {
        try {
            return new DevPortHostPorts(FileChannel.open(DEV_PORT, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new PassThroughException("cannot open " + DEV_PORT + " (port pass-through needs root): " + e.getMessage());
        }
    }

    @Override
    public long read(int port, int size) {
        ByteBuffer buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, port + buffer.position()) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new HostException("read of " + DEV_PORT + " at port " + port, Libc.EPERM);
        }
        buffer.flip();
        return switch (size) {
            case 1 -> buffer.get() & 0xFFL;
            case 2 -> buffer.getShort() & 0xFFFFL;
            default -> buffer.getInt() & 0xFFFF_FFFFL;
        };
    }

    @Override
    public void write(int port, int size, long value) {
        ByteBuffer buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < size; i++) {
            buffer.put((byte) (value >>> (8 * i)));
        }
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer, port + buffer.position());
            }
        } catch (IOException e) {
            throw new HostException("write of " + DEV_PORT + " at port " + port, Libc.EPERM);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was buffered: a character device
        }
    }
}
