package io.jqvm.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.HostPrerequisite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The TAP backend against the host kernel, inside a network namespace the test makes: the interface is created
 * in this namespace, attached, moved into the private one and given an address there, so nothing outside the
 * test's namespace sees a packet.
 */
class TapBackendTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:aa:bb:01");
    static final byte[] HOST_IP = {10, (byte) 213, 0, 1};
    static final byte[] GUEST_IP = {10, (byte) 213, 0, 2};

    static Command.Result ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Command.Result r = Command.run(command, Path.of("."), Duration.ofSeconds(20));
        if (r.exitStatus() != 0) {
            throw new IOException(String.join(" ", command) + ": " + r.stderr().strip());
        }
        return r;
    }

    static String unavailable() {
        if (!Files.isWritable(Path.of("/dev/net/tun"))) {
            return "/dev/net/tun is missing or not writable";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "creating TAP interfaces and network namespaces needs root";
        }
        try {
            ip("netns", "list");
            return null;
        } catch (IOException | InterruptedException e) {
            return "the ip command does not work: " + e.getMessage();
        }
    }

    static byte[] arpRequest() {
        ByteBuffer f = ByteBuffer.allocate(42);
        f.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(MAC.bytes()).putShort((short) 0x0806);
        f.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        f.put(MAC.bytes()).put(GUEST_IP).put(new byte[6]).put(HOST_IP);
        return f.array();
    }

    @Test
    void framesReachTheNamespaceAndItsArpReplyComesBack() throws Exception {
        HostPrerequisite.require("root, /dev/net/tun and network namespaces", unavailable());
        long pid = ProcessHandle.current().pid();
        String ns = "jqvm-net-" + pid;
        String tap = "jqt" + pid;
        ip("netns", "add", ns);
        try {
            ip("tuntap", "add", tap, "mode", "tap");
            try (GuestNic nic = new GuestNic("tap", MAC, TapBackend.open(tap))) {
                ip("link", "set", tap, "netns", ns);
                ip("-n", ns, "addr", "add", "10.213.0.1/24", "dev", tap);
                ip("-n", ns, "link", "set", tap, "up");
                assertTrue(nic.linkUp());

                nic.send(arpRequest());
                byte[] reply = null;
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (reply == null && System.nanoTime() < deadline) {
                    byte[] f = nic.receive(1);
                    if (f != null && f.length >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2) {
                        reply = f; // skips the namespace's IPv6 router solicitations and the like
                    }
                }
                assertNotNull(reply, "an ARP reply from " + ns);
                assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(reply, 0, 6), "addressed to the device");
                assertArrayEquals(HOST_IP, Arrays.copyOfRange(reply, 28, 32), "from the namespace's address");
                assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(reply, 32, 38), "answering our request");
                String received = Command.run(List.of("ip", "netns", "exec", ns, "cat",
                        "/sys/class/net/" + tap + "/statistics/rx_packets"), Path.of("."), Duration.ofSeconds(10)).stdout().strip();
                assertTrue(Long.parseLong(received) >= 1, "the kernel counted the frame we sent: " + received);
                assertTrue(nic.net.counters().txFrames() >= 1);
            }
        } finally {
            Command.run(List.of("ip", "-n", ns, "link", "del", tap), Path.of("."), Duration.ofSeconds(10));
            Command.run(List.of("ip", "link", "del", tap), Path.of("."), Duration.ofSeconds(10));
            ip("netns", "del", ns);
        }
    }

    @Test
    void aMissingInterfaceOrOneThatIsNotATapIsAPreciseError() {
        IOException e = assertThrows(IOException.class, () -> TapBackend.open("jqnosuch0"));
        assertEquals("there is no network interface 'jqnosuch0' (create it first: ip tuntap add jqnosuch0 mode tap)", e.getMessage());
        e = assertThrows(IOException.class, () -> TapBackend.open("lo"));
        assertEquals("network interface 'lo' is not a TAP interface", e.getMessage());
        e = assertThrows(IOException.class, () -> TapBackend.open("a-name-far-too-long"));
        assertTrue(e.getMessage().contains("is not an interface name"), e.getMessage());
        e = assertThrows(IOException.class, () -> TapBackend.open("../x"));
        assertTrue(e.getMessage().contains("is not an interface name"), e.getMessage());
    }
}
