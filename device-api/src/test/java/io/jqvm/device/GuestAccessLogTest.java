package io.jqvm.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.common.Log;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuestAccessLogTest {
    private final List<String> lines = new ArrayList<>();
    private long now;

    @AfterEach
    void restoreLog() {
        Log.reset();
    }

    @Test
    void burstThenOneLinePerSecondWithSuppressedCount() {
        Log.configure(List.of(Set.of(Log.Level.WARN)), List.of((level, line) -> lines.add(line)));
        GuestAccessLog log = new GuestAccessLog("uart", () -> now);
        for (int i = 0; i < 20; i++) {
            log.report("bad " + i);
        }
        assertEquals(5, lines.size());
        assertEquals("jqvm: warn: uart: bad 0", lines.getFirst());
        now += 999_999_999L;
        log.report("still too soon");
        assertEquals(5, lines.size());
        now += 1;
        log.report("later");
        assertEquals("jqvm: warn: uart: later (16 similar messages suppressed)", lines.getLast());
        assertEquals(22, log.total());
    }
}
