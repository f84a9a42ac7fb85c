package io.jqvm.config;

import io.jqvm.config.model.VmSpec;
import io.jqvm.config.vdev.VdevCatalog;
import io.jqvm.config.vdev.VdevSchema;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever the input, parsing ends in a {@link VmSpec} or in a {@link ConfigException} whose message is one
 * line of the form {@code file:line:column: problem}; never in any other exception.
 */
class ParserFuzzTest {
    private static final Pattern DIAGNOSTIC = Pattern.compile("^[^:]+:\\d+:\\d+: .+");

    /** A configuration that parses, from which mutations start. */
    private static final String VALID = """
            system guest # a comment
            ram 0x80000000,128M
            rom 64K
            cpu sched 10 runmask 0,1
            cpu sched 12,5,3,1000000,250000s cluster c0
            load 0x80080000,Image
            initrd load /boot/initrd
            cmdline "console=ttyAMA0 \\
              earlycon=pl011,0x1c090000"
            vdev gic version 2 name gic
            vdev pl011 loc 0x1c090000 intr gic:37 hostdev >"|tee /tmp/console.log"
            vdev virtio-blk loc 0x1c0d0000 intr gic:42 hostdev <disk.img threads 4 set debug on
            vdev virtio-net mac 02:00:00:00:00:01 peer /dev/vdevpeers/vp0
            pass loc mem:0x2000,0x1000,rw=0x1000 intr gic:50,u=82
            reserve loc 0xa0000,0x20000 intr 39
            set fdt-dump-file /tmp/fdt.dtb
            logger warn,error stderr
            unsupported register ignore
            tolerance 100
            dump "|gzip >dump.gz"
            safety warn
            arch aarch64
            accel soft
            dryrun
            """;

    private static Path cwd;

    @BeforeContainer
    static void createWorkingDirectory() throws IOException {
        cwd = Files.createTempDirectory("jqvm-config-properties");
        Files.writeString(cwd.resolve("valid.conf"), VALID);
        Files.writeString(cwd.resolve("loop.conf"), "dryrun\n@loop.conf\n");
        Files.writeString(cwd.resolve("ram.conf"), "ram 16M\n");
    }

