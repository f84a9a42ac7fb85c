package io.jqvm.guests.x86;

import io.jqvm.testkit.Command;
import io.jqvm.testkit.KvmRequirement;
import io.jqvm.testkit.X86VirtioGuest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Boots each x86 guest under QEMU's PC machine with KVM (the virtio guest under {@code microvm}, which
 * has virtio-mmio), exactly as an ordinary Multiboot kernel ({@code -kernel}), and checks its verdict
 * line and that it powered itself off through ACPI. Passing here shows the guests are ordinary PC
 * guests, not tuned to jqvm.
 */
class QemuGuestTest {

    private static final String QEMU = "qemu-system-x86_64";
    /** Generous: the machine is shared and PVM makes every exit expensive. */
    private static final long TIMEOUT_SECONDS = 180;

    private static Path qemu;
    private static Path guests;

    @BeforeAll
    static void findKvmQemuAndGuests() {
        KvmRequirement.assumeDevice();
        qemu = onPath(QEMU);
        String repo = System.getenv("JQVM_REPO");
        assertTrue(repo != null && !repo.isBlank(), "JQVM_REPO (the repository root) is not set");
        guests = Path.of(repo, "guests", "target", "x86");
    }

    private static Path onPath(String program) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(directory, program);
            if (Files.isExecutable(candidate))
                return candidate;
        }
        return fail(program + " is not on PATH; install it with: apt-get install -y qemu-system-x86");
    }

    private record Run(int exitCode, List<String> lines) {
        boolean has(String line) {
            return lines.contains(line);
        }

        String firstStartingWith(String prefix) {
            return lines.stream().filter(l -> l.startsWith(prefix)).findFirst()
                    .orElseGet(() -> fail("no line starting with \"" + prefix + "\" in:\n" + this));
        }

        @Override
        public String toString() {
            return "exit code " + exitCode + ", output:\n" + String.join("\n", lines);
        }
    }

    private static Run boot(String guest, String cmdline) throws IOException, InterruptedException {
        return boot(guest, cmdline, List.of("-machine", "pc", "-m", "128", "-smp", "2"));
    }

    private static Run boot(String guest, String cmdline, List<String> machine) throws IOException, InterruptedException {
        Path image = guests.resolve(guest + ".elf");
        assertTrue(Files.isRegularFile(image), image + " is missing; build it with: make -C guests x86");
        List<String> command = new ArrayList<>(List.of(qemu.toString(), "-enable-kvm", "-cpu", "host,-arch-capabilities"));
        command.addAll(machine);
        command.addAll(List.of("-nodefaults", "-no-reboot", "-display", "none", "-monitor", "none", "-serial", "stdio",
                "-kernel", image.toString(), "-append", cmdline));
        Command.Result r = Command.run(command, guests, Duration.ofSeconds(TIMEOUT_SECONDS));
        if (r.timedOut()) {
            fail(guest + " did not finish within " + TIMEOUT_SECONDS + " s; " + r.describe());
        }
        // The guest's console is QEMU's stdout; QEMU's own warnings go to stderr.
        return new Run(r.exitStatus(), r.stdout().lines().map(line -> line.replace("\r", "")).toList());
    }

    /** The guest's verdict is PASS, and QEMU exited cleanly because the guest entered S5. */
    private static void assertPassedAndPoweredOff(Run run, String guest) {
        assertTrue(run.has("PASS " + guest), () -> "no \"PASS " + guest + "\" line; " + run);
        assertTrue(run.lines().stream().noneMatch(l -> l.startsWith("FAIL ")), () -> "a FAIL line; " + run);
        assertTrue(run.lines().stream().noneMatch(l -> l.startsWith("poweroff: still running")),
                () -> "the ACPI power-off did not stop the machine; " + run);
        assertEquals(0, run.exitCode(), () -> "QEMU exit status; " + run);
    }

    @Test
    void helloGreetsAndEchoesTheCommandLine() throws Exception {
        Run run = boot("hello", "greeting=from-the-test");
        assertPassedAndPoweredOff(run, "hello");
        assertTrue(run.has("Hello from the jqvm guest kit"), run::toString);
        assertTrue(run.firstStartingWith("Command line:").contains("greeting=from-the-test"), run::toString);
        assertTrue(run.firstStartingWith("Memory:").contains("RAM up to 127 MiB"), run::toString);
        run.firstStartingWith("CPU vendor:");
    }

    @Test
    void resetEndsQemuUnderNoReboot() throws Exception {
        // The reference for jqvm's restart: the keyboard-controller reset takes effect at once.
        Run run = boot("reset", "");
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.has("Resetting through the keyboard controller"), run::toString);
        assertTrue(run.lines().stream().noneMatch(l -> l.startsWith("FAIL ") || l.startsWith("PASS ")), run::toString);
    }

    @Test
    void watchdogUnderQemusIb700() throws Exception {
        // The reference for jqvm's wdt-ib700: kicked, the guest runs on; starved, the watchdog acts (here: power off).
        List<String> board = List.of("-machine", "pc", "-m", "128", "-device", "ib700", "-watchdog-action", "poweroff");
        assertPassedAndPoweredOff(boot("watchdog", "kick=3", board), "watchdog");
        Run starved = boot("watchdog", "", board);
        assertTrue(starved.has("not kicking any more"), starved::toString);
        assertTrue(starved.lines().stream().noneMatch(l -> l.startsWith("FAIL ") || l.startsWith("PASS ")), starved::toString);
    }

    @Test
    void timerCountsPitInterruptsThroughTheIoApic() throws Exception {
        Run run = boot("timer", "");
        assertPassedAndPoweredOff(run, "timer");
        run.firstStartingWith("PIT IRQ0 is GSI 2 ");
        Matcher ticks = Pattern.compile("PIT ticks counted: (\\d+)").matcher(run.firstStartingWith("PIT ticks counted:"));
        assertTrue(ticks.matches() && Integer.parseInt(ticks.group(1)) >= 10, run::toString);
    }

    @Test
    void smpStartsTheSecondCpu() throws Exception {
        Run run = boot("smp", "");
        assertPassedAndPoweredOff(run, "smp");
        assertTrue(run.has("CPU 1 up (APIC id 1)"), run::toString);
        assertTrue(run.has("2 of 2 CPUs running"), run::toString);
    }

    @Test
    void memmapSeesTheWholeRam() throws Exception {
        Run run = boot("memmap", "");
        assertPassedAndPoweredOff(run, "memmap");
        assertTrue(run.lines().stream().anyMatch(l -> l.matches(" {2}base 0000000000100000 length \\p{XDigit}{16} type 1 \\(usable\\)")),
                run::toString);
    }

    /**
     * Probes the firmware flash at the top of 4 GiB. QEMU's 0xF0000-0xFFFFF is shadow RAM that
     * SeaBIOS marks read-only; QEMU enforces that in the KVM memory slot but completes the write
     * when it emulates the faulting access, so that area is not ROM under QEMU/KVM.
     */
    @Test
    void romwriteFindsTheFirmwareReadOnly() throws Exception {
        Run run = boot("romwrite", "rom=0xFFFFFFF0");
        assertPassedAndPoweredOff(run, "romwrite");
        run.firstStartingWith("ROM byte at fffffff0:");
    }

    @Test
    void unmappedAccessesComplete() throws Exception {
        Run run = boot("unmapped", "");
        assertPassedAndPoweredOff(run, "unmapped");
        assertTrue(run.has("the accesses completed and the guest continues"), run::toString);
    }

    @Test
    void acpiOffFindsQemusPowerManagementBlock() throws Exception {
        Run run = boot("acpi-off", "");
        assertPassedAndPoweredOff(run, "acpi-off");
        assertTrue(run.has("FADT: PM1a_CNT at port 604, PM1b_CNT 0"), run::toString);
        assertTrue(run.has("DSDT: \\_S5 SLP_TYPa 0, SLP_TYPb 0"), run::toString);
        run.firstStartingWith("MADT: 2 CPUs, local APIC at fee00000, IOAPIC at fec00000");
    }

    @Test
    void pcOffPowersOffWithSleepType0AtPort604() throws Exception {
        // The reference for jqvm's PC board: no tables read, SLP_EN with SLP_TYP 0 written to 0x604.
        Run run = boot("pc-off", "");
        assertTrue(run.has("powering off: outw(0x604, SLP_EN | SLP_TYP 0), as on QEMU's pc"), run::toString);
        assertTrue(run.lines().stream().noneMatch(l -> l.startsWith("FAIL ") || l.startsWith("PASS ")), run::toString);
        assertEquals(0, run.exitCode(), run::toString);
    }

    @Test
    void pioLoopRunsTheRequestedIterations() throws Exception {
        Run run = boot("pio-loop", "12345");
        assertPassedAndPoweredOff(run, "pio-loop");
        assertTrue(run.has("writing port 80 12345 times"), run::toString);
    }

    @Test
    void mmioLoopRunsTheRequestedIterations() throws Exception {
        Run run = boot("mmio-loop", "12345");
        assertPassedAndPoweredOff(run, "mmio-loop");
        assertTrue(run.has("writing d0000000 12345 times"), run::toString);
    }

    /**
     * virtio-blk and virtio-entropy over virtio-mmio on QEMU's {@code microvm}, the x86 machine that has
     * virtio-mmio transports (the PC machine has none). {@code -kernel} loads the Multiboot image there
     * too, and the firmware's ACPI is hardware-reduced (power-off through the GED sleep register). With
     * {@code ioapic2=off} all interrupts are on the one IOAPIC, as on jqvm's PC board; QEMU 7.2 then
     * puts transport i at 0xfeb00000 + 0x200 i on GSI 16 + i (measured: on GSI 5 + i, the guest's
     * first interrupt never comes), and {@code bus=virtio-mmio-bus.i} picks the transport. microvm
     * announces its devices with {@code virtio_mmio.device=} only on a Linux kernel's command line,
     * not on a Multiboot one, so the test announces them. A read-only drive must refuse the write;
     * {@code force-legacy=true} (QEMU 7.2's default) makes the transports version 1.
     */
    @ParameterizedTest(name = "virtio-mmio version {0}, read-only {1}")
    @CsvSource({"2, false", "2, true", "1, false"})
    void virtioDrivesBlockAndEntropyOverVirtioMmio(int version, boolean readOnly, @TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        X86VirtioGuest.createDisk(disk);
        String cmdline = X86VirtioGuest.announcements() + (readOnly ? " " + X86VirtioGuest.READ_ONLY_WORD : "");
        Run run = bootVirtioGuest(cmdline, disk + (readOnly ? ",readonly=on" : ""), version == 1);
        assertPassedAndPoweredOff(run, X86VirtioGuest.NAME);
        assertTrue(run.lines().containsAll(X86VirtioGuest.transportLines(version)), run::toString);
        List<String> checks = X86VirtioGuest.checkLines(readOnly);
        assertEquals(checks, run.lines().stream().filter(checks::contains).toList(), run::toString);
        assertEquals(Optional.empty(), X86VirtioGuest.differenceAfterGuestRun(disk, readOnly), run::toString);
    }

    /** The virtio guest on microvm: the disk ({@code file=...}) on transport 0, the entropy device on transport 1. */
    private static Run bootVirtioGuest(String cmdline, String driveFile, boolean legacy) throws IOException, InterruptedException {
        return boot(X86VirtioGuest.NAME, cmdline, List.of(
                "-machine", "microvm,ioapic2=off", "-m", "128", "-global", "virtio-mmio.force-legacy=" + legacy,
                "-drive", "if=none,id=disk,format=raw,file=" + driveFile,
                "-device", "virtio-blk-device,drive=disk,bus=virtio-mmio-bus.0,serial=" + X86VirtioGuest.SERIAL,
                "-device", "virtio-rng-device,bus=virtio-mmio-bus.1"));
    }

    /**
     * The virtio-pci guest on QEMU's PC machine: a modern virtio-rng-pci at 00:04.0, BARs placed by SeaBIOS, its
     * queue's MSI-X message delivered by QEMU's local APIC (also passes under TCG: {@code -cpu max} without KVM).
     */
    @Test
    void virtioPciDrivesEntropyOverPci() throws Exception {
        Run run = boot("virtio-pci", "", List.of("-machine", "pc", "-m", "128",
                "-device", "virtio-rng-pci,disable-legacy=on,addr=4"));
        assertPassedAndPoweredOff(run, "virtio-pci");
        assertTrue(run.has("pci 00:04.0 1af4:1044 class 00ff00"), run::toString);
        assertTrue(run.has("capabilities: common, notify (multiplier 4), isr, device"), run::toString);
        assertTrue(run.has("msi-x: queue 0 signalled through vector 41"), run::toString);
        assertTrue(run.has("entropy: 64 bytes"), run::toString);
    }

    /** The guest's checks can fail: on a disk of zeros the first read differs from the pattern at word 1. */
    @Test
    void virtioFailsOnADiskWithoutThePattern(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("zeros.img");
        Files.write(disk, new byte[X86VirtioGuest.DISK_SECTORS * X86VirtioGuest.SECTOR_SIZE]);
        Run run = bootVirtioGuest(X86VirtioGuest.announcements(), disk.toString(), false);
        assertTrue(run.has("sector 0 word 1 is 0, expected 1"), run::toString);
        assertTrue(run.has("FAIL virtio: reading sector 0 failed"), run::toString);
        assertEquals(0, run.exitCode(), () -> "the guest powers off after its verdict; " + run);
    }

    @Test
    void acpiOffFindsMicrovmsHardwareReducedSleepRegister() throws Exception {
        Run run = boot("acpi-off", "", List.of("-machine", "microvm", "-m", "128"));
        assertPassedAndPoweredOff(run, "acpi-off");
        assertTrue(run.has("FADT: hardware-reduced ACPI, sleep control register at address fea00200"), run::toString);
    }
}
