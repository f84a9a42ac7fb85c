package io.jqvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CtlTest {
    @Test
    void commandsBecomeRequests() {
        assertEquals(new Ctl.Request("GET", "/vm", ""), Ctl.request(List.of("get")));
        assertEquals(new Ctl.Request("GET", "/metrics", ""), Ctl.request(List.of("metrics")));
        assertEquals(new Ctl.Request("GET", "/metrics?format=prometheus", ""), Ctl.request(List.of("metrics", "--prometheus")));
        for (String action : List.of("pause", "resume", "power-button", "reset", "power-cut", "dump")) {
            assertEquals(new Ctl.Request("PUT", "/vm/state", "{\"action\":\"" + action + "\"}"), Ctl.request(List.of(action)));
        }
        assertThrows(IllegalArgumentException.class, () -> Ctl.request(List.of()));
        assertThrows(IllegalArgumentException.class, () -> Ctl.request(List.of("fly")));
        assertThrows(IllegalArgumentException.class, () -> Ctl.request(List.of("pause", "now")));
    }

    @Test
    void readsPlainAndChunkedReplies() throws IOException {
        byte[] plain = "HTTP/1.1 409 Conflict\r\nContent-Length: 13\r\n\r\n{\"error\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(new Ctl.Reply(409, "{\"error\":\"x\"}"), Ctl.parse(plain));
        byte[] chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab\u00e9\r\n2;x=y\r\n}\n\r\n0\r\n\r\n"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals("ab\u00e9}\n", Ctl.parse(chunked).body(), "chunk sizes count bytes (\u00e9 is two), not characters");
        assertThrows(IOException.class, () -> Ctl.parse("SSH-2.0-x\r\n\r\n".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> Ctl.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
                .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void exitStatuses(@TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, Ctl.run(List.of("--help"), o, e));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("usage: jqvm ctl"));
        assertEquals(Ctl.USAGE, Ctl.run(List.of("--sock", dir.resolve("api.sock").toString(), "fly"), o, e));
        assertEquals(Ctl.UNAVAILABLE, Ctl.run(List.of("--sock", dir.resolve("api.sock").toString(), "get"), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no VM answers on " + dir.resolve("api.sock")), err.toString());
    }

    @Test
    void findsTheOnlyVm(@TempDir Path root) throws IOException {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> Ctl.onlySocket(root));
        assertTrue(none.getMessage().contains("no VM"), none.getMessage());
        Files.createDirectories(root.resolve("a"));
        Files.createFile(root.resolve("a/api.sock"));
        assertEquals(root.resolve("a/api.sock"), Ctl.onlySocket(root));
        Files.createDirectories(root.resolve("b"));
        Files.createFile(root.resolve("b/api.sock"));
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class, () -> Ctl.onlySocket(root));
        assertTrue(two.getMessage().contains("a, b"), two.getMessage());
    }
}
