package io.jqvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.VmmException;
import io.jqvm.vmm.VmListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server on a real Unix socket: where it listens, what it answers with no VM, and its clean-up. */
class ApiServerTest {
    private static final Duration START = Duration.ofSeconds(60);

    private static String request(Path socket, String request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (channel.read(buffer) >= 0) {
                in.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            return in.toString(StandardCharsets.UTF_8);
        }
    }

    private static void awaitSocket(Path socket) throws InterruptedException {
        long deadline = System.nanoTime() + START.toNanos();
        while (!Files.exists(socket) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(socket), socket + " did not appear");
    }

    @Test
    void listensInTheRuntimeDirectoryAndRemovesItsSocket(@TempDir Path runtime) throws Exception {
        ApiServer server = new ApiServer(Optional.empty());
        server.claimed(runtime);
        Path socket = runtime.resolve(ApiServer.SOCKET_NAME);
        assertEquals(Optional.of(socket), server.socket());
        assertFalse(Files.exists(socket), "the server waits for the guest to start");
        // A run starts the server and ends, as at a reset: between runs there is no VM to answer for.
        VmListener.Run run = new VmListener.Run(null, null, null);
        server.started(run);
        server.ended(run);
        awaitSocket(socket);
        String reply = request(socket, "GET /vm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(reply.startsWith("HTTP/1.1 503 "), reply);
        assertTrue(reply.contains("\"error\":\"no VM is running right now"), reply);
        String big = request(socket, "PUT /vm/state HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 100000\r\n\r\n");
        assertTrue(big.startsWith("HTTP/1.1 413 "), big);
        server.finished();
        assertFalse(Files.exists(socket));
    }

    @Test
    void anExplicitPathMustBeFree(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertTrue(assertThrows(VmmException.class, () -> new ApiServer(Optional.of(file))).getMessage()
                .endsWith("exists and is not a socket"));
        assertTrue(assertThrows(VmmException.class, () -> new ApiServer(Optional.of(dir.resolve("none/api.sock"))))
                .getMessage().contains("no directory"));
        assertTrue(assertThrows(VmmException.class, () -> new ApiServer(Optional.of(dir.resolve("x".repeat(120)))))
                .getMessage().contains("longer than a Unix socket path may be"));
        Path live = dir.resolve("live.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(live));
            assertTrue(assertThrows(VmmException.class, () -> new ApiServer(Optional.of(live))).getMessage()
                    .endsWith("another process listens on it"));
        }
        // The listener is gone and its socket file stays: a killed VM's, taken over.
        assertTrue(Files.exists(live));
        ApiServer server = new ApiServer(Optional.of(live));
        assertFalse(Files.exists(live));
        server.claimed(dir.resolve("unused-runtime-dir"));
        server.started(new VmListener.Run(null, null, null));
        awaitSocket(live);
        server.finished();
        assertFalse(Files.exists(live));
    }
}
