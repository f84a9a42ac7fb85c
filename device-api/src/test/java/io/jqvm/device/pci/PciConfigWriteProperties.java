package io.jqvm.device.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.pci.PciConfigSpace.Bar;
import io.jqvm.device.pci.PciConfigSpace.BarKind;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a guest writes to configuration space, through ECAM or mechanism #1, at any offset and size: the
 * identity stays, BARs keep their size and type bits (so sizing still works), the capability list stays a
 * list, and nothing throws.
 */
class PciConfigWriteProperties {
    record Write(boolean viaPorts, int offset, int size, long value) {
    }

    @Provide
    Arbitrary<List<Write>> writes() {
        Arbitrary<Write> one = Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(-8, 4100),
                Arbitraries.of(1, 2, 3, 4, 8), Arbitraries.longs()).as(Write::new);
        return one.list().ofMaxSize(200);
    }

    @Property(tries = 300)
    void guestWritesKeepTheInvariants(@ForAll("writes") List<Write> writes) {
        PciBus bus = new PciBus();
        PciConfigSpace c = new PciConfigSpace(0x1af4, 0x1041, 0x020000, 1, 0x1af4, 0x1100, 1);
        c.setBar(1, new Bar(BarKind.MEMORY32, 0x1000, false));
        c.setBar(4, new Bar(BarKind.MEMORY64, 0x4000, true));
        MsixCapability msix = new MsixCapability(c, 3, 1, 0, 1, 0x800, (a, d) -> { });
        c.addCapability(0x09, 16);
        PciFunction f = new PciFunction() {
            @Override public PciConfigSpace config() { return c; }
            @Override public long readBar(int vcpu, int bar, long offset, int size) { return 0; }
            @Override public void writeBar(int vcpu, int bar, long offset, int size, long value) { }
            @Override public void configWritten(int offset, int size) { msix.configWritten(); }
        };
        bus.add(1, 0, f);
        for (Write w : writes) {
            if (w.viaPorts()) {
                bus.configPorts().write(0, 0, 4, 0x8000_0800L | (w.offset() & 0xfc));
                bus.configPorts().write(0, 4 + (w.offset() & 3), Math.min(w.size(), 4 - (w.offset() & 3)), w.value());
            } else {
                bus.ecam().write(0, (1L << 15) + Math.max(0, w.offset()), w.size(), w.value());
            }
            bus.memoryWindow(0).read(0, w.value() & 0xffff_fffcL, 4);
        }
        assertEquals(0x1041_1af4L, c.read(0, 4));
        assertEquals(0x0200_0001L, c.read(8, 4));
        assertEquals(0, c.read(0x20, 4) & 0x3ff0, "BAR 4's low address bits stay zero");
        assertEquals(0xc, c.read(0x20, 4) & 0xf, "BAR 4 stays 64-bit prefetchable");
        assertEquals(0, c.read(0x14, 4) & 0xfff, "BAR 1's size and type bits stay");
        int hops = 0;
        for (int at = (int) c.read(PciConfigSpace.CAPABILITIES_POINTER, 1); at != 0; at = (int) c.read(at + 1, 1)) {
            assertTrue(at >= 0x40 && at < 0x100, "capability pointer " + at);
            hops++;
            assertTrue(hops <= 2, "the list still ends");
        }
        assertEquals(2, hops);
    }
}