    @AfterContainer
    static void removeWorkingDirectory() throws IOException {
        try (Stream<Path> files = Files.walk(cwd)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Example
    void theValidBaseParses() {
        VmSpec spec = QvmConf.parse(List.of("@valid.conf"), cwd);
        assertEquals(4, spec.vdevs().size());
        assertEquals("console=ttyAMA0 earlycon=pl011,0x1c090000", spec.cmdline().orElseThrow().replaceAll("\\s+", " "));
    }

    @Property(tries = 1000)
    void randomTokenStreamsGiveASpecOrADiagnostic(@ForAll("tokenStreams") List<String> args) {
        assertSpecOrDiagnostic(args);
    }

    /** Fewer tries than the token streams: each writes a file, and the module's tests must stay under 30 s. */
    @Property(tries = 500)
    void mutatedValidFilesGiveASpecOrADiagnostic(@ForAll("mutatedFiles") byte[] text) throws IOException {
        Files.write(cwd.resolve("mutant.conf"), text);
        assertSpecOrDiagnostic(List.of("@mutant.conf"));
    }

    private static void assertSpecOrDiagnostic(List<String> args) {
        try {
            QvmConf.parse(args, cwd);
        } catch (ConfigException e) {
            assertTrue(DIAGNOSTIC.matcher(e.getMessage()).matches(), () -> "not a one-line diagnostic: " + e.getMessage());
            assertEquals(65, e.status().code());
        }
    }

    /** Words the parser knows, so random streams get past the first token often. */
    private static List<String> vocabulary() {
        List<String> words = new ArrayList<>(List.of("system", "ram", "rom", "cpu", "load", "cmdline", "pass", "reserve",
                "vdev", "set", "logger", "unsupported", "tolerance", "dump", "safety", "dryrun", "debug", "gdb", "suppress",
                "arch", "accel", "acpi", "data", "initrd", "fdt", "guest", "sched", "runmask", "partition", "cluster", "s",
                "loc", "intr", "0", "1", "16M", "0x1000", "0x80000000,128M", "0x80000000,Image", "4K", "gic:37", "apic",
                "io:0x3f8", "pci:0:1.0", "pci:0x8086/0x1234", "mem:0x2000,0x1000,rw=0x1000", "gic:3,u=5", "on", "auto",
                "debug", "fdt-dump-file", "exit-on-halt", "info,warn", "stderr", "instruction", "abort", "x86_64", "aarch64",
                "kvm", "soft", "|cmd", ">-", "<file", "forever", "", "@ram.conf", "@loop.conf", "@missing.conf", "@",
                "$asinfo_start{x}", "10,5,1,100,10s", "0x9000000,4K,rw=file:/r@0x1000", "0x1000=shm:a/b", "4K,r=uio:1/",
                "gic:40=eventfd:", "gic:40,u=uio:x", "unsafe", "0x1000,4K=file:@", "02:00:00:00:00:01", "Vendor_ID=1", "0x40/4=1", "dump,terminate"));
        for (VdevSchema schema : VdevCatalog.all()) {
            words.add(schema.type());
            words.addAll(schema.options().keySet());
        }
        return words;
    }

    @Provide
    Arbitrary<List<String>> tokenStreams() {
        Arbitrary<String> known = Arbitraries.of(vocabulary());
        Arbitrary<String> noise = Arbitraries.strings().all().ofMaxLength(12);
        return Arbitraries.frequencyOf(
                        Tuple.of(8, known),
                        Tuple.of(2, noise))
                .list().ofMaxSize(30);
    }

    /** Delete (kind 0), duplicate (1) or replace (2) the word or space at {@code position}. */
    record Mutation(int position, int kind, String replacement) {
    }

    /**
     * Mutations of {@link #VALID}: token deletions, duplications and replacements, truncation, a quote
     * removed or added, and random bytes inserted anywhere (also invalid UTF-8).
     */
    @Provide
    Arbitrary<byte[]> mutatedFiles() {
        String[] words = VALID.split("(?<=\\s)|(?=\\s)");
        Arbitrary<Mutation> mutation = Combinators.combine(Arbitraries.integers().between(0, words.length - 1),
                Arbitraries.integers().between(0, 2), Arbitraries.of(vocabulary())).as(Mutation::new);
        Arbitrary<String> byWords = mutation.list().ofMinSize(1).ofMaxSize(4).map(mutations -> {
            List<String> out = new ArrayList<>(List.of(words));
            for (Mutation m : mutations) {
                int at = Math.min(m.position(), out.size() - 1);
                switch (m.kind()) {
                    case 0 -> out.remove(at);
                    case 1 -> out.add(at, out.get(at));
                    default -> out.set(at, m.replacement());
                }
            }
            return String.join("", out);
        });
        Arbitrary<String> truncated = Arbitraries.integers().between(0, VALID.length()).map(n -> VALID.substring(0, n));
        Arbitrary<String> unbalanced = Arbitraries.integers().between(0, VALID.length() - 1).map(from -> {
            int quote = VALID.indexOf('"', from);
            return quote < 0 ? VALID + "\"" : VALID.substring(0, quote) + VALID.substring(quote + 1);
        });
        Arbitrary<byte[]> text = Arbitraries.oneOf(byWords, truncated, unbalanced).map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> withRandomBytes = Combinators.combine(text, Arbitraries.bytes().array(byte[].class).ofMaxSize(8),
                Arbitraries.integers().between(0, Integer.MAX_VALUE)).as((base, noise, where) -> {
                    int at = base.length == 0 ? 0 : where % base.length;
                    byte[] out = new byte[base.length + noise.length];
                    System.arraycopy(base, 0, out, 0, at);
                    System.arraycopy(noise, 0, out, at, noise.length);
                    System.arraycopy(base, at, out, at + noise.length, base.length - at);
                    return out;
                });
        return Arbitraries.oneOf(text, withRandomBytes);
    }
}
