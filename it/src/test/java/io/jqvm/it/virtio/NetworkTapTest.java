package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import io.jqvm.testkit.Command;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * virtio-net on a host TAP device in a network namespace the test creates (so it needs root, and touches
 * no host interface): the host end is 10.0.2.1 in the namespace, the guest configures 10.0.2.15 on eth0,
 * pings the host, then sends 16 MiB of random data with busybox {@code nc} to a host {@code socat}; the
 * checksums on both sides must match. The same under QEMU ({@code -netdev tap}) and jqvm ({@code tapdev}).
 */
class NetworkTapTest {
    private static final String HOST_IP = "10.0.2.1";
    private static final int PORT = 5000;

    @ParameterizedTest
    @EnumSource(Vmm.class)
    void pingAndSixteenMebibytesOverTap(Vmm vmm, @TempDir Path dir) throws Exception {
        String netns = "jqvm-it-" + ProcessHandle.current().pid() + "-" + vmm.name().toLowerCase();
        ip("netns", "add", netns);
        try {
            ip("-n", netns, "tuntap", "add", "tap0", "mode", "tap");
            ip("-n", netns, "addr", "add", HOST_IP + "/24", "dev", "tap0");
            ip("-n", netns, "link", "set", "tap0", "up");
            Path received = dir.resolve("received.bin");
            Process listener = new ProcessBuilder("ip", "netns", "exec", netns, "socat", "-u",
                    "TCP-LISTEN:" + PORT + ",reuseaddr", "CREATE:" + received)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("socat.err").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            try (Console console = LinuxVm.under(vmm).with(new GuestDevice.Tap("tap0")).inNetns(netns).boot(dir)) {
                GuestShell sh = new GuestShell(console);
                sh.ok("ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up");
                String ping = sh.ok("ping -c 3 -W 10 " + HOST_IP);
                assertTrue(ping.contains("0% packet loss") || ping.contains(" 2 packets received"), ping);
                String sent = sh.ok("dd if=/dev/urandom of=/tmp/blob bs=1M count=16 2>/dev/null && sha256sum /tmp/blob"
                        + " && nc " + HOST_IP + " " + PORT + " < /tmp/blob").split("\\s+")[0];
                assertTrue(listener.waitFor(60, TimeUnit.SECONDS), "socat did not see the end of the transfer");
                assertEquals(0, listener.exitValue());
                assertEquals(sent, StorageTest.sha256(received));
            } finally {
                listener.destroyForcibly();
            }
        } finally {
            ip("netns", "del", netns);
        }
    }

    static void ip(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Command.Result r = Command.run(command, Command.repo(), Duration.ofSeconds(30));
        assertEquals(0, r.exitStatus(), () -> "this test needs root and iproute2 (network namespaces, TAP): " + r.describe());
    }
}
