package io.jqvm.devices.chardev;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;

/** Endpoints over the JDK's streams and channels: files, the VM's stdin and stdout, a piped command. */
final class ChannelEndpoint {
    private ChannelEndpoint() {
    }

    /** Reads a stream; {@code owned} streams are closed with the device, stdin is not. */
    static Endpoint.Source source(InputStream in, boolean owned) {
        return new Endpoint.Source() {
            @Override
            public int read(byte[] buffer) throws IOException {
                return in.read(buffer);
            }

            @Override
            public void close() throws IOException {
                if (owned) {
                    in.close();
                }
            }
        };
    }

    /** Writes and flushes a stream; stdout is flushed but never closed. */
    static Endpoint.Sink sink(OutputStream out, boolean owned) {
        return new Endpoint.Sink() {
            @Override
            public void write(byte[] buffer, int length) throws IOException {
                out.write(buffer, 0, length);
                out.flush();
            }

            @Override
            public void close() throws IOException {
                if (owned) {
                    out.close();
                } else {
                    out.flush();
                }
            }
        };
    }

    /** Both directions over one channel (a device file opened for reading and writing). */
    static Endpoint.Source source(ByteChannel channel) {
        return new Endpoint.Source() {
            @Override
            public int read(byte[] buffer) throws IOException {
                return channel.read(ByteBuffer.wrap(buffer));
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    static Endpoint.Sink sink(ByteChannel channel) {
        return new Endpoint.Sink() {
            @Override
            public void write(byte[] buffer, int length) throws IOException {
                ByteBuffer b = ByteBuffer.wrap(buffer, 0, length);
                while (b.hasRemaining()) {
                    channel.write(b);
                }
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
