package io.jqvm.virtio.net;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Ethernet frames over a connected stream socket, each preceded by its length as a 32-bit big-endian number:
 * the format of QEMU's {@code -netdev stream} (and {@code -net socket}), which passt speaks too. One thread reads
 * and any number write (writes are serialised, so frames never interleave).
 */
final class FramedStream implements AutoCloseable {
    private final SocketChannel channel;
    private final String what;
    private final ByteBuffer readLength = ByteBuffer.allocate(4);
    private final ByteBuffer writeLength = ByteBuffer.allocate(4);

    /** {@code what} names the other end in errors ("passt at /tmp/x.sock"). */
    FramedStream(SocketChannel channel, String what) {
        this.channel = channel;
        this.what = what;
    }

    /**
     * Reads the next frame into {@code into} (cleared first; the frame ends at its limit). Returns false when the
     * other end closed the stream between frames; throws when it closed mid-frame or announced a frame that is
     * empty or longer than {@code into} can hold (the stream cannot be resynchronised after that).
     */
    boolean read(ByteBuffer into) throws IOException {
        readLength.clear();
        if (!fill(readLength, true)) {
            return false;
        }
        long length = Integer.toUnsignedLong(readLength.getInt(0));
        if (length == 0 || length > into.capacity()) {
            throw new IOException(what + " sent a frame of " + length + " bytes (want 1 to " + into.capacity() + ")");
        }
        into.clear().limit((int) length);
        fill(into, false);
        into.flip();
        return true;
    }

    private boolean fill(ByteBuffer buffer, boolean endAllowed) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                if (endAllowed && buffer.position() == 0) {
                    return false;
                }
                throw new EOFException(what + " closed the connection in the middle of a frame");
            }
        }
        return true;
    }

    /** Writes one frame (position to limit), waiting while the socket's buffer is full. */
    synchronized void write(ByteBuffer frame) throws IOException {
        writeLength.clear();
        writeLength.putInt(0, frame.remaining());
        ByteBuffer[] both = {writeLength, frame};
        while (frame.hasRemaining() || writeLength.hasRemaining()) {
            channel.write(both);
        }
    }

    /**
     * Writes one frame, or on an I/O error closes the stream and returns false: whoever reads the stream then
     * sees its end and reports the link down, so a failed send needs no handling of its own.
     */
    boolean send(ByteBuffer frame) {
        try {
            write(frame);
            return true;
        } catch (IOException e) {
            close();
            return false;
        }
    }

    /** Waits until the other end closes the stream, for a connection that only carries frames the other way. */
    void awaitEnd() throws IOException {
        if (channel.read(ByteBuffer.allocate(1)) >= 0) {
            throw new IOException(what + " sent data on a connection that carries frames only the other way");
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing a socket releases it even when the kernel reports an error
        }
    }
}
