package io.jqvm.virtio.vsock;

import io.jqvm.common.Log;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The host side's addresses in Firecracker's convention (its {@code docs/vsock.md}): the device listens on
 * the main socket {@code PATH}, where a host program connects and asks for a guest port with
 * {@code CONNECT <port>\n}; a guest connecting to the host's port P reaches the Unix socket {@code PATH_P}.
 * This class owns the main socket and the clients that have not finished their request line; the device
 * takes a client over once it has.
 */
final class HostListener implements AutoCloseable {
    /** Longest request line accepted: "CONNECT 4294967295\n" is 19 bytes. */
    static final int MAX_LINE = 32;

    /** What the device does with complete requests. */
    interface Requests {
        /** Whether the device has room for another connection. */
        boolean full();

        /** A client asked for guest port {@code port}; the device now owns its channel and selection key. */
        void connect(SelectionKey key, SocketChannel channel, int port);
    }

    /** A host program that has not finished its request line. */
    private static final class Client {
        final SocketChannel channel;
        final byte[] line = new byte[MAX_LINE];
        int length;

        Client(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final List<Client> clients = new ArrayList<>();

    private HostListener(Path path, ServerSocketChannel server) {
        this.path = path;
        this.server = server;
    }

    /** Binds the main socket at {@code path} and registers it with {@code selector}; see {@link #bind}. */
    static HostListener open(Path path, Selector selector) throws IOException {
        ServerSocketChannel server = bind(path);
        HostListener listener = new HostListener(path, server);
        try {
            server.register(selector, SelectionKey.OP_ACCEPT, listener);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        return listener;
    }

    /** Clients still writing their request line. */
    int handshakes() {
        return clients.size();
    }

    /** Whether {@code key} is the main socket's or one of its clients'. */
    boolean owns(SelectionKey key) {
        return key.attachment() == this || key.attachment() instanceof Client;
    }

    /** Accepts new clients, or reads a client's request line; hands complete requests to {@code requests}. */
    void ready(SelectionKey key, Requests requests) {
        if (key.attachment() == this) {
            accept(key.selector(), requests);
        } else if (key.attachment() instanceof Client client) {
            readRequestLine(key, client, requests);
        }
    }

    private void accept(Selector selector, Requests requests) {
        while (true) {
            try {
                SocketChannel channel = server.accept();
                if (channel == null) {
                    return;
                }
                if (requests.full()) {
                    Log.warn("virtio-vsock " + path + ": too many connections open, refusing another");
                    channel.close();
                    continue;
                }
                channel.configureBlocking(false);
                Client client = new Client(channel);
                channel.register(selector, SelectionKey.OP_READ, client);
                clients.add(client);
            } catch (IOException e) {
                Log.warn("virtio-vsock " + path + ": accepting: " + e.getMessage());
                return;
            }
        }
    }

    /** Reads the request line a byte at a time, so no byte of the stream after it is taken early. */
    private void readRequestLine(SelectionKey key, Client client, Requests requests) {
        ByteBuffer one = ByteBuffer.allocate(1);
        try {
            while (true) {
                one.clear();
                int n = client.channel.read(one);
                if (n == 0) {
                    return;
                }
                byte b = one.get(0);
                if (n < 0 || (b != '\n' && client.length == client.line.length)) {
                    drop(client);
                    return;
                }
                if (b == '\n') {
                    break;
                }
                client.line[client.length++] = b;
            }
        } catch (IOException e) {
            drop(client);
            return;
        }
        long port = requestedPort(client.line, client.length);
        if (port < 0) {
            Log.debug(() -> "virtio-vsock " + path + ": a host client sent something other than CONNECT <port>");
            drop(client);
            return;
        }
        clients.remove(client);
        requests.connect(key, client.channel, (int) port);
    }

    private void drop(Client client) {
        clients.remove(client);
        try {
            client.channel.close();
        } catch (IOException e) {
            // a client we are abandoning: nothing to recover
        }
    }

    /** Closes the clients that have not finished their request. */
    void dropHandshakes() {
        for (Client c : List.copyOf(clients)) {
            drop(c);
        }
    }

    /** Closes the main socket and its unfinished clients, and removes the socket file. */
    @Override
    public void close() throws IOException {
        dropHandshakes();
        server.close();
        Files.deleteIfExists(path);
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
