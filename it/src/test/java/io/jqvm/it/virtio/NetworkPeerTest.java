package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two VMs on one Ethernet link without any host networking: jqvm's {@code peer} (each end's {@code name},
 * the other's {@code peer}), QEMU's {@code -netdev stream} on a Unix socket (the same length-prefixed
 * frames; one end listens, the other connects, so QEMU's B starts once A's socket exists). The
 * guests take 10.0.3.1 and 10.0.3.2; B pings A, then sends A 16 MiB of random data with busybox
 * {@code nc}; both sides' checksums must match. Both VMs boot at the same time.
 */
class NetworkPeerTest {
    @ParameterizedTest
    @EnumSource(Vmm.class)
    void pingAndSixteenMebibytesBetweenTwoVms(Vmm vmm, @TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        Path qemuLink = dir.resolve("qemu-link.sock");
        LinuxVm vmA = LinuxVm.under(vmm).with(new GuestDevice.PeerLink(a, b, "52:54:00:00:03:01", qemuLink, true));
        LinuxVm vmB = LinuxVm.under(vmm).with(new GuestDevice.PeerLink(b, a, "52:54:00:00:03:02", qemuLink, false));
        try (Console consoleA = vmA.start(dir); Console consoleB = startWhenListening(vmm, vmB, qemuLink, dir)) {
            GuestShell shA = new GuestShell(LinuxVm.awaitShell(consoleA));
            GuestShell shB = new GuestShell(LinuxVm.awaitShell(consoleB));
            shA.ok("ip addr add 10.0.3.1/24 dev eth0 && ip link set eth0 up");
            shB.ok("ip addr add 10.0.3.2/24 dev eth0 && ip link set eth0 up");
            String ping = shB.ok("ping -c 3 -W 10 10.0.3.1");
            assertTrue(ping.contains(" 0% packet loss") || ping.contains(" 2 packets received"), ping);

            consoleA.type("nc -l -p 5000 > /tmp/received &");
            String sent = shB.ok("dd if=/dev/urandom of=/tmp/blob bs=1M count=16 2>/dev/null && sha256sum /tmp/blob"
                    + " && sleep 1 && nc 10.0.3.1 5000 < /tmp/blob").split("\\s+")[0];
            String received = shA.ok("wait; sha256sum /tmp/received").split("\\s+")[0];
            assertEquals(sent, received);
        }
    }

    /**
     * The link's carrier follows the peer process: when B's jqvm is killed, A's guest sees eth0's carrier go to 0,
     * and back to 1 when a new B comes up on the same sockets, after which B reaches A again. jqvm only: QEMU
     * 7.2's {@code -netdev stream} is no oracle for carrier (its guest reads 1 before the other end connects and
     * after the other QEMU is killed).
     */
    @Test
    void carrierGoesDownWhenThePeerExitsAndUpWhenItReturns(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        LinuxVm vmA = LinuxVm.under(Vmm.JQVM).with(new GuestDevice.PeerLink(a, b, "52:54:00:00:03:01", null, true));
        LinuxVm vmB = LinuxVm.under(Vmm.JQVM).with(new GuestDevice.PeerLink(b, a, "52:54:00:00:03:02", null, false));
        try (Console consoleA = vmA.start(dir)) {
            try (Console consoleB = vmB.start(dir)) {
                GuestShell shA = new GuestShell(LinuxVm.awaitShell(consoleA));
                GuestShell shB = new GuestShell(LinuxVm.awaitShell(consoleB));
                shA.ok("ip addr add 10.0.3.1/24 dev eth0 && ip link set eth0 up");
                assertEquals("1", carrierOnceItIs(shA, "1"));
                shB.ok("ip addr add 10.0.3.2/24 dev eth0 && ip link set eth0 up && ping -c 2 -W 10 10.0.3.1");
            } // kills B's jqvm
            GuestShell shA = new GuestShell(consoleA);
            assertEquals("0", carrierOnceItIs(shA, "0"), "A's carrier after B's jqvm was killed");
            try (Console consoleB = vmB.start(dir)) {
                GuestShell shB = new GuestShell(LinuxVm.awaitShell(consoleB));
                assertEquals("1", carrierOnceItIs(shA, "1"), "A's carrier once a new B is up");
                shB.ok("ip addr add 10.0.3.2/24 dev eth0 && ip link set eth0 up && ping -c 2 -W 10 10.0.3.1");
            }
        }
    }

    /** eth0's carrier as the guest reads it, once it equals {@code expected} or after 30 s of polling. */
    private static String carrierOnceItIs(GuestShell sh, String expected) throws Exception {
        return sh.ok("for i in $(seq 300); do [ \"$(cat /sys/class/net/eth0/carrier)\" = " + expected
                + " ] && break; sleep 0.1; done; cat /sys/class/net/eth0/carrier");
    }

    /** jqvm's ends retry until the other listens; QEMU's connecting end fails unless the listener is there. */
    private static Console startWhenListening(Vmm vmm, LinuxVm vm, Path qemuLink, Path dir) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (vmm == Vmm.QEMU && !Files.exists(qemuLink) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return vm.start(dir);
    }
}
