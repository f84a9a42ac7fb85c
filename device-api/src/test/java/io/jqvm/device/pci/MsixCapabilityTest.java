package io.jqvm.device.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MsixCapabilityTest {
    private final List<String> sent = new ArrayList<>();
    private final PciConfigSpace config = new PciConfigSpace(1, 2, 0, 0, 0, 0, 0);
    private final MsixCapability msix = new MsixCapability(config, 3, 1, 0, 1, 0x800, (a, d) -> sent.add(Long.toHexString(a) + "=" + d));

    private void control(int value) {
        config.write(0x42, 2, value);
        msix.configWritten();
    }

    private void program(int vector, long address, int data, boolean masked) {
        msix.writeTable(16L * vector, 8, address);
        msix.writeTable(16L * vector + 8, 4, data);
        msix.writeTable(16L * vector + 12, 4, masked ? 1 : 0);
    }

    @Test
    void capabilityAnnouncesTableSizeAndPlaces() {
        assertEquals(0x11, config.read(0x40, 1));
        assertEquals(2, config.read(0x42, 2), "table size is N - 1");
        assertEquals(1, config.read(0x44, 4));
        assertEquals(0x801, config.read(0x48, 4));
    }

    @Test
    void anUnmaskedVectorOfAnEnabledFunctionFires() {
        control(0x8000);
        program(1, 0x8020040L, 81, false);
        msix.signal(1);
        assertEquals(List.of("8020040=81"), sent);
    }

    @Test
    void nothingFiresWhileDisabled() {
        program(0, 0x8020040L, 80, false);
        msix.signal(0);
        assertTrue(sent.isEmpty());
    }

    @Test
    void aMaskedVectorIsHeldPendingUntilUnmasked() {
        control(0x8000);
        program(2, 0x8020040L, 82, true);
        msix.signal(2);
        assertTrue(sent.isEmpty());
        assertEquals(4, msix.readPba(0, 8));
        msix.writeTable(16L * 2 + 12, 4, 0);
        assertEquals(List.of("8020040=82"), sent);
        assertEquals(0, msix.readPba(0, 8));
    }

    @Test
    void theFunctionMaskHoldsEveryVector() {
        control(0xc000);
        program(0, 0x8020040L, 80, false);
        msix.signal(0);
        assertTrue(sent.isEmpty());
        control(0x8000);
        assertEquals(List.of("8020040=80"), sent);
    }

    @Test
    void vectorsOutsideTheTableAndOddAccessesDoNothing() {
        control(0x8000);
        msix.signal(3);
        msix.signal(0xffff);
        msix.writeTable(16L * 3, 4, 1); // past the table
        msix.writeTable(2, 4, 1); // misaligned
        assertEquals(0, msix.readTable(16L * 3, 4));
        assertEquals(1, msix.readTable(12, 4), "vectors start masked");
        assertTrue(sent.isEmpty());
    }
}
