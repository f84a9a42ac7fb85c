package io.jqvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user tried (issue 12, part 6): each ends in one precise line and the right status. The runs
 * without dryrun must be refused before the guest starts; the timeout turns a guest that starts into a failure.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BadInputTest {
    @TempDir
    Path dir;

    private static InProcess.Run jqvm(String... args) {
        InProcess.Run r = InProcess.run(List.of(args));
        assertNull(r.escaped(), () -> "an exception left Main.run: " + r.escaped());
        return r;
    }

    private static void assertFails(InProcess.Run r, int status, String... parts) {
        assertEquals(status, r.status(), r.stderr());
        String error = r.stderr().lines().filter(l -> !l.contains(": info: ") && !l.contains(": warn: "))
                .reduce((a, b) -> a + "\n" + b).orElse("");
        assertEquals(1, error.lines().count(), "one error line: " + r.stderr());
        for (String part : parts) {
            assertTrue(error.contains(part), "\"" + part + "\" missing from: " + error);
        }
    }

    private String arm64Board() {
        return "@" + InProcess.example("arm64-virt.qvmconf");
    }

    @Test
    void theMediatorSubcommandReportsItsOwnConfigurationMistakes() {
        assertFails(jqvm("mediator", "thread", "2"), 65, "<command line>:1:1:", "unknown keyword \"thread\"",
                "did you mean \"threads\"?");
    }

    @Test
    void hugeRamAndAnSp805FrequencyTheDeviceRejectsAreConfigurationErrors() {
        assertFails(jqvm(arm64Board(), "ram", "0x8000000000000000", "dryrun"), 65, "<command line>:1:3:", "2^63");
        assertFails(jqvm(arm64Board(), "vdev", "wdt-sp805", "frequency", "2000000000", "dryrun"), 65,
                "<command line>:1:5:", "out of range 1..1000000000");
    }

    @Test
    void guestMemoryBeyondTheHostsRamAndSwapIsRefused() {
        assertFails(jqvm(arm64Board(), "ram", "0x100000000,0x10000000000000", "dryrun"), 64,
                "<command line>:1:2:", "exceed what this host could ever back", "JQVM_MEMORY_OVERCOMMIT=1");
    }

    @Test
    void emptyTruncatedAndDeviceImagesAreRefusedBeforeTheGuestStarts() throws Exception {
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        ByteBuffer image = ByteBuffer.allocate(100).order(ByteOrder.LITTLE_ENDIAN);
        // The start of an EFI-stub Image: a PE header with one section, whose table lies beyond the 100 bytes.
        image.put(0, (byte) 'M').put(1, (byte) 'Z').putInt(56, 0x644d5241).putInt(0x3c, 0x40).putInt(0x40, 0x4550)
                .putShort(0x46, (short) 1);
        Path truncated = Files.write(dir.resolve("Image-100"), image.array());
        assertFails(jqvm(arm64Board(), "load", empty.toString()), 65, "<command line>:1:2:", "the file is empty");
        assertFails(jqvm(arm64Board(), "load", truncated.toString()), 65, "<command line>:1:2:", "truncated");
        assertFails(jqvm(arm64Board(), "load", "/dev/zero"), 65, "<command line>:1:2:", "not a regular file");
    }

    @Test
    void unreadableLoadsSayWhy() throws Exception {
        assertFails(jqvm(arm64Board(), "load", dir.resolve("missing.elf").toString()), 65, "no such file");
        assertFails(jqvm(arm64Board(), "load", dir.toString()), 65, "it is a directory");
        assertFails(jqvm(arm64Board(), "load", "build/guest-cache/Image"), 65, "no such file",
                "scripts/debian-arm64-guest.sh");
    }

    @Test
    void anInitrdTooLargeIsBlamedNotTheKernel() throws Exception {
        ByteBuffer image = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        image.putLong(16, 0x10000).putInt(56, 0x644d5241);
        Path kernel = Files.write(dir.resolve("Image"), image.array());
        Path initrd = dir.resolve("initrd");
        try (var f = java.nio.channels.FileChannel.open(initrd, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap(new byte[1]), 300L << 20); // sparse, larger than the board's 256 MiB
        }
        assertFails(jqvm(arm64Board(), "load", kernel.toString(), "initrd", "load", initrd.toString(), "dryrun"), 65,
                "<command line>:1:4:", "\"" + initrd + "\": initrd needs");
    }

    @Test
    void anImageForTheOtherArchitectureIsNamedAsSuch() throws Exception {
        ByteBuffer image = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        image.putLong(16, 0x10000).putInt(56, 0x644d5241);
        Path kernel = Files.write(dir.resolve("Image"), image.array());
        assertFails(jqvm("@" + InProcess.example("x86-pc.qvmconf"), "load", kernel.toString(), "dryrun"), 65,
                "<command line>:1:2:", "is an aarch64 image, but the board is x86_64", "vdev");
    }

    @Test
    void nothingToRunPointsAtTheCommandLine() {
        List<String> args = new ArrayList<>(List.of(arm64Board()));
        assertFails(jqvm(args.toArray(String[]::new)), 65, "<command line>:1:1: nothing to run");
    }
}
