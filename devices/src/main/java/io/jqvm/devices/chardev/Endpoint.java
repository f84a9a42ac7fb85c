package io.jqvm.devices.chardev;

import java.io.IOException;

/**
 * One host-side end of a character device, in blocking form; the pumps run it on their own threads so
 * that vCPUs never block on the host.
 */
interface Endpoint {
    /** A source of guest input. */
    interface Source extends AutoCloseable {
        /** Blocks for input; returns the byte count, 0 to be called again, or -1 when input has ended. */
        int read(byte[] buffer) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** A sink for guest output. */
    interface Sink extends AutoCloseable {
        void write(byte[] buffer, int length) throws IOException;

        @Override
        void close() throws IOException;
    }
}
