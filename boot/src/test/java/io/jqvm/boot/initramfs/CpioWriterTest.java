package io.jqvm.boot.initramfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpioWriterTest {
    /** One entry as read back by an independent newc parser. */
    record Entry(String name, int mode, int major, int minor, byte[] data) {
    }

    static List<Entry> parse(byte[] archive) {
        List<Entry> entries = new ArrayList<>();
        int at = 0;
        while (true) {
            String header = new String(archive, at, 110, StandardCharsets.US_ASCII);
            assertEquals("070701", header.substring(0, 6), "magic at " + at);
            int[] f = new int[13];
            for (int i = 0; i < 13; i++) {
                f[i] = (int) Long.parseLong(header.substring(6 + 8 * i, 14 + 8 * i), 16);
            }
            int nameSize = f[11];
            String name = new String(archive, at + 110, nameSize - 1, StandardCharsets.UTF_8);
            assertEquals(0, archive[at + 110 + nameSize - 1], "name NUL-terminated");
            int dataStart = (at + 110 + nameSize + 3) & ~3;
            byte[] data = Arrays.copyOfRange(archive, dataStart, dataStart + f[6]);
            at = (dataStart + f[6] + 3) & ~3;
            if (name.equals("TRAILER!!!")) {
                assertEquals(archive.length, at, "nothing after the trailer");
                return entries;
            }
            entries.add(new Entry(name, f[1], f[9], f[10], data));
        }
    }

    @Test
    void writesEveryKindOfEntry() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CpioWriter cpio = new CpioWriter(out)) {
            cpio.directory("/bin", 0755);
            cpio.file("bin/busybox", 0755, new byte[] {1, 2, 3, 4, 5});
            cpio.symlink("bin/sh", "busybox");
            cpio.directory("dev", 0755);
            cpio.characterDevice("/dev/console", 0600, 5, 1);
            cpio.blockDevice("dev/vda", 0660, 254, 0);
            cpio.directory("tmp", 01777);
        }
        List<Entry> entries = parse(out.toByteArray());
        assertEquals(List.of("bin", "bin/busybox", "bin/sh", "dev", "dev/console", "dev/vda", "tmp"),
                entries.stream().map(Entry::name).toList());
        assertEquals(040755, entries.get(0).mode());
        assertEquals(0100755, entries.get(1).mode());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, entries.get(1).data());
        assertEquals(0120777, entries.get(2).mode());
        assertEquals("busybox", new String(entries.get(2).data(), StandardCharsets.UTF_8));
        assertEquals(020600, entries.get(4).mode());
        assertEquals(5, entries.get(4).major());
        assertEquals(1, entries.get(4).minor());
        assertEquals(060660, entries.get(5).mode());
        assertEquals(041777, entries.get(6).mode());
    }

    @Test
    void makeInitramfsExplainsBadArguments(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        java.io.PrintStream errors = new java.io.PrintStream(err, true, StandardCharsets.UTF_8);
        Path out = dir.resolve("out.cpio");
        assertEquals(2, MakeInitramfs.run(new String[] {out.toString()}, errors));
        assertEquals(1, MakeInitramfs.run(new String[] {out.toString(), dir.resolve("none").toString()}, errors));
        assertEquals(2, MakeInitramfs.run(new String[] {out.toString(), dir.toString(), "--fifo", "x"}, errors));
        assertEquals(1, MakeInitramfs.run(new String[] {out.toString(), dir.toString(), "--char", "/dev/x:five:1:600"}, errors));
        assertEquals(1, MakeInitramfs.run(new String[] {out.toString(), dir.toString(), "--block", "/dev/x:1:1"}, errors));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("usage:"), text);
        assertTrue(text.contains("is not a directory"), text);
        assertTrue(text.contains("unexpected argument --fifo"), text);
        assertTrue(text.contains("major \"five\" is not a number"), text);
        assertTrue(text.contains("is not PATH:MAJOR:MINOR:MODE"), text);
        assertTrue(Files.notExists(out), "no half-written archive left behind");
    }

    @Test
    void refusesBadPathsAndModes() throws IOException {
        CpioWriter cpio = new CpioWriter(new ByteArrayOutputStream());
        assertThrows(IllegalArgumentException.class, () -> cpio.file("../etc/passwd", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> cpio.file("a//b", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> cpio.file("/", 0644, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> cpio.file("x", 010644, new byte[0]));
        cpio.file("x", 0644, new byte[0]);
        assertThrows(IllegalArgumentException.class, () -> cpio.file("/x", 0644, new byte[0]));
        cpio.finish();
        assertThrows(IllegalStateException.class, () -> cpio.directory("y", 0755));
    }

    @Test
    void makeInitramfsPacksATreeWithDeviceNodes(@TempDir Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("init"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(root.resolve("init"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("busybox"));
        Path output = dir.resolve("out.cpio");
        assertEquals(0, MakeInitramfs.run(new String[] {output.toString(), root.toString(), "--char", "/dev/console:5:1:600"},
                System.err));
        List<Entry> entries = parse(Files.readAllBytes(output));
        assertEquals(List.of("bin", "bin/sh", "init", "dev/console"), entries.stream().map(Entry::name).toList());
        assertEquals(0100755, entries.get(2).mode());
        assertEquals("#!/bin/sh\necho hi\n", new String(entries.get(2).data(), StandardCharsets.UTF_8));
        assertEquals(020600, entries.get(3).mode());
    }
}
