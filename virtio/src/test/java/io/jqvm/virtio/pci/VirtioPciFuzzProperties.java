package io.jqvm.virtio.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.BusDevice;
import io.jqvm.device.pci.PciBus;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.RecordingIrq;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random guest accesses to a virtio-pci function's configuration space and BARs (registers, MSI-X table,
 * notifications, with the rings pointed anywhere): nothing throws, guest memory outside RAM is never touched
 * and the function keeps its identity.
 */
class VirtioPciFuzzProperties {
    private static final long RAM = 0x4000_0000L;
    private static final long BAR4 = 0x1000_0000L;
    private static final long BAR1 = 0x1001_0000L;

    record Access(int target, int offset, int size, long value, boolean write) {
    }

    @Provide
    Arbitrary<List<Access>> accesses() {
        Arbitrary<Long> values = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(0L, 1L, 0xffffL, RAM, RAM + 0xff000L, 0x8000L),
                Arbitraries.longs().between(0, 0x10));
        Arbitrary<Access> one = Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 0x4100),
                Arbitraries.of(1, 2, 4, 8), values, Arbitraries.of(true, true, false)).as(Access::new);
        return one.list().ofMaxSize(300);
    }

    @Property(tries = 200)
    void guestAccessesNeverEscape(@ForAll("accesses") List<Access> accesses) {
        try (GuardedMemory ram = new GuardedMemory(RAM, 1 << 20)) {
            PciBus bus = new PciBus();
            bus.add(1, 0, new VirtioPciTransport("fuzz", new VirtioPciTransportTest.ReversingDevice(), ram.memory(),
                    new RecordingIrq(), (a, d) -> { }));
            bus.writeConfig(0, 8, 0x20, 4, BAR4);
            bus.writeConfig(0, 8, 0x14, 4, BAR1);
            bus.writeConfig(0, 8, PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY);
            BusDevice window = bus.memoryWindow(0);
            for (Access a : accesses) {
                switch (a.target()) {
                    case 0 -> {
                        int size = Math.min(a.size(), 4);
                        if (a.write()) {
                            bus.writeConfig(0, 8, a.offset() & 0xff, size, a.value());
                        } else {
                            bus.readConfig(0, 8, a.offset() & 0xff, size);
                        }
                    }
                    case 1 -> {
                        long at = BAR4 + a.offset() % (0x4000 - a.size() + 1);
                        if (a.write()) {
                            window.write(0, at, a.size(), a.value());
                        } else {
                            window.read(0, at, a.size());
                        }
                    }
                    default -> {
                        long at = BAR1 + a.offset() % (0x1000 - a.size() + 1);
                        if (a.write()) {
                            window.write(0, at, a.size(), a.value());
                        } else {
                            window.read(0, at, a.size());
                        }
                    }
                }
            }
            assertEquals(0x1044_1af4L, bus.readConfig(0, 8, 0, 4));
            assertTrue(ram.guardsIntact());
        }
    }
}
