package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import io.jqvm.testkit.HostPrerequisite;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * virtio-net through passt (user-mode networking, no root, no host interface): the guest takes its address and
 * gateway from passt's DHCP (busybox {@code udhcpc}), and reaches an HTTP server the test runs on the host's
 * 127.0.0.1 through the gateway address, which passt maps to the host's loopback. Data both ways: the guest
 * POSTs 256 KiB of random data in hex (busybox wget posts text only), to which the server answers with the SHA-256 it computed (it must equal the guest's
 * {@code sha256sum}), and downloads 1 MiB the server made up (the guest's checksum must equal the host's).
 * HTTP with lengths rather than a raw {@code nc}: this passt (Debian 12's, 2023-03) never forwards a reply that
 * follows the guest's half-close (FIN), under QEMU as under jqvm. Under QEMU ({@code -netdev stream} to a passt
 * the test starts) as the oracle, under jqvm connecting to that passt ({@code passt PATH}) and under jqvm
 * starting its own ({@code passt}).
 */
class PasstTest {
    /** Who runs the guest and who starts passt. */
    enum Setup {
        QEMU_CONNECTS(Vmm.QEMU, true), JQVM_CONNECTS(Vmm.JQVM, true), JQVM_STARTS(Vmm.JQVM, false);

        final Vmm vmm;
        final boolean testStartsPasst;

        Setup(Vmm vmm, boolean testStartsPasst) {
            this.vmm = vmm;
            this.testStartsPasst = testStartsPasst;
        }
    }

    /** A udhcpc script that applies the lease and remembers the gateway (the initramfs has none of its own). */
    private static final String DHCP_SCRIPT = "printf '#!/bin/sh\\n[ \"$1\" = bound ] || exit 0\\n"
            + "ip addr add $ip/$mask dev $interface && ip route add default via $router && echo $router > /tmp/router\\n'"
            + " > /tmp/dhcp.sh && chmod +x /tmp/dhcp.sh";
    private static final int BYTES = 1 << 20;

    @ParameterizedTest
    @EnumSource(Setup.class)
    void guestExchangesDataWithAHostLoopbackServer(Setup setup, @TempDir Path dir) throws Exception {
        boolean installed = Arrays.stream(System.getenv("PATH").split(File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "passt")));
        HostPrerequisite.require("passt (apt-get install passt)", installed ? null : "no passt on PATH");
        byte[] download = new byte[BYTES];
        new Random(7).nextBytes(download);
        CompletableFuture<String> uploaded = new CompletableFuture<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/upload", exchange -> {
            String hex = sha256(exchange.getRequestBody().readAllBytes());
            uploaded.complete(hex);
            respond(exchange, (hex + "\n").getBytes(StandardCharsets.US_ASCII));
        });
        server.createContext("/download", exchange -> respond(exchange, download));
        server.start();
        Process passt = null;
        Path socket = null;
        try {
            if (setup.testStartsPasst) {
                // As root, passt becomes "nobody" before it binds its socket: it needs to reach and write the
                // directory (@TempDir is the owner's alone).
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
                Path passtDir = Files.createDirectory(dir.resolve("passt"));
                Files.setPosixFilePermissions(passtDir, PosixFilePermissions.fromString("rwxrwxrwx"));
                socket = passtDir.resolve("passt.sock");
                // not --one-off: jqvm's dry run connects once before the VM does
                passt = new ProcessBuilder("passt", "--foreground", "--socket", socket.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("passt.log").toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
                for (int i = 0; i < 200 && !Files.exists(socket) && passt.isAlive(); i++) {
                    Thread.sleep(50);
                }
                assertTrue(Files.exists(socket), () -> "passt made no socket: " + read(dir.resolve("passt.log")));
            }
            try (Console console = LinuxVm.under(setup.vmm).with(new GuestDevice.Passt(socket)).boot(dir)) {
                GuestShell sh = new GuestShell(console);
                sh.ok(DHCP_SCRIPT);
                sh.ok("ip link set eth0 up && udhcpc -i eth0 -n -q -t 10 -s /tmp/dhcp.sh && test -s /tmp/router");
                String url = "http://$(cat /tmp/router):" + server.getAddress().getPort();
                // text (busybox wget posts a file as a C string): 256 KiB of random bytes in hex, about 800 KB
                String sent = sh.ok("dd if=/dev/urandom bs=1k count=256 2>/dev/null | od -An -tx1 -v > /tmp/blob"
                        + " && sha256sum /tmp/blob")
                        .split("\\s+")[0];
                String answer = sh.ok("wget -q -O - --post-file /tmp/blob " + url + "/upload");
                assertEquals(sent, uploaded.get(10, TimeUnit.SECONDS), "the SHA-256 of what the host server received");
                assertEquals(sent, answer.strip(), "the host server's answer as the guest received it");
                String fetched = sh.ok("wget -q -O /tmp/download " + url + "/download && sha256sum /tmp/download")
                        .split("\\s+")[0];
                assertEquals(sha256(download), fetched, "the SHA-256 of what the guest downloaded");
            }
        } finally {
            server.stop(0);
            if (passt != null) {
                passt.destroyForcibly();
            }
        }
    }

    private static void respond(HttpExchange exchange, byte[] body) throws IOException {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
