package io.jqvm.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.HostPrerequisite;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The passt backend against the real passt: it answers ARP for the addresses beyond the guest. */
class PasstBackendTest {
    static final MacAddress MAC = MacAddress.of(0x525400aabb02L);
    /** An address from TEST-NET-3: never the guest's own, which passt does not answer for. */
    static final byte[] ASKED = {(byte) 203, 0, 113, 77};
    static final byte[] GUEST = {(byte) 203, 0, 113, 78};

    @TempDir
    Path dir;

    static void requirePasst() {
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "passt")));
        HostPrerequisite.require("passt (apt-get install passt)", found ? null : "no passt on PATH");
    }

    static byte[] arpRequest() {
        ByteBuffer f = ByteBuffer.allocate(42);
        f.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(MAC.bytes()).putShort((short) 0x0806);
        f.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        f.put(MAC.bytes()).put(GUEST).put(new byte[6]).put(ASKED);
        return f.array();
    }

    static void expectArpReply(GuestNic nic) throws InterruptedException {
        nic.send(arpRequest());
        byte[] reply = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reply == null && System.nanoTime() < deadline) {
            byte[] f = nic.receive(1);
            if (f != null && f.length >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2) {
                reply = f;
            }
        }
        assertNotNull(reply, "an ARP reply from passt");
        assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(reply, 0, 6));
        assertArrayEquals(ASKED, Arrays.copyOfRange(reply, 28, 32));
    }

    @Test
    void jqvmStartsItsOwnPasstAndStopsItWithTheDevice() throws Exception {
        requirePasst();
        Set<ProcessHandle> before = ProcessHandle.current().children().collect(Collectors.toSet());
        Optional<ProcessHandle> passt;
        try (GuestNic nic = new GuestNic("passt", MAC, PasstBackend.launch())) {
            assertTrue(nic.linkUp());
            passt = ProcessHandle.current().children().filter(p -> !before.contains(p)).findFirst();
            assertTrue(passt.isPresent(), "passt runs as a child of the VM");
            expectArpReply(nic);
        }
        assertFalse(passt.get().isAlive(), "closing the device ended passt");
    }

    @Test
    void connectsToARunningPasstAndLosesTheLinkWhenItEnds() throws Exception {
        requirePasst();
        Path socket = dir.resolve("passt.sock");
        if ("root".equals(System.getProperty("user.name"))) {
            Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        }
        Process passt = new ProcessBuilder("passt", "--foreground", "--quiet", "--socket", socket.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(socket) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            try (GuestNic nic = new GuestNic("passt", MAC, PasstBackend.connect(socket))) {
                expectArpReply(nic);
                passt.destroy();
                GuestNic.awaitLink(nic, false);
                assertTrue(nic.transport.configChanges() >= 1);
            }
        } finally {
            passt.destroyForcibly().waitFor();
        }
    }

    @Test
    void aSocketNobodyListensOnIsAPreciseError() {
        IOException e = assertThrows(IOException.class, () -> PasstBackend.connect(dir.resolve("none.sock")));
        assertEquals("passt socket " + dir.resolve("none.sock") + " does not exist (start passt first, or write 'passt' "
                + "alone to have jqvm start one)", e.getMessage());
    }
}
