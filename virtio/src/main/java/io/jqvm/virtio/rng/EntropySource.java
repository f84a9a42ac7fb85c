package io.jqvm.virtio.rng;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Where the entropy device's bytes come from: the host's random device, or a fake in tests. */
public interface EntropySource extends AutoCloseable {
    /** Fills {@code dst} completely. */
    void fill(byte[] dst) throws IOException;

    @Override
    default void close() throws IOException {
    }

    /** Opens a source; may fail while the host device is not there yet (qvm's {@code delayed}). */
    @FunctionalInterface
    interface Opener {
        EntropySource open() throws IOException;
    }

    /** The host's {@code /dev/random}, as qvm reads: on Linux 5.6 and later it blocks only until the pool is seeded. */
    static Opener hostRandom() {
        return file(Path.of("/dev/random"));
    }

    /** A character device (or any file) read front to back; running out of bytes is an error. */
    static Opener file(Path path) {
        return () -> {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            return new EntropySource() {
                @Override
                public void fill(byte[] dst) throws IOException {
                    ByteBuffer b = ByteBuffer.wrap(dst);
                    while (b.hasRemaining()) {
                        if (channel.read(b) < 0) {
                            throw new IOException(path + " ran out of bytes");
                        }
                    }
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        };
    }
}
