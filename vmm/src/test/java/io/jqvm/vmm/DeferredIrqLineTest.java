package io.jqvm.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeferredIrqLineTest {
    @Test
    void levelBeforeConnectionIsReplayedAndLaterChangesForwarded() {
        DeferredIrqLine line = new DeferredIrqLine();
        List<Boolean> seen = new ArrayList<>();
        line.set(true);
        line.connect(seen::add);
        line.set(false);
        line.pulse();
        assertEquals(List.of(true, false, true, false), seen);
    }

    @Test
    void lowLineIsNotReplayed() {
        DeferredIrqLine line = new DeferredIrqLine();
        List<Boolean> seen = new ArrayList<>();
        line.pulse();
        line.connect(seen::add);
        assertEquals(List.of(), seen);
    }
}
