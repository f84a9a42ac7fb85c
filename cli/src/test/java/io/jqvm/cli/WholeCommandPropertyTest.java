package io.jqvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The whole {@code jqvm} command in this JVM (configuration, images, assembly) on generated command lines:
 * the example boards with random options, vdevs with random values, and image files that are empty,
 * truncated, a directory, a device, missing or for the other architecture. Every run ends with status 0, 64
 * or 65, prints at most one error line and never a stack trace, and no exception leaves {@link Main#run}.
 * Most runs are dryruns (the full assembly, no guest); a run whose guest image is one of the bad files is a
 * real run, refused before the guest starts.
 */
class WholeCommandPropertyTest {
    private static final Set<Integer> STATUSES = Set.of(0, 64, 65);
    private static Path dir;
    private static List<String> badImages;
    private static String x86Image;

    @BeforeContainer
    static void images() throws IOException {
        dir = Files.createTempDirectory("jqvm-whole-command");
        byte[] image = arm64Image();
        Files.write(dir.resolve("empty"), new byte[0]);
        Files.write(dir.resolve("image-100"), java.util.Arrays.copyOf(image, 100));
        Files.write(dir.resolve("image-4k"), java.util.Arrays.copyOf(image, 4096));
        Files.write(dir.resolve("header-only"), java.util.Arrays.copyOf(image, 64));
        Files.createDirectory(dir.resolve("a-directory"));
        Files.write(dir.resolve("x86.elf"), x86ElfHeader());
        badImages = List.of(dir.resolve("empty").toString(), dir.resolve("image-100").toString(),
                dir.resolve("image-4k").toString(), dir.resolve("header-only").toString(),
                dir.resolve("a-directory").toString(), dir.resolve("missing").toString(), "/dev/zero");
        x86Image = dir.resolve("x86.elf").toString();
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** An EFI-stub arm64 Image header whose one PE section ends at 8 KiB: any shorter copy is truncated. */
    private static byte[] arm64Image() {
        ByteBuffer b = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 'M').put(1, (byte) 'Z');
        b.putLong(16, 0x10000); // image_size
        b.putInt(56, 0x644d5241); // "ARM\x64"
        b.putInt(0x3c, 0x40); // PE header offset
        b.putInt(0x40, 0x4550); // "PE\0\0"
        b.putShort(0x46, (short) 1); // one section, no optional header: the table at 0x58
        b.putInt(0x58 + 16, 0x1000); // SizeOfRawData
        b.putInt(0x58 + 20, 0x1000); // PointerToRawData
        return b.array();
    }

    private static byte[] x86ElfHeader() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 2).putShort(18, (short) 62); // ET_EXEC, EM_X86_64
        return b.array();
    }

    @Property(tries = 400)
    void everyRunEndsWithAStatusAndAtMostOneErrorLine(@ForAll("commandLines") List<String> args) {
        InProcess.Run r = InProcess.run(args);
        Statistics.collect(r.status(), args.contains("dryrun") ? "dryrun" : "run");
        String what = "jqvm " + String.join(" ", args) + "\n--- stderr\n" + r.stderr();
        if (r.escaped() != null) {
            throw new AssertionError("an exception left Main.run: " + what, r.escaped());
        }
        assertTrue(STATUSES.contains(r.status()), "status " + r.status() + ": " + what);
        assertTrue(!r.stderr().contains("Exception") && !r.stderr().contains("\tat "), "a stack trace: " + what);
        long errorLines = r.stderr().lines()
                .filter(l -> !l.contains(": warn: ") && !l.contains(": info: ") && !l.isBlank()).count();
        assertTrue(errorLines <= 1, errorLines + " error lines: " + what);
        if (r.status() != 0) {
            assertEquals(1, errorLines, "a failure says why: " + what);
        }
    }

    @Provide
    Arbitrary<List<String>> commandLines() {
        Arbitrary<List<String>> board = Arbitraries.of(List.of(), List.of("@" + InProcess.example("arm64-virt.qvmconf")),
                List.of("@" + InProcess.example("arm64-virt.qvmconf")),
                List.of("@" + InProcess.example("x86-pc.qvmconf")), List.of("@" + InProcess.example("qnx-x86.qvmconf")),
                List.of("@" + InProcess.example("linux-x86-minimal.qvmconf")));
        Arbitrary<List<String>> options = option().list().ofMaxSize(4).map(l -> {
            List<String> flat = new ArrayList<>();
            l.forEach(flat::addAll);
            return flat;
        });
        Arbitrary<List<String>> badLoad = Arbitraries.of(badImages).map(f -> List.of("load", f));
        return Combinators.combine(board, options, Arbitraries.integers().between(0, 3), badLoad).as((b, o, mode, bad) -> {
            List<String> args = new ArrayList<>(b);
            if (mode == 0) {
                args.addAll(bad); // a real run: its image is refused before the guest starts
            }
            args.addAll(o);
            if (mode != 0) {
                args.add("dryrun");
            }
            return args;
        });
    }

    private Arbitrary<List<String>> option() {
        Arbitrary<String> size = Arbitraries.oneOf(Arbitraries.of("0", "4K", "16M", "256M", "0x8000000000000000",
                "0xfffffffffffff000", "1000G", "0x40000000,0x10000000", "3", "-1"),
                Arbitraries.longs().map(l -> "0x" + Long.toHexString(l)));
        Arbitrary<String> number = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("0", "1", "2", "3", "8", "33", "1000", "14318180", "2000000000", "0xffffffff",
                        "0x09030000", "0x1c0f0000", "99999999999999999999")),
                Tuple.of(1, Arbitraries.longs().map(l -> Long.toString(l))));
        Arbitrary<String> file = Arbitraries.oneOf(Arbitraries.of(badImages), Arbitraries.just(x86Image));
        Arbitrary<String> vdevType = Arbitraries.of("gic", "ioapic", "8259", "pckeyboard", "timer8254", "mc146818",
                "hpet", "ser8250", "pl011", "pl031", "virtio-blk", "virtio-entropy", "virtio-console", "wdt-sp805",
                "wdt-ib700", "progress", "acpi-pm", "no-such-vdev");
        Arbitrary<List<String>> vdevOption = Arbitraries.oneOf(
                number.map(n -> List.of("frequency", n)), number.map(n -> List.of("version", n)),
                number.map(n -> List.of("loc", n)), number.map(n -> List.of("intr", "gic:" + n)),
                number.map(n -> List.of("intr", "ioapic:" + n)), file.map(f -> List.of("hostdev", f)),
                Arbitraries.just(List.of("hostdev", ">/dev/null")), Arbitraries.just(List.of("junk")));
        Arbitrary<List<String>> vdev = Combinators.combine(vdevType, vdevOption.list().ofMaxSize(3)).as((t, os) -> {
            List<String> v = new ArrayList<>(List.of("vdev", t));
            os.forEach(v::addAll);
            return v;
        });
        // Weighted towards options that parse, so that most runs get as far as assembly.
        return Arbitraries.frequencyOf(
                Tuple.of(4, size.map(s -> List.of("ram", s))),
                Tuple.of(3, Arbitraries.just(List.of("cpu"))),
                Tuple.of(1, file.map(f -> List.of("load", f))),
                Tuple.of(1, file.map(f -> List.of("initrd", "load", f))),
                Tuple.of(1, Arbitraries.just(List.of("cmdline", "console=ttyAMA0"))),
                Tuple.of(4, vdev),
                Tuple.of(1, Arbitraries.of("arch", "accel").flatMap(k -> Arbitraries.of("aarch64", "x86_64", "soft",
                        "kvm", "mips").map(v -> List.of(k, v)))),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(8).map(List::of)));
    }
}
