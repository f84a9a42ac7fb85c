package io.jqvm.mediator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.Log;
import io.jqvm.host.UnixSocket;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jqvm mediator}'s refusals before it serves anything: each one line, with qvm's statuses. */
class MediatorCommandTest {
    @TempDir
    Path dir;

    private record Result(int status, String stderr) {
    }

    private static synchronized Result run(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        Log.reset(); // the log writes to the System.err of its configuration
        try {
            return new Result(MediatorCommand.run(List.of(args)), captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
            Log.reset();
        }
    }

    @Test
    void aMissingImageIsAConfigurationErrorAtItsDisk() throws Exception {
        Path conf = dir.resolve("m.conf");
        Files.writeString(conf, "disk d file " + dir.resolve("nope.img") + "\nclient a on d socket " + dir.resolve("a.sock") + "\n");
        Result r = run("@" + conf);
        assertEquals(65, r.status());
        assertEquals(conf + ":1:1: disk image " + dir.resolve("nope.img") + " does not exist", r.stderr().strip());
    }

    @Test
    void aSocketInAMissingDirectoryIsFatalBeforeStart() throws Exception {
        Files.write(dir.resolve("d.img"), new byte[512]);
        Result r = run("disk", "d", "file", dir.resolve("d.img").toString(), "client", "a", "on", "d", "socket",
                dir.resolve("no/such/dir/a.sock").toString());
        assertEquals(64, r.status(), r.stderr());
        assertTrue(r.stderr().contains("client a: cannot listen on " + dir.resolve("no/such/dir/a.sock")), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    @Test
    void aSocketAnotherProcessListensOnIsRefusedAndAStaleOneReplaced() throws Exception {
        Files.write(dir.resolve("d.img"), new byte[512]);
        Path socket = dir.resolve("a.sock");
        try (UnixSocket live = UnixSocket.listen(socket)) {
            Result r = run("disk", "d", "file", dir.resolve("d.img").toString(), "client", "a", "on", "d", "socket",
                    socket.toString());
            assertEquals(64, r.status(), r.stderr());
            assertTrue(r.stderr().contains("another process is listening on " + socket), r.stderr());
        }
        // the listener is gone but its file stays, as after a kill -9: the mediator takes the path over
        assertTrue(Files.exists(socket));
        MediatorConfig c = MediatorConfig.parse(List.of("disk", "d", "file", dir.resolve("d.img").toString(), "client",
                "a", "on", "d", "socket", socket.toString()), dir);
        try (Mediator m = new Mediator(c, dir.resolve("run"))) {
            m.start();
            try (UnixSocket s = UnixSocket.connect(socket)) {
                assertTrue(s.fd() >= 0);
            }
        }
    }

    @Test
    void aBadWordIsOneLineWithItsPlace() {
        Result r = run("disk", "d", "file", "x.img", "client", "a", "on", "d", "socket", "a.sock", "prio", "3");
        assertEquals(65, r.status());
        assertTrue(r.stderr().strip().startsWith("<command line>:1:11: unknown option \"prio\""), r.stderr());
    }
}
