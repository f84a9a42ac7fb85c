package io.jqvm.config;

import io.jqvm.config.model.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.jqvm.config.Configs.args;
import static io.jqvm.config.Configs.failsWith;
import static io.jqvm.config.Configs.file;
import static io.jqvm.config.Configs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SourcesTest {
    @TempDir
    Path cwd;

    @Test
    void eachArgumentIsOneTokenAsThePassedIt() {
        VmSpec spec = args(cwd, "cmdline", "console=ttyAMA0 quiet # not a comment");
        assertEquals("console=ttyAMA0 quiet # not a comment", spec.cmdline().orElseThrow());
    }

    @Test
    void filesAndArgumentsCombineInOrder() {
        write(cwd, "a.conf", "cmdline from-a\nram 0x80000000,16M\n");
        write(cwd, "b.conf", "ram 16M\n");
        VmSpec spec = args(cwd, "@a.conf", "cmdline", "from-args", "@b.conf", "dryrun");
        assertEquals("from-args", spec.cmdline().orElseThrow());
        assertEquals(0x81000000L, spec.memory().get(1).base());
        assertTrue(spec.dryrun());
    }

    @Test
    void includesInFilesResolveAgainstTheWorkingDirectory() {
        write(cwd, "sub/main.conf", "@sub/inner.conf\nload sub/Image\n");
        write(cwd, "sub/inner.conf", "ram 0x40000000,1G\n");
        VmSpec spec = args(cwd, "@sub/main.conf");
        assertEquals(0x40000000L, spec.memory().getFirst().base());
        assertEquals(cwd.resolve("sub/Image"), spec.loads().getFirst().path());
    }

    @Test
    void aQuotedAtWordInAFileIsNotAnInclude() {
        VmSpec spec = file(cwd, "q.conf", "cmdline \"@not-a-file\"");
        assertEquals("@not-a-file", spec.cmdline().orElseThrow());
    }

    @Test
    void theSameFileMayBeIncludedTwiceOutsideACycle() {
        write(cwd, "ram.conf", "ram 16M\n");
        assertEquals(2, args(cwd, "@ram.conf", "@ram.conf").memory().size());
    }

    @Test
    void errorsInFilesNameTheFileLineAndColumn() {
        write(cwd, "bad.conf", "ram 16M\n  bogus\n");
        failsWith(cwd, "bad.conf:2:3: unknown option \"bogus\" (options: system, ram, rom, cpu, load, cmdline, pass, "
                + "reserve, vdev, set, logger, unsupported, tolerance, dump, safety, dryrun, debug, gdb, suppress, arch, "
                + "accel, acpi, data, initrd, fdt, guest)", "@bad.conf");
    }

    @Test
    void errorsOnTheCommandLineNameTheArgumentIndex() {
        failsWith(cwd, "<command line>:1:3: ram length: \"12Q\" is not a size or address (write 0x1000, 4096, 4K, 16M or 1G)",
                "dryrun", "ram", "12Q");
    }

    @Test
    void aMissingFileIsReportedWhereItWasNamed() {
        failsWith(cwd, "<command line>:1:2: missing.conf: cannot read: no such file", "dryrun", "@missing.conf");
        write(cwd, "outer.conf", "dryrun\n  @inner.conf\n");
        failsWith(cwd, "outer.conf:2:3: inner.conf: cannot read: no such file", "@outer.conf");
    }

    @Test
    void aDirectoryCannotBeRead() {
        ConfigException e = assertThrows(ConfigException.class, () -> args(cwd, "@."));
        assertTrue(e.getMessage().startsWith("<command line>:1:1: .: cannot read: "), e.getMessage());
    }

    @Test
    void anAtWithoutNameIsAnError() {
        failsWith(cwd, "<command line>:1:1: \"@\": missing file name after '@'", "@");
    }

    @Test
    void includeCyclesAreDetected() {
        write(cwd, "a.conf", "dryrun\n@b.conf\n");
        write(cwd, "b.conf", "\n\n @a.conf\n");
        failsWith(cwd, "b.conf:3:2: \"@a.conf\": include cycle: a.conf -> b.conf -> a.conf", "@a.conf");
    }

    @Test
    void aFileIncludingItselfIsACycle() {
        write(cwd, "self.conf", "@./self.conf\n");
        failsWith(cwd, "self.conf:1:1: \"@./self.conf\": include cycle: self.conf -> ./self.conf", "@self.conf");
    }

    @Test
    void invalidUtf8IsReportedAtItsPosition() throws IOException {
        Files.write(cwd.resolve("bin.conf"), new byte[] {'r', 'a', 'm', '\n', 'a', 'b', (byte) 0xff, 'c'});
        failsWith(cwd, "bin.conf:2:3: byte 0xff is not valid UTF-8 text", "@bin.conf");
    }

    @Test
    void aNulInAPathIsAnError() {
        failsWith(cwd, "<command line>:1:1: a\\u0000b: cannot read: invalid path (Nul character not allowed)", "@a\0b");
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFirstWord() throws IOException {
        Files.write(cwd.resolve("bom.conf"), new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, 'd', 'r', 'y', 'r', 'u', 'n'});
        assertTrue(args(cwd, "@bom.conf").dryrun());
    }

    @Test
    void aRelativeWorkingDirectoryIsMadeAbsolute() {
        assertEquals(Path.of("Image").toAbsolutePath(), QvmConf.parse(List.of("load", "Image"), Path.of("")).loads().getFirst().path());
    }

    @Test
    void anEmptyArgumentListGivesAnEmptySpec() {
        VmSpec spec = QvmConf.parse(List.of(), cwd);
        assertEquals(List.of(), spec.vdevs());
        assertEquals(List.of(), spec.cpus());
    }
}
