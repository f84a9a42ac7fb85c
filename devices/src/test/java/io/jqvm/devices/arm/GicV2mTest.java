package io.jqvm.devices.arm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jqvm.device.InterruptController;
import io.jqvm.device.IrqLine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GicV2mTest {
    private final List<String> edges = new ArrayList<>();
    private final InterruptController gic = new InterruptController() {
        @Override public int lineCount() { return 288; }
        @Override public IrqLine line(int n) { return asserted -> edges.add(n + (asserted ? "+" : "-")); }
    };
    private final GicV2m frame = new GicV2m(0x0802_0000L, gic, 80, 64);

    @Test
    void typerAnnouncesTheSpiRange() {
        assertEquals(80L << 16 | 64, frame.read(0, 0x008, 4));
    }

    @Test
    void aWriteToTheDoorbellPulsesThatSpi() {
        frame.signal(0x0802_0040L, 81);
        frame.write(0, 0x040, 4, 143);
        assertEquals(List.of("81+", "81-", "143+", "143-"), edges);
    }

    @Test
    void messagesOutsideTheFrameOrItsSpisDoNothing() {
        frame.signal(0x0802_0044L, 81);
        frame.signal(0x0802_0040L, 79);
        frame.signal(0x0802_0040L, 144);
        frame.write(0, 0x040, 4, -1);
        frame.write(0, 0x044, 4, 81);
        assertEquals(List.of(), edges);
    }

    @Test
    void aRangeTheGicLacksIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GicV2m(0, gic, 250, 64));
        assertThrows(IllegalArgumentException.class, () -> new GicV2m(0, gic, 16, 8));
    }
}
