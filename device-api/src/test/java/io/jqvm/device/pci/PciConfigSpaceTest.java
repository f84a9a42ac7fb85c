package io.jqvm.device.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jqvm.device.pci.PciConfigSpace.Bar;
import io.jqvm.device.pci.PciConfigSpace.BarKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PciConfigSpaceTest {
    private static PciConfigSpace space() {
        return new PciConfigSpace(0x1af4, 0x1042, 0x010000, 1, 0x1af4, 0x1100, 1);
    }

    @Test
    void headerIdentifiesTheFunction() {
        PciConfigSpace c = space();
        assertEquals(0x1042_1af4L, c.read(0, 4));
        assertEquals(0x0100_0001L, c.read(0x08, 4)); // class 01 00 00, revision 1
        assertEquals(0, c.read(PciConfigSpace.HEADER_TYPE, 1));
        assertEquals(1, c.read(PciConfigSpace.INTERRUPT_PIN, 1));
    }

    @Test
    void identityIsReadOnly() {
        PciConfigSpace c = space();
        c.write(0, 4, 0xffff_ffffL);
        c.write(0x08, 4, 0);
        assertEquals(0x1042_1af4L, c.read(0, 4));
        assertEquals(0x0100_0001L, c.read(0x08, 4));
    }

    @Test
    void memoryBarSizingReadsBackTheNegatedSize() {
        PciConfigSpace c = space();
        c.setBar(1, new Bar(BarKind.MEMORY32, 0x1000, false));
        c.write(0x14, 4, 0xffff_ffffL);
        assertEquals(0xffff_f000L, c.read(0x14, 4));
        c.write(0x14, 4, 0x1234_5678L);
        assertEquals(0x1234_5000L, c.read(0x14, 4));
        assertEquals(0x1234_5000L, c.barAddress(1));
    }

    @Test
    void sixtyFourBitPrefetchableBarSizesBothHalves() {
        PciConfigSpace c = space();
        c.setBar(4, new Bar(BarKind.MEMORY64, 0x4000, true));
        assertEquals(0xc, c.read(0x20, 4)); // 64-bit, prefetchable
        c.write(0x20, 4, 0xffff_ffffL);
        c.write(0x24, 4, 0xffff_ffffL);
        assertEquals(0xffff_c00cL, c.read(0x20, 4));
        assertEquals(0xffff_ffffL, c.read(0x24, 4));
        c.write(0x20, 4, 0x1000_0000L);
        c.write(0x24, 4, 0x80);
        assertEquals(0x80_1000_0000L, c.barAddress(4));
        assertNull(c.bar(5), "the high half is no BAR of its own");
    }

    @Test
    void ioBarKeepsItsTypeBit() {
        PciConfigSpace c = space();
        c.setBar(0, new Bar(BarKind.IO, 0x20, false));
        c.write(0x10, 4, 0xffff_ffffL);
        assertEquals(0xffff_ffe1L, c.read(0x10, 4));
        c.write(0x10, 4, 0xc000);
        assertEquals(0xc000, c.barAddress(0));
    }

    @Test
    void unusedBarsReadZeroWhateverIsWritten() {
        PciConfigSpace c = space();
        c.write(0x18, 4, 0xffff_ffffL);
        assertEquals(0, c.read(0x18, 4));
    }

    @Test
    void badBarsAreRefused() {
        PciConfigSpace c = space();
        assertThrows(IllegalArgumentException.class, () -> new Bar(BarKind.MEMORY32, 0x1800, false));
        assertThrows(IllegalArgumentException.class, () -> new Bar(BarKind.MEMORY32, 8, false));
        assertThrows(IllegalArgumentException.class, () -> new Bar(BarKind.IO, 0x10, true));
        c.setBar(4, new Bar(BarKind.MEMORY64, 0x4000, true));
        assertThrows(IllegalArgumentException.class, () -> c.setBar(5, new Bar(BarKind.MEMORY32, 0x1000, false)));
        assertThrows(IllegalArgumentException.class, () -> c.setBar(5, new Bar(BarKind.MEMORY64, 0x1000, false)));
    }

    @Test
    void commandRegisterKeepsOnlyItsDefinedBits() {
        PciConfigSpace c = space();
        c.write(PciConfigSpace.COMMAND, 2, 0xffff);
        assertEquals(0x547, c.command());
    }

    @Test
    void capabilitiesFormAListFromThePointer() {
        PciConfigSpace c = space();
        int first = c.addCapability(0x09, 16);
        int second = c.addCapability(0x11, 12);
        assertEquals(0x10, c.read(PciConfigSpace.STATUS, 2) & 0x10, "status announces the list");
        List<Integer> ids = new ArrayList<>();
        for (int at = (int) c.read(PciConfigSpace.CAPABILITIES_POINTER, 1); at != 0; at = (int) c.read(at + 1, 1)) {
            ids.add((int) c.read(at, 1));
        }
        assertEquals(List.of(0x09, 0x11), ids);
        assertEquals(0x40, first);
        assertEquals(0x50, second);
        assertThrows(IllegalArgumentException.class, () -> c.addCapability(0x09, 0x100));
    }

    @Test
    void accessesOutsideTheSpaceReadZeroAndWriteNothing() {
        PciConfigSpace c = space();
        byte[] before = c.snapshot();
        assertEquals(0, c.read(0xfe, 4));
        assertEquals(0, c.read(-1, 1));
        assertEquals(0, c.read(0, 3));
        assertFalse(c.write(0xff, 2, 0xffff));
        assertFalse(c.write(-4, 4, 0));
        assertEquals(new String(before, java.nio.charset.StandardCharsets.ISO_8859_1),
                new String(c.snapshot(), java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void statusShowsTheInterrupt() {
        PciConfigSpace c = space();
        c.setInterruptStatus(true);
        assertEquals(8, c.read(PciConfigSpace.STATUS, 2) & 8);
        assertEquals(8L << 16, c.read(PciConfigSpace.COMMAND, 4) & (8L << 16));
    }
}
