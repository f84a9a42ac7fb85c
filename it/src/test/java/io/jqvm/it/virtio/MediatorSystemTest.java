package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import io.jqvm.testkit.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A system of three VMs sharing one disk through {@code jqvm mediator}: two Debian arm64 guests on jqvm's software
 * CPU ({@code vdev vhost-user-blk socket …}) and one under QEMU ({@code -device vhost-user-blk} on a memfd
 * memory backend), each connected to its own socket and so to its own priority class. Every guest sees the
 * disk's size, reads the untouched first MiB (checksum compared with the host's), writes its own MiB with
 * O_DIRECT, which the host then finds in the image, and reads back the MiB another guest wrote. QEMU as a front
 * end proves the mediator speaks vhost-user, not a private dialect.
 */
class MediatorSystemTest {
    private static final int SIZE = 8 << 20;
    private static final int MIB = 1 << 20;

    @Test
    void twoJqvmGuestsAndAQemuGuestShareOneDiskThroughTheMediator(@TempDir Path dir) throws Exception {
        byte[] image = new byte[SIZE];
        new Random(12).nextBytes(image);
        Path disk = dir.resolve("shared.img");
        Files.write(disk, image);
        String[] clients = {"safety", "media", "qemu"};
        Path conf = dir.resolve("mediator.conf");
        Files.writeString(conf, "disk shared file " + disk + "\n"
                + "client safety on shared socket " + dir.resolve("safety.sock") + " priority 10\n"
                + "client media on shared socket " + dir.resolve("media.sock") + " priority 1 share 5000\n"
                + "client qemu on shared socket " + dir.resolve("qemu.sock") + " priority 5\n");
        Command.jqvm(Duration.ofMinutes(10), "--version"); // builds jqvm first if its sources changed
        Process mediator = new ProcessBuilder(Command.repo().resolve("jqvm").toString(), "mediator", "@" + conf)
                .redirectErrorStream(true).redirectOutput(dir.resolve("mediator.log").toFile()).start();
        List<Console> consoles = new ArrayList<>();
        try {
            awaitSockets(mediator, dir, clients);
            consoles.add(LinuxVm.under(Vmm.JQVM).with(new GuestDevice.VhostUserDisk(dir.resolve("safety.sock"))).start(dir));
            consoles.add(LinuxVm.under(Vmm.JQVM).with(new GuestDevice.VhostUserDisk(dir.resolve("media.sock"))).start(dir));
            consoles.add(LinuxVm.under(Vmm.QEMU).with(new GuestDevice.VhostUserDisk(dir.resolve("qemu.sock"))).start(dir));
            List<GuestShell> shells = new ArrayList<>();
            for (Console c : consoles) {
                shells.add(new GuestShell(LinuxVm.awaitShell(c)));
            }
            String untouched = sha256(Arrays.copyOf(image, MIB));
            String[] written = new String[shells.size()];
            for (int i = 0; i < shells.size(); i++) {
                GuestShell sh = shells.get(i);
                assertEquals(String.valueOf(SIZE / 512), sh.ok("cat /sys/block/vda/size"), clients[i]);
                assertEquals(untouched, sh.ok("dd if=/dev/vda bs=1M count=1 iflag=direct 2>/dev/null | sha256sum")
                        .split("\\s+")[0], clients[i]);
                written[i] = sh.ok("dd if=/dev/urandom of=/tmp/chunk bs=1M count=1 2>/dev/null"
                        + " && dd if=/tmp/chunk of=/dev/vda bs=1M seek=" + (i + 1) + " oflag=direct conv=fsync 2>/dev/null"
                        + " && sha256sum /tmp/chunk").split("\\s+")[0];
            }
            byte[] after = Files.readAllBytes(disk);
            for (int i = 0; i < shells.size(); i++) {
                assertEquals(written[i], sha256(Arrays.copyOfRange(after, (i + 1) * MIB, (i + 2) * MIB)), clients[i]);
                int other = (i + 1) % shells.size();
                assertEquals(written[other], shells.get(i).ok("dd if=/dev/vda bs=1M skip=" + (other + 1)
                        + " count=1 iflag=direct 2>/dev/null | sha256sum").split("\\s+")[0],
                        clients[i] + " reads what " + clients[other] + " wrote");
            }
            assertArrayEquals(Arrays.copyOf(image, MIB), Arrays.copyOf(after, MIB));
            consoles.forEach(Console::close);
            mediator.destroy(); // SIGTERM: a clean stop, status 3 as a VM's power cut
            assertTrue(mediator.waitFor(30, TimeUnit.SECONDS), "the mediator did not end on SIGTERM");
            assertEquals(3, mediator.exitValue(), Files.readString(dir.resolve("mediator.log")));
        } finally {
            consoles.forEach(Console::close);
            mediator.destroyForcibly();
        }
    }

    private static void awaitSockets(Process mediator, Path dir, String... clients) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (String c : clients) {
            while (!Files.exists(dir.resolve(c + ".sock"))) {
                if (!mediator.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("the mediator made no socket for " + c + ": "
                            + Files.readString(dir.resolve("mediator.log")));
                }
                Thread.sleep(50);
            }
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
