package io.jqvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jqvm.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ControlOptionsTest {
    @Test
    void leadingFlagsOnly() {
        ControlOptions o = ControlOptions.parse(List.of("--api-sock", "/tmp/a.sock", "--metrics-path", "m.json",
                "--metrics-interval", "5", "@board.qvmconf", "--no-api"));
        assertEquals(Optional.of(Path.of("/tmp/a.sock")), o.apiSocket());
        assertEquals(Optional.of(Path.of("m.json")), o.metricsPath());
        assertEquals(Duration.ofSeconds(5), o.metricsInterval());
        assertEquals(List.of("@board.qvmconf", "--no-api"), o.tokens(), "a flag after the first token is a token");
        ControlOptions none = ControlOptions.parse(List.of("--no-api"));
        assertFalse(none.api());
        assertEquals(List.of(), none.tokens());
    }

    @Test
    void badFlagsSayWhere() {
        ConfigException missing = assertThrows(ConfigException.class, () -> ControlOptions.parse(List.of("--api-sock")));
        assertEquals("<command line>:1:1: --api-sock needs a path", missing.getMessage());
        ConfigException interval = assertThrows(ConfigException.class,
                () -> ControlOptions.parse(List.of("--metrics-interval", "0")));
        assertEquals("<command line>:1:1: --metrics-interval needs a whole number of seconds from 1 to 86400",
                interval.getMessage());
        assertThrows(ConfigException.class, () -> ControlOptions.parse(List.of("--no-api", "--api-sock", "x")));
    }
}
