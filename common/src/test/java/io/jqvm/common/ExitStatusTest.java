package io.jqvm.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExitStatusTest {
    /** qvm's documented statuses: scripts depend on these numbers. */
    @Test
    void numbersMatchQvm() {
        Map<ExitStatus, Integer> expected = Map.of(ExitStatus.NORMAL, 0, ExitStatus.POWER_CUT, 3, ExitStatus.WATCHDOG, 4,
                ExitStatus.UNSUPPORTED, 5, ExitStatus.VDEV_ERROR, 6, ExitStatus.UNEXPECTED, 7,
                ExitStatus.FATAL_BEFORE_START, 64, ExitStatus.CONFIG_ERROR, 65, ExitStatus.FATAL_AFTER_START, 96);
        assertEquals(expected.size(), ExitStatus.values().length);
        expected.forEach((status, code) -> assertEquals(code, status.code(), status.name()));
    }
}
