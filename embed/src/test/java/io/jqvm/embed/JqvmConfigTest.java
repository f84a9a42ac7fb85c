package io.jqvm.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jqvm.config.ConfigException;
import io.jqvm.config.QvmConf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configurations from text and from the builder: checked by the command's parser, errors in its words. */
class JqvmConfigTest {
    private static final String BAD = "ram 0x40000000,256M\ncpu\nvdev pl011 loc 0x09000000 intr gic:33 speed 9600\n";

    @Test
    void aBadConfigurationGivesTheCommandsLineAtItsPosition(@TempDir Path dir) throws Exception {
        VmConfigException e = assertThrows(VmConfigException.class, () -> JqvmConfig.parse("bad.qvmconf", BAD, dir));
        // The command reads the same text from a file of that name and prints exactly this line.
        Files.writeString(dir.resolve("bad.qvmconf"), BAD);
        ConfigException command = assertThrows(ConfigException.class, () -> QvmConf.parse(List.of("@bad.qvmconf"), dir));
        assertEquals(command.getMessage(), e.getMessage());
        assertEquals("bad.qvmconf:3:39: ", e.getMessage().substring(0, "bad.qvmconf:3:39: ".length()), e::getMessage);
    }

    @Test
    void theBuilderWritesOneLinePerCallAndQuotesWhatNeedsIt() throws Exception {
        JqvmConfig.Builder b = JqvmConfig.builder().system("built").ram("0x40000000,128M").cpus(2).accel("soft")
                .load(Path.of("/images/my kernel")).initrd(Path.of("/images/initrd")).cmdline("console=ttyAMA0 quiet")
                .line("vdev pl031 loc 0x09010000 intr gic:34");
        assertEquals("""
                system built
                ram 0x40000000,128M
                cpu
                cpu
                accel soft
                load "/images/my kernel"
                initrd load /images/initrd
                cmdline "console=ttyAMA0 quiet"
                vdev pl031 loc 0x09010000 intr gic:34
                """, b.text());
    }

    @Test
    void aBuilderErrorPointsAtTheLineItWrote() {
        VmConfigException e = assertThrows(VmConfigException.class, () -> JqvmConfig.builder().name("my-test")
                .ram("0x40000000,128M").line("vdev no-such-device").build());
        assertEquals("my-test:2:6: ", e.getMessage().substring(0, "my-test:2:6: ".length()), e::getMessage);
    }

    @Test
    void wordsTheLanguageCannotHoldAreRefusedAtOnce() {
        assertThrows(IllegalArgumentException.class, () -> JqvmConfig.builder().cmdline("say \"hi\""));
        assertThrows(IllegalArgumentException.class, () -> JqvmConfig.builder().line("cpu\ncpu"));
        assertThrows(IllegalArgumentException.class, () -> JqvmConfig.builder().include(Path.of("my board.qvmconf")));
        assertThrows(IllegalArgumentException.class, () -> JqvmConfig.builder().cpus(0));
    }

    @Test
    void anIncludeInTheTextIsReadFromTheDirectory(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("board.qvmconf"), "ram 0x40000000,64M\ncpu\n");
        VmConfigException e = assertThrows(VmConfigException.class,
                () -> JqvmConfig.parse("top", "@board.qvmconf\nvdev pl011 nonsense\n", dir));
        assertEquals("top:2:", e.getMessage().substring(0, "top:2:".length()), e::getMessage);
        assertThrows(VmConfigException.class, () -> JqvmConfig.parse("top", "@missing.qvmconf\n", dir));
    }
}
