package io.jqvm.virtio.net;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Unix stream sockets for the socket-based backends. */
final class UnixSockets {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private UnixSockets() {
    }

    /**
     * Listens on {@code path}. A socket file already there is replaced when nobody listens on it any more (a
     * killed process leaves its file behind); a live listener, or a file that is not a socket, is an error.
     */
    static ServerSocketChannel listenReplacingStale(Path path) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            int mode = (int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new IOException(path + " exists and is not a socket; refusing to replace it");
            }
            SocketChannel live = tryConnect(path);
            if (live != null) {
                closeQuietly(live);
                throw new IOException("another process is listening on " + path);
            }
            Files.delete(path);
        }
        Path dir = path.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IOException("cannot listen on " + path + ": directory " + dir + " does not exist");
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            return server;
        } catch (IOException e) {
            closeQuietly(server);
            throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
    }

    /** A connection to the listener at {@code path}, or null when there is none (yet). */
    static SocketChannel tryConnect(Path path) {
        try {
            return SocketChannel.open(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            return null;
        }
    }

    static void closeQuietly(Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing releases the descriptor even when the kernel reports an error
        }
    }
}
