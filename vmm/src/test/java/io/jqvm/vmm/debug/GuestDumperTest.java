package io.jqvm.vmm.debug;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.accel.A64Registers;
import io.jqvm.common.Arch;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.model.DumpSpec;
import io.jqvm.memory.GuestMemory;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where qvm's {@code dump} option sends a guest core: a directory with unique names, or a shell command. */
class GuestDumperTest {
    private static final Origin HERE = new Origin("test.qvmconf", 1, 1);
    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.RegionSpec(0x40000000L, 0x1000, false, "ram")));
    private final A64Registers registers = new A64Registers(new long[31], 0, 0x40000000L, 0x3c5);
    private final GuestDumper.StoppedVcpus running = writer -> {
        writer.write(List.of(registers));
        return true;
    };

    private byte[] expectedCore() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        GuestCore.write(out, Arch.AARCH64, List.of(registers), memory.regions(), 12);
        return out.toByteArray();
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aDirectoryGetsSystemStampedNamesWithUniquifiers(@TempDir Path dir) throws Exception {
        GuestDumper dumper = new GuestDumper(Optional.of(new DumpSpec.Directory(dir, HERE)), "web", Arch.AARCH64,
                memory.regions(), running);
        for (int i = 0; i < 3; i++) {
            dumper.dump("test", 12);
        }
        List<String> names = names(dir);
        assertEquals(3, names.size(), names.toString());
        // Three dumps within a second or two: each either has its own second or a uniquifier.
        assertTrue(names.stream().allMatch(n -> n.matches("web-\\d{8}-\\d{6}(-[1-9])?\\.gcore")), names.toString());
        assertArrayEquals(expectedCore(), Files.readAllBytes(dir.resolve(names.getFirst())));
    }

    @Test
    void aPipeFeedsTheCoreToTheCommand(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("piped.core");
        GuestDumper dumper = new GuestDumper(Optional.of(new DumpSpec.Pipe("cat > '" + out + "'", HERE)), "web",
                Arch.AARCH64, memory.regions(), running);
        dumper.dump("test", 12);
        assertArrayEquals(expectedCore(), Files.readAllBytes(out));
    }

    @Test
    void aDirectoryThatIsNotOneIsAConfigurationErrorAtItsLine(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("plain"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> GuestDumper.checkDestination(Optional.of(new DumpSpec.Directory(file, HERE))));
        assertEquals("test.qvmconf:1:1: dump: " + file + " is not a directory", e.getMessage());
        assertThrows(ConfigException.class,
                () -> GuestDumper.checkDestination(Optional.of(new DumpSpec.Directory(dir.resolve("missing"), HERE))));
        GuestDumper.checkDestination(Optional.of(new DumpSpec.Directory(dir, HERE)));
        GuestDumper.checkDestination(Optional.of(new DumpSpec.Pipe("cat", HERE)));
        GuestDumper.checkDestination(Optional.empty());
    }

    @Test
    void noDumpOptionOrAStoppedVmWritesNothing(@TempDir Path dir) throws Exception {
        new GuestDumper(Optional.empty(), "web", Arch.AARCH64, memory.regions(), running).dump("test", 12);
        new GuestDumper(Optional.of(new DumpSpec.Directory(dir, HERE)), "web", Arch.AARCH64, memory.regions(),
                writer -> false).dump("test", 12);
        assertEquals(List.of(), names(dir));
    }
}
