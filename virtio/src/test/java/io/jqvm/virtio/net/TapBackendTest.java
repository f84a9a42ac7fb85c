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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The TAP backend against the host kernel, inside a network namespace the test makes: the interface is created
 * in this namespace, attached, moved into the private one and given an address there, so nothing outside the
 * test's namespace sees a packet.
 */
class TapBackendTest {
    static final MacAddress MAC = MacAddress.of(0x525400aabb01L);
    static final byte[] HOST_IP = {10, (byte) 213, 0, 1};
    static final byte[] GUEST_IP = {10, (byte) 213, 0, 2};
    static final long CSUM_OFFLOADS = VirtioNet.F_CSUM | VirtioNet.F_GUEST_CSUM;

    interface NamespaceTest {
        void run(GuestNic nic, String ns, String tap) throws Exception;
    }

    static Command.Result run(String... command) throws IOException, InterruptedException {
        Command.Result r = Command.run(List.of(command), Path.of("."), Duration.ofSeconds(20));
        if (r.exitStatus() != 0) {
            throw new IOException(String.join(" ", command) + ": " + r.stderr().strip());
        }
        return r;
    }

    static Command.Result ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        return run(command.toArray(String[]::new));
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
            run("socat", "-V");
            return null;
        } catch (IOException | InterruptedException e) {
            return "ip or socat does not work: " + e.getMessage();
        }
    }

    /** Runs {@code test} with a device on a TAP interface that lives, with address 10.213.0.1/24, in a fresh namespace. */
    static void inNamespace(long features, NamespaceTest test) throws Exception {
        HostPrerequisite.require("root, /dev/net/tun, network namespaces and socat", unavailable());
        long pid = ProcessHandle.current().pid();
        String ns = "jqvm-net-" + pid;
        String tap = "jqt" + pid;
        ip("netns", "add", ns);
        try {
            ip("tuntap", "add", tap, "mode", "tap");
            try (GuestNic nic = new GuestNic("tap", MAC, TapBackend.open(tap), features)) {
                ip("link", "set", tap, "netns", ns);
                ip("-n", ns, "addr", "add", "10.213.0.1/24", "dev", tap);
                ip("-n", ns, "link", "set", tap, "up");
                test.run(nic, ns, tap);
            }
        } finally {
            Command.run(List.of("ip", "-n", ns, "link", "del", tap), Path.of("."), Duration.ofSeconds(10));
            Command.run(List.of("ip", "link", "del", tap), Path.of("."), Duration.ofSeconds(10));
            ip("netns", "del", ns);
        }
    }

    static byte[] arpRequest() {
        ByteBuffer f = ByteBuffer.allocate(42);
        f.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(MAC.bytes()).putShort((short) 0x0806);
        f.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        f.put(MAC.bytes()).put(GUEST_IP).put(new byte[6]).put(HOST_IP);
        return f.array();
    }

    /** Frames received within a few seconds until one satisfies {@code wanted} (skipping IPv6 chatter and such). */
    static byte[] awaitFrame(GuestNic nic, java.util.function.Predicate<byte[]> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            byte[] f = nic.receiveWithHeader(1);
            if (f != null && wanted.test(f)) {
                return f;
            }
        }
        return null;
    }

    static int sum16(byte[] data, int from, int to, int sum) {
        for (int i = from; i < to; i += 2) {
            sum += (data[i] & 0xff) << 8 | (i + 1 < to ? data[i + 1] & 0xff : 0);
        }
        return sum;
    }

    static int fold(int sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum;
    }

    /** An Ethernet/IPv4/UDP frame to the namespace with only the pseudo-header in its checksum, as Linux leaves it for offload. */
    static byte[] udpWithPartialChecksum(byte[] toMac, int port, byte[] payload) {
        int udpLength = 8 + payload.length;
        ByteBuffer f = ByteBuffer.allocate(14 + 20 + udpLength);
        f.put(toMac).put(MAC.bytes()).putShort((short) 0x0800);
        f.put((byte) 0x45).put((byte) 0).putShort((short) (20 + udpLength)).putInt(0).put((byte) 64).put((byte) 17)
                .putShort((short) 0).put(GUEST_IP).put(HOST_IP);
        byte[] bytes = f.array();
        int ipSum = ~fold(sum16(bytes, 14, 34, 0)) & 0xffff;
        f.putShort(24, (short) ipSum);
        f.putShort(34, (short) 40000).putShort(36, (short) port).putShort(38, (short) udpLength).putShort(40, (short) 0);
        f.put(42, payload);
        int pseudo = fold(sum16(GUEST_IP, 0, 4, sum16(HOST_IP, 0, 4, 17 + udpLength)));
        f.putShort(40, (short) pseudo);
        return f.array();
    }

    @Test
    void framesReachTheNamespaceAndItsArpReplyComesBack() throws Exception {
        inNamespace(0, (nic, ns, tap) -> {
            assertTrue(nic.linkUp());
            nic.send(arpRequest());
            byte[] reply = awaitFrame(nic, f -> f.length >= 12 + 42 && f[12 + 12] == 0x08 && f[12 + 13] == 0x06 && f[12 + 21] == 2);
            assertNotNull(reply, "an ARP reply from " + ns);
            reply = Arrays.copyOfRange(reply, 12, reply.length);
            assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(reply, 0, 6), "addressed to the device");
            assertArrayEquals(HOST_IP, Arrays.copyOfRange(reply, 28, 32), "from the namespace's address");
            assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(reply, 32, 38), "answering our request");
            String received = run("ip", "netns", "exec", ns, "cat", "/sys/class/net/" + tap + "/statistics/rx_packets").stdout().strip();
            assertTrue(Long.parseLong(received) >= 1, "the kernel counted the frame we sent: " + received);
            VirtioNetTest.await(() -> nic.net.counters().txFrames() >= 1, "the frame counted as sent");
        });
    }

    @Test
    void theHostKernelCompletesTheChecksumOfAnOffloadedTransmit() throws Exception {
        inNamespace(CSUM_OFFLOADS, (nic, ns, tap) -> {
            byte[] tapMac = HexFormat.ofDelimiter(":").parseHex(
                    run("ip", "netns", "exec", ns, "cat", "/sys/class/net/" + tap + "/address").stdout().strip());
            CompletableFuture<Command.Result> listener = CompletableFuture.supplyAsync(() -> {
                try {
                    return Command.run(List.of("ip", "netns", "exec", ns, "socat", "-u", "UDP-RECV:9999", "STDOUT"),
                            Path.of("."), Duration.ofSeconds(8));
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500); // socat binds its port
            byte[] header = {1, 0, 0, 0, 0, 0, 34, 0, 6, 0, 0, 0}; // NEEDS_CSUM from byte 34, stored at +6
            byte[] payload = "checksummed by the host".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 5 && !listener.isDone(); i++) { // a datagram sent before socat listens is lost
                nic.send(header, udpWithPartialChecksum(tapMac, 9999, payload));
                Thread.sleep(200);
            }
            assertTrue(listener.get().stdout().startsWith("checksummed by the host"),
                    "the namespace received the datagram, so its checksum was completed: " + listener.get().describe());
        });
    }

    @Test
    void aGuestAcceptingPartialChecksumsGetsTheKernelsRequestForOne() throws Exception {
        inNamespace(CSUM_OFFLOADS, (nic, ns, tap) -> {
            ip("-n", ns, "neigh", "add", "10.213.0.2", "lladdr", MAC.toString(), "dev", tap);
            run("ip", "netns", "exec", ns, "sh", "-c", "echo offloaded | socat -u STDIN UDP-SENDTO:10.213.0.2:7777");
            byte[] frame = awaitFrame(nic, f -> f.length > 12 + 42 && f[12 + 12] == 0x08 && f[12 + 13] == 0x00 && f[12 + 23] == 17);
            assertNotNull(frame, "the UDP datagram from " + ns);
            assertEquals(1, frame[0] & 1, "VIRTIO_NET_HDR_F_NEEDS_CSUM");
            assertEquals(34, (frame[6] & 0xff) | (frame[7] & 0xff) << 8, "csum_start: the UDP header");
            assertEquals(6, (frame[8] & 0xff) | (frame[9] & 0xff) << 8, "csum_offset: the UDP checksum field");
        });
    }

    @Test
    void deletingTheInterfaceTakesTheLinkDown() throws Exception {
        inNamespace(0, (nic, ns, tap) -> {
            ip("-n", ns, "link", "del", tap);
            GuestNic.awaitLink(nic, false);
            assertTrue(nic.transport.configChanges() >= 1);
            nic.send(arpRequest());
            VirtioNetTest.await(() -> nic.net.counters().txDropped() == 1, "the frame sent without a link to be dropped");
        });
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
