package io.jqvm.mediator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jqvm.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MediatorConfigTest {
    @TempDir
    Path dir;

    private MediatorConfig parse(String text) throws Exception {
        Path conf = dir.resolve("m.conf");
        Files.writeString(conf, text);
        return MediatorConfig.parse(List.of("@" + conf), dir);
    }

    @Test
    void aFullConfiguration() throws Exception {
        MediatorConfig c = parse("""
                # a shared disk
                threads 3
                disk shared file shared.img serial SHARED1
                disk boot file /srv/boot.img readonly
                client safety on shared socket s.sock priority 10
                client media on shared socket /run/m.sock priority 1 share 200 burst 4 backlog 32 overflow refuse
                """);
        assertEquals(3, c.threads());
        assertEquals(dir.resolve("shared.img"), c.disks().get(0).file());
        assertEquals("SHARED1", c.disks().get(0).serial());
        assertEquals(true, c.disks().get(1).readOnly());
        MediatorConfig.Client media = c.clients().get(1);
        assertEquals(new PriorityScheduler.Policy(1, 200, 4, 32), media.policy());
        assertEquals(MediatorConfig.Overflow.REFUSE, media.overflow());
        MediatorConfig.Client safety = c.clients().get(0);
        assertEquals(new PriorityScheduler.Policy(10, 0, 1, MediatorConfig.DEFAULT_BACKLOG), safety.policy());
        assertEquals(MediatorConfig.Overflow.WAIT, safety.overflow());
        assertEquals(Optional.of(dir.resolve("s.sock")), safety.socket());
        assertEquals(MediatorConfig.DEFAULT_SYSTEM, c.system());
    }

    @Test
    void theExampleParses() {
        Path example = Path.of(System.getenv().getOrDefault("JQVM_REPO", "..")).resolve("examples/systems/mediated/mediator.conf");
        MediatorConfig c = MediatorConfig.parse(List.of("@" + example), dir);
        assertEquals(List.of("safety", "media"), c.clients().stream().map(MediatorConfig.Client::name).toList());
        assertEquals(MediatorConfig.Overflow.REFUSE, c.clients().get(1).overflow());
    }

    @Test
    void aShareWithoutBurstGetsATenthOfASecond() throws Exception {
        MediatorConfig c = parse("disk d file x.img\nclient a on d socket a.sock share 500\n");
        assertEquals(50, c.clients().getFirst().policy().burst());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "disk d file x.img\\nclient a on d socket a.sock prority 3\\n|2:29: unknown option \"prority\"; did you mean \"priority\"?",
        "disk d file x.img\\nclient a on e socket a.sock\\n|2:13: client \"a\" is on disk \"e\", which no disk line defines",
        "disk d file x.img\\nclient a on d socket a.sock priority 256\\n|2:38: priority 256 is outside 0..255",
        "disk d file x.img\\nclient a on d socket a.sock share x\\n|2:35: share \"x\" is not a number",
        "system a\\nsystem b\\n|2:1: system is given twice",
        "system /x\\n|1:8: name \"/x\" must be",
        "disk d file x.img\\nclient a on d socket s\\nclient b on d socket s\\n|3:1: client \"b\" has the socket of client \"a\"",
        "disk d\\nclient a on d socket s\\n|1:1: disk \"d\" has no file (disk NAME file PATH)",
        "disk d file x\\ndisk d file y\\nclient a on d socket s\\n|2:1: disk \"d\" is defined twice",
        "disk d file x\\n|1:13: no client",
        "disk d file x\\nclient a on d socket s overflow drop\\n|2:33: overflow \"drop\" is neither wait nor refuse",
        "disk d file x\\nclient a on d socket s burst 3\\n|2:1: client \"a\" has a burst but no share",
        "thread 2\\n|1:1: unknown keyword \"thread\"",
        "threads 0\\n|1:9: threads 0 is outside 1..32",
        "disk d file x\\nclient \"a b\" on d socket s\\n|2:8: name \"a b\" must be",
        "disk d file x\\nclient a on d socket\\n|2:15: socket needs a socket path",
    })
    void mistakesAreReportedWhereTheyAre(String text, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text.replace("\\n", "\n")));
        String message = e.getMessage();
        String where = message.substring(message.indexOf("m.conf:") + "m.conf:".length());
        assertEquals(expected, where.substring(0, Math.min(where.length(), expected.length())), message);
        assertEquals(65, e.status().code());
    }
}
