package io.jqvm.devices.chardev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jqvm.device.CharBackend;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostDevsTest {
    @TempDir
    Path dir;

    private static void send(CharBackend backend, String s) {
        for (byte b : s.getBytes(StandardCharsets.US_ASCII)) {
            backend.write(b);
        }
    }

    /** Reads {@code n} bytes of input, waiting for the reader thread, as a device would on onInput. */
    private static String receive(CharBackend backend, int n) throws InterruptedException {
        StringBuilder sb = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sb.length() < n && System.nanoTime() < deadline) {
            int b = backend.read();
            if (b < 0) {
                Thread.sleep(5);
            } else {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    @Test
    void outputFileIsCreatedOrTruncated() throws IOException {
        Path out = dir.resolve("console.log");
        Files.writeString(out, "old content that must go");
        try (CharBackend backend = HostDevs.open(">" + out)) {
            send(backend, "hello\n");
        }
        assertEquals("hello\n", Files.readString(out));
    }

    @Test
    void inputFileWakesTheDeviceAndEnds() throws Exception {
        Path in = dir.resolve("input.txt");
        Files.writeString(in, "typed");
        CountDownLatch woken = new CountDownLatch(1);
        try (CharBackend backend = HostDevs.open("<" + in)) {
            backend.onInput(woken::countDown);
            assertTrue(woken.await(10, TimeUnit.SECONDS));
            assertEquals("typed", receive(backend, 5));
            assertEquals(-1, backend.read());
            send(backend, "ignored: no output configured");
        }
    }

    @Test
    void inputAndOutputCombine() throws Exception {
        Path in = dir.resolve("in");
        Path out = dir.resolve("out");
        Files.writeString(in, "ab");
        try (CharBackend backend = HostDevs.open(List.of("<" + in, ">" + out))) {
            assertEquals("ab", receive(backend, 2));
            send(backend, "xy");
        }
        assertEquals("xy", Files.readString(out));
    }

    @Test
    void pipedCommandReceivesOutput() throws IOException {
        Path out = dir.resolve("piped");
        try (CharBackend backend = HostDevs.open(">|cat > '" + out + "'")) {
            send(backend, "through a pipe");
        }
        assertEquals("through a pipe", Files.readString(out));
    }

    @Test
    void errorsNameTheSpecAndCause() {
        Path missing = dir.resolve("no/such/dir/log");
        assertEquals("hostdev >" + missing + ": cannot open " + missing + ": no such file or directory",
                assertThrows(HostDevException.class, () -> HostDevs.open(">" + missing)).getMessage());
        assertEquals("hostdev <" + missing + ": cannot open " + missing + ": no such file or directory",
                assertThrows(HostDevException.class, () -> HostDevs.open("<" + missing)).getMessage());
        assertEquals("hostdev >: no path given", assertThrows(HostDevException.class, () -> HostDevs.open(">")).getMessage());
        assertEquals("hostdev >|: no command after >|",
                assertThrows(HostDevException.class, () -> HostDevs.open(">|")).getMessage());
        Path file = dir.resolve("not-a-socket");
        assertTrue(assertThrows(HostDevException.class, () -> {
            Files.writeString(file, "x");
            HostDevs.open("unix:" + file);
        }).getMessage().endsWith("exists and is not a socket"));
    }

    @Test
    void twoInputsAreRefused() throws IOException {
        Path a = Files.writeString(dir.resolve("a"), "");
        Path b = Files.writeString(dir.resolve("b"), "");
        HostDevException e = assertThrows(HostDevException.class, () -> HostDevs.open(List.of("<" + a, "<" + b)));
        assertEquals("hostdev <" + b + ": a second input; <" + a + " already provides input", e.getMessage());
    }

    @Test
    void readWriteFileServesBothDirections() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mk.waitFor() == 0, "mkfifo available");
        try (CharBackend backend = HostDevs.open(fifo.toString())) {
            send(backend, "loop");
            assertEquals("loop", receive(backend, 4), "a FIFO opened for both reads back what was written");
        }
    }

    @Test
    void unixSocketServesOneClient() throws Exception {
        Path socket = dir.resolve("console.sock");
        try (CharBackend backend = HostDevs.open("unix:" + socket);
             SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(UnixDomainSocketAddress.of(socket));
            client.write(ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("hi", receive(backend, 2));
            send(backend, "ok");
            ByteBuffer got = ByteBuffer.allocate(2);
            while (got.hasRemaining()) {
                client.read(got);
            }
            assertEquals("ok", new String(got.array(), StandardCharsets.US_ASCII));
        }
        assertTrue(Files.notExists(socket), "socket file removed on close");
    }

    @Test
    void ptyCarriesBytesBothWaysInRawMode() throws Exception {
        assumeTrue(Files.isWritable(Path.of("/dev/ptmx")), "/dev/ptmx available");
        Pty pty = new Pty();
        try (FileChannel slave = FileChannel.open(Path.of(pty.slavePath()), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            pty.write("out\n".getBytes(StandardCharsets.US_ASCII), 4);
            ByteBuffer got = ByteBuffer.allocate(4);
            while (got.hasRemaining()) {
                slave.read(got);
            }
            assertEquals("out\n", new String(got.array(), StandardCharsets.US_ASCII), "no CR added: raw output");
            slave.write(ByteBuffer.wrap("in\r".getBytes(StandardCharsets.US_ASCII)));
            StringBuilder in = new StringBuilder();
            byte[] chunk = new byte[16];
            while (in.length() < 3) {
                int r = pty.read(chunk);
                in.append(new String(chunk, 0, Math.max(r, 0), StandardCharsets.US_ASCII));
            }
            assertEquals("in\r", in.toString(), "no line buffering, no CR translation");
        } finally {
            pty.close();
        }
    }

    @Test
    void stalledOutputDropsInsteadOfBlocking() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Endpoint.Sink stuck = new Endpoint.Sink() {
            @Override
            public void write(byte[] buffer, int length) throws IOException {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }

            @Override
            public void close() {
            }
        };
        OutputPump pump = new OutputPump("stuck", stuck);
        pump.start();
        long start = System.nanoTime();
        for (int i = 0; i < 3 * OutputPump.CAPACITY; i++) {
            pump.put(i);
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "vCPU side never blocks");
        assertTrue(pump.dropped() >= OutputPump.CAPACITY);
        release.countDown();
        pump.close();
    }
}
