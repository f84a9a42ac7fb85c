package io.jqvm.devices.chardev;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code hostdev unix:/path}: a listening Unix-domain stream socket serving one client at a time. Input
 * comes from the connected client; output goes to it, and is discarded while nobody is connected. When a
 * client disconnects the next one is accepted. The socket file is removed on close.
 */
final class UnixSocketServer implements Endpoint.Source, Endpoint.Sink {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final ServerSocketChannel server;
    private volatile SocketChannel client;

    UnixSocketServer(Path path) throws IOException {
        this.path = path;
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new IOException(path + " exists and is not a socket");
            }
            Files.delete(path); // a stale socket from an earlier run
        }
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
    }

    /** Runs on the input thread: waits for a client when none is connected. */
    @Override
    public int read(byte[] buffer) throws IOException {
        SocketChannel c = client;
        if (c == null) {
            c = server.accept();
            client = c;
        }
        int n;
        try {
            n = c.read(ByteBuffer.wrap(buffer));
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            client = null;
            c.close();
            return 0;
        }
        return n;
    }

    @Override
    public void write(byte[] buffer, int length) throws IOException {
        SocketChannel c = client;
        if (c == null) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(buffer, 0, length);
        try {
            while (b.hasRemaining()) {
                c.write(b);
            }
        } catch (IOException e) {
            // The client went away; output is discarded until the next one connects.
        }
    }

    @Override
    public void close() throws IOException {
        SocketChannel c = client;
        if (c != null) {
            c.close();
        }
        server.close();
        Files.deleteIfExists(path);
    }
}
