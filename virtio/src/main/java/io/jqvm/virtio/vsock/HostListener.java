package io.jqvm.virtio.vsock;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The host side's addresses in Firecracker's convention (its {@code docs/vsock.md}): the device listens on
 * the main socket {@code PATH}, where a host program connects and asks for a guest port with
 * {@code CONNECT <port>\n}; a guest connecting to the host's port P reaches the Unix socket {@code PATH_P}.
 */
final class HostListener {
    /** Longest request line accepted: "CONNECT 4294967295\n" is 19 bytes. */
    static final int MAX_LINE = 32;

    private HostListener() {
    }

    /**
     * Binds the main socket. A socket file left by an earlier run that nobody answers is replaced; one that
     * answers, or any other file, is an error naming the path.
     */
    static ServerSocketChannel bind(Path path) throws IOException {
        UnixDomainSocketAddress address;
        try {
            address = UnixDomainSocketAddress.of(path);
        } catch (InvalidPathException e) {
            throw new IOException(path + ": not a valid socket path: " + e.getReason());
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                throw new IOException(path + " exists and is not a socket");
            }
            if (answers(address)) {
                throw new IOException(path + " is in use by another process");
            }
            Files.delete(path);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(address);
            server.configureBlocking(false);
            return server;
        } catch (IOException e) {
            server.close();
            throw new IOException(path + ": cannot listen: " + e.getMessage());
        }
    }

    private static boolean answers(UnixDomainSocketAddress address) {
        try (SocketChannel probe = SocketChannel.open(address)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The socket a guest connection to host port {@code port} is forwarded to. */
    static Path portPath(Path main, int port) {
        return Path.of(main + "_" + Integer.toUnsignedString(port));
    }

    /**
     * The guest port a complete request line asks for ({@code "CONNECT <decimal port>"}, without its newline),
     * or -1 when the line is anything else.
     */
    static long requestedPort(byte[] line, int length) {
        String text = new String(line, 0, length, StandardCharsets.US_ASCII);
        if (!text.startsWith("CONNECT ")) {
            return -1;
        }
        String digits = text.substring(8);
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        long port = Long.parseLong(digits);
        return port <= 0xffffffffL ? port : -1;
    }
}
