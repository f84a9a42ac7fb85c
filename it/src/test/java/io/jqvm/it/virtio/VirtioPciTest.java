package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * virtio over PCI with Linux's own {@code pci-host-generic} and {@code virtio_pci} drivers: a disk, a network
 * card on a TAP device (in a network namespace the test makes, so it needs root) and an entropy source, with
 * no {@code loc} under jqvm and at {@code addr=1,2,3} under QEMU virt (the oracle, modern-only as jqvm's). The guest's sysfs listing of
 * bus 0 must be the configuration's (host bridge at 00.0, the devices at 01.0-03.0 with virtio-pci IDs and
 * QEMU's class codes); the queues must interrupt through MSI-X (GICv2m); the disk reads back the host file's
 * bytes and the network reaches the host.
 */
class VirtioPciTest {
    private static final String HOST_IP = "10.0.2.1";
    private static final String EXPECTED_BUS = String.join("\n",
            "0000:00:00.0 0x1b36 0x0008 0x060000", // the host bridge
            "0000:00:01.0 0x1af4 0x1042 0x010000", // virtio-blk (modern ID 0x1040 + 2)
            "0000:00:02.0 0x1af4 0x1041 0x020000", // virtio-net
            "0000:00:03.0 0x1af4 0x1044 0x00ff00"); // virtio-entropy
    private static final Pattern INTX_DISK = Pattern.compile("(?m)^\\s*\\d+:.*GIC-0\\s+36 Level\\s+virtio0$");
    private static final Pattern MSI_QUEUE = Pattern.compile("(?m)^\\s*\\d+:.*\\bMSI\\b.*virtio0-req\\.0$");

    @ParameterizedTest
    @EnumSource(Vmm.class)
    void diskNetworkAndEntropyOverPci(Vmm vmm, @TempDir Path dir) throws Exception {
        Path image = dir.resolve("disk.img");
        byte[] bytes = new byte[1 << 20];
        new Random(13).nextBytes(bytes);
        Files.write(image, bytes);
        String netns = "jqvm-pci-" + ProcessHandle.current().pid() + "-" + vmm.name().toLowerCase();
        NetworkTapTest.ip("netns", "add", netns);
        try {
            NetworkTapTest.ip("-n", netns, "tuntap", "add", "tap0", "mode", "tap");
            NetworkTapTest.ip("-n", netns, "addr", "add", HOST_IP + "/24", "dev", "tap0");
            NetworkTapTest.ip("-n", netns, "link", "set", "tap0", "up");
            LinuxVm vm = LinuxVm.under(vmm).onPci().with(new GuestDevice.Disk(image, false))
                    .with(new GuestDevice.Tap("tap0")).with(new GuestDevice.Entropy()).inNetns(netns);
            try (Console console = vm.boot(dir)) {
                GuestShell sh = new GuestShell(console);
                String bus = sh.ok("for d in /sys/bus/pci/devices/*; do echo ${d##*/} $(cat $d/vendor $d/device $d/class); done");
                assertEquals(EXPECTED_BUS, bus);
                String interrupts = sh.ok("cat /proc/interrupts");
                assertTrue(MSI_QUEUE.matcher(interrupts).find(), "the disk's request queue has no MSI-X vector:\n" + interrupts);
                assertEquals(StorageTest.sha256(image), sh.ok("sha256sum /dev/vda").split("\\s+")[0]);
                sh.ok("ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up");
                String ping = sh.ok("ping -c 3 -W 10 " + HOST_IP);
                assertTrue(ping.contains("0% packet loss") || ping.contains(" 2 packets received"), ping);
                assertEquals("virtio_rng.0", sh.ok("cat /sys/class/misc/hw_random/rng_current"));
            }
        } finally {
            NetworkTapTest.ip("netns", "del", netns);
        }
    }

    /**
     * INTx, the fallback without MSI ({@code pci=nomsi}): the disk's interrupt is INTA# of device 1, which the
     * device tree's interrupt-map sends to SPI 4 (INTID 36) as QEMU virt's swizzle does, level-triggered.
     */
    @ParameterizedTest
    @EnumSource(Vmm.class)
    void diskOverPciWithIntxOnly(Vmm vmm, @TempDir Path dir) throws Exception {
        Path image = dir.resolve("disk.img");
        byte[] bytes = new byte[1 << 20];
        new Random(14).nextBytes(bytes);
        Files.write(image, bytes);
        LinuxVm vm = LinuxVm.under(vmm).onPci().with(new GuestDevice.Disk(image, false)).withKernelArgument("pci=nomsi");
        try (Console console = vm.boot(dir)) {
            GuestShell sh = new GuestShell(console);
            String interrupts = sh.ok("cat /proc/interrupts");
            assertTrue(INTX_DISK.matcher(interrupts).find(), "the disk is not on INTID 36, level:\n" + interrupts);
            assertEquals(StorageTest.sha256(image), sh.ok("sha256sum /dev/vda").split("\\s+")[0]);
        }
    }
}
