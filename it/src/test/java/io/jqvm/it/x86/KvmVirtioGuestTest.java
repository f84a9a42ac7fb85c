package io.jqvm.it.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import io.jqvm.testkit.X86VirtioGuest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest kit's {@code virtio} guest on jqvm's PC board under KVM: the same virtio-blk and
 * virtio-entropy device objects the software CPU's boards use, behind virtio-mmio transports at the
 * addresses and IOAPIC inputs where QEMU's microvm has them, so the guest prints the same lines as
 * in its QEMU run (guests module, {@code QemuGuestTest}).
 */
class KvmVirtioGuestTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String GUEST = "guests/target/x86/" + X86VirtioGuest.NAME + ".elf";

    @BeforeEach
    void needsKvm() {
        KvmRequirement.assumeDevice();
    }

    /** Both vdevs at the transports the guest expects; {@code legacy} is qvm's option for version 1 transports. */
    private static List<String> devices(String hostdev, int ioThreads, boolean legacy) {
        List<String> block = new ArrayList<>(List.of(
                "vdev", "virtio-blk", "loc", "0x" + Long.toHexString(X86VirtioGuest.BLOCK_ADDRESS),
                "intr", "ioapic:" + X86VirtioGuest.BLOCK_GSI, "hostdev", hostdev, "threads", Integer.toString(ioThreads),
                "serial", X86VirtioGuest.SERIAL));
        List<String> entropy = new ArrayList<>(List.of(
                "vdev", "virtio-entropy", "loc", "0x" + Long.toHexString(X86VirtioGuest.ENTROPY_ADDRESS),
                "intr", "ioapic:" + X86VirtioGuest.ENTROPY_GSI));
        if (legacy) {
            block.add("legacy");
            entropy.add("legacy");
        }
        block.addAll(entropy);
        return block;
    }

    private static Command.Result boot(String hostdev, int ioThreads, String cmdline) throws Exception {
        return boot(devices(hostdev, ioThreads, false), cmdline);
    }

    private static Command.Result boot(List<String> devices, String cmdline) throws Exception {
        List<String> args = new ArrayList<>(List.of("@examples/x86-pc.qvmconf"));
        args.addAll(devices);
        args.addAll(List.of("load", GUEST, "cmdline", cmdline));
        return Command.jqvm(TIMEOUT, args.toArray(String[]::new));
    }

    private static void assertEveryCheckPassed(Command.Result r, Path disk, boolean readOnly) throws Exception {
        assertTrue(r.stdout().contains("PASS " + X86VirtioGuest.NAME + "\n"), r::describe);
        List<String> checks = X86VirtioGuest.checkLines(readOnly);
        assertEquals(checks, r.stdout().lines().filter(checks::contains).toList(), r::describe);
        assertEquals(0, r.exitStatus(), r::describe);
        assertTrue(r.stderr().contains("guest shut down: guest requested ACPI S5"), r::describe);
        assertEquals(Optional.empty(), X86VirtioGuest.differenceAfterGuestRun(disk, readOnly), r::describe);
    }

    /**
     * The PC board announces its virtio-mmio transports on the command line, as Linux's virtio_mmio expects.
     * Four I/O threads (qvm's {@code threads}) may complete the guest's four reads in flight in any order.
     */
    @Test
    void virtioGuestFindsTheDevicesTheBoardAnnounces(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        X86VirtioGuest.createDisk(disk);
        Command.Result r = boot(disk.toString(), 4, "");
        assertEveryCheckPassed(r, disk, false);
        assertTrue(r.stdout().contains("command line: \"" + X86VirtioGuest.announcements() + "\"\n"), r::describe);
        assertTrue(r.stdout().lines().toList().containsAll(X86VirtioGuest.transportLines(2)), r::describe);
    }

    /** The QEMU run's command line, unchanged: the board's announcements repeat it, and the guest takes each once. */
    @Test
    void virtioGuestRunsWithTheCommandLineOfItsQemuRun(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        X86VirtioGuest.createDisk(disk);
        assertEveryCheckPassed(boot(disk.toString(), 1, X86VirtioGuest.announcements()), disk, false);
    }

    /** qvm's {@code hostdev <FILE}: the guest sees VIRTIO_BLK_F_RO, its write fails with IOERR, the file is unchanged. */
    @Test
    void aReadOnlyDiskRefusesTheGuestsWrite(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        X86VirtioGuest.createDisk(disk);
        assertEveryCheckPassed(boot("<" + disk, 1, X86VirtioGuest.READ_ONLY_WORD), disk, true);
    }

    /** qvm's {@code legacy} option: both transports are version 1, and the guest drives them as a legacy driver. */
    @Test
    void legacyTransportsServeALegacyDriver(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        X86VirtioGuest.createDisk(disk);
        Command.Result r = boot(devices(disk.toString(), 1, true), "");
        assertEveryCheckPassed(r, disk, false);
        assertTrue(r.stdout().lines().toList().containsAll(X86VirtioGuest.transportLines(1)), r::describe);
    }

    /**
     * The virtio-pci guest on the PC board: a virtio-entropy without {@code loc} is a PCI function at 00:01.0 behind
     * the host bridge at 00.0, found through configuration mechanism #1 with its BARs placed by jqvm as firmware
     * would, its queue interrupting through MSI-X to the local APIC; the same guest passes on QEMU's pc with
     * SeaBIOS (guests module, {@code QemuGuestTest}).
     */
    @Test
    void virtioPciGuestDrivesEntropyOverPci() throws Exception {
        Command.Result r = Command.jqvm(TIMEOUT, "@examples/x86-pc.qvmconf", "vdev", "virtio-entropy",
                "load", "guests/target/x86/virtio-pci.elf");
        assertTrue(r.stdout().contains("pci 00:00.0 1b36:0008 class 060000\n"), r::describe);
        assertTrue(r.stdout().contains("pci 00:01.0 1af4:1044 class 00ff00\n"), r::describe);
        assertTrue(r.stdout().contains("capabilities: common, notify (multiplier 4), isr, device\n"), r::describe);
        assertTrue(r.stdout().contains("msi-x: queue 0 signalled through vector 41\n"), r::describe); // KVM_SIGNAL_MSI
        assertTrue(r.stdout().contains("entropy: 64 bytes\n"), r::describe);
        assertTrue(r.stdout().contains("PASS virtio-pci\n"), r::describe);
        assertEquals(0, r.exitStatus(), r::describe);
    }
}
