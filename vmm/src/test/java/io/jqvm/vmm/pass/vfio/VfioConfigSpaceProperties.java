package io.jqvm.vmm.pass.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.pci.PciConfigSpace;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever a guest does to a VFIO device (configuration writes at any offset, including outside the space, of any
 * size and value; BAR reads and writes anywhere, the MSI-X table's included; in any order, with the BARs mapped as
 * the VM runs): nothing throws, the identity does not change, the BARs keep their types and sizes, the capability
 * list stays a short chain holding only MSI-X, the only configuration bytes that reach the device are the command
 * register's guest-controlled bits, every guest mapping of a BAR sits where the BAR is with memory decode on and
 * never covers the emulated MSI-X page, and closing releases everything.
 */
class VfioConfigSpaceProperties {
    /** {@code bar} -1: a configuration write; 0-5: a BAR write ({@code read}: a read). */
    record Access(int bar, boolean read, int offset, int size, long value) {
    }

    @Provide
    Arbitrary<List<Access>> accesses() {
        Arbitrary<Integer> configOffsets = Arbitraries.oneOf(Arbitraries.integers().between(0, 0x3f),
                Arbitraries.integers().between(-8, 300), Arbitraries.of(0x04, 0x10, 0x18, 0x1c, 0x20, 0x34, 0x40, 0x42));
        Arbitrary<Integer> barOffsets = Arbitraries.oneOf(Arbitraries.integers().between(0, 0x40),
                Arbitraries.integers().between(-16, 0x5000), Arbitraries.of(0x800, 0xffc, 0x1000, 0x3ff8));
        Arbitrary<Integer> sizes = Arbitraries.of(0, 1, 2, 3, 4, 8);
        Arbitrary<Long> values = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(0L, 1L, 0x8000L, 0xffff_ffffL, -1L,
                0x1000_0000L, 0x2000_0000L, 6L));
        Arbitrary<Access> config = Combinators.combine(configOffsets, sizes, values).as((o, s, v) -> new Access(-1, false, o, s, v));
        Arbitrary<Access> bar = Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.of(false, true),
                barOffsets, sizes, values).as(Access::new);
        // What a driver writes: BAR addresses, memory decode on and off, MSI-X enable (the emulated capability at 0x40).
        Arbitrary<Access> driver = Arbitraries.of(new Access(-1, false, 0x10, 4, 0x1000_0000L),
                new Access(-1, false, 0x10, 4, 0x2000_0000L), new Access(-1, false, 0x18, 4, 0x1000_0000L),
                new Access(-1, false, 0x18, 4, 0), new Access(-1, false, 0x1c, 4, 1), new Access(-1, false, 0x1c, 4, 0),
                new Access(-1, false, 0x04, 2, 6), new Access(-1, false, 0x04, 2, 0), new Access(-1, false, 0x42, 2, 0x8000),
                new Access(-1, false, 0x42, 2, 0));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, config), net.jqwik.api.Tuple.of(2, bar),
                net.jqwik.api.Tuple.of(4, driver)).list().ofMaxSize(64);
    }

    @Property(tries = 300)
    void guestAccessesNeverEscapeTheVirtualisation(@ForAll("accesses") List<Access> accesses) {
        FakeVfioKernel kernel = new FakeVfioKernel();
        long hostCommand = kernel.get(kernel.config, PciConfigSpace.COMMAND, 2);
        byte[] hostBefore = kernel.config.clone();
        VfioPciDevice device = VfioPciDevice.open(kernel, FakeVfioKernel.NAME, FakeVfioKernel.GROUP, List.of());
        VfioPciFunction function = new VfioPciFunction(device, (address, data) -> { }, "property-msix");
        VfioPciFunctionTest.Mappings guest = new VfioPciFunctionTest.Mappings();
        function.attach(guest);
        PciConfigSpace config = function.config();
        boolean everMapped = false;
        try {
            for (Access a : accesses) {
                if (a.bar() < 0) {
                    if (config.write(a.offset(), a.size(), a.value())) {
                        function.configWritten(a.offset(), a.size());
                    }
                } else if (config.bar(a.bar()) != null && (a.size() == 1 || a.size() == 2 || a.size() == 4 || a.size() == 8)
                        && a.offset() >= 0 && a.offset() + a.size() <= config.bar(a.bar()).size()) {
                    // the bus hands a function only accesses inside its BARs, of sizes 1, 2, 4 and 8
                    if (a.read()) {
                        function.readBar(0, a.bar(), a.offset(), a.size());
                    } else {
                        function.writeBar(0, a.bar(), a.offset(), a.size(), a.value());
                    }
                }
                checkMappings(kernel, config, guest);
                everMapped |= !guest.map.isEmpty();
            }
            Statistics.collect(everMapped ? "a BAR was mapped" : "no BAR mapped");
            // the mapping checks above are worth something only if the guest's writes often map a BAR
            Statistics.coverage(c -> c.check("a BAR was mapped").percentage(p -> p > 8));
            assertEquals(FakeVfioKernel.VENDOR, config.read(0, 2));
            assertEquals(FakeVfioKernel.DEVICE, config.read(2, 2));
            assertEquals(0, config.read(PciConfigSpace.HEADER_TYPE, 1));
            assertEquals(0, config.read(0x10, 4) & 0xfff, "BAR 0: 4 KiB, 32-bit, its low bits fixed");
            assertEquals(0xc, config.read(0x18, 4) & 0x3fff, "BAR 2: 16 KiB, 64-bit prefetchable");
            assertEquals(1, config.read(0x20, 4) & 0x1f, "BAR 4: 32 ports");
            Set<Integer> seen = new HashSet<>();
            int at = (int) config.read(PciConfigSpace.CAPABILITIES_POINTER, 1);
            while (at != 0) {
                assertTrue(at >= 0x40 && at % 4 == 0 && seen.add(at), "capability pointer " + at);
                assertEquals(0x11, config.read(at, 1), "only MSI-X is shown");
                at = (int) config.read(at + 1, 1);
            }
            for (long[] write : kernel.configWrites) {
                assertEquals(PciConfigSpace.COMMAND, write[0], "only the command register reaches the device");
                assertEquals(hostCommand & ~VfioPciFunction.PASSED_COMMAND_BITS, write[2] & ~VfioPciFunction.PASSED_COMMAND_BITS);
            }
            for (int i = 0; i < 256; i++) {
                if (i != PciConfigSpace.COMMAND && i != PciConfigSpace.COMMAND + 1) {
                    assertEquals(hostBefore[i], kernel.config[i], "device configuration byte " + i);
                }
            }
        } finally {
            function.close();
            device.close();
        }
        assertTrue(kernel.mappings().isEmpty(), "every BAR mmap undone");
        assertTrue(kernel.openDescriptors().isEmpty(), kernel.openDescriptors().toString());
    }

    /** Each guest mapping is a piece of BAR 0 or 2 at that BAR's address plus the piece's offset, decode on. */
    private static void checkMappings(FakeVfioKernel kernel, PciConfigSpace config, VfioPciFunctionTest.Mappings guest) {
        boolean decode = (config.command() & PciConfigSpace.COMMAND_MEMORY) != 0;
        for (Map.Entry<Long, MemorySegment> m : guest.map.entrySet()) {
            assertTrue(decode, "a mapping while memory decode is off");
            long address = m.getValue().address();
            int bar = address - kernel.bar0.address() >= 0 && address - kernel.bar0.address() < kernel.bar0.byteSize() ? 0 : 2;
            long offset = address - (bar == 0 ? kernel.bar0 : kernel.bar2).address();
            assertTrue(offset >= 0 && offset + m.getValue().byteSize() <= (bar == 0 ? kernel.bar0 : kernel.bar2).byteSize());
            assertEquals(config.barAddress(bar) + offset, m.getKey(), "BAR " + bar + " mapped where the guest put it");
            assertTrue(bar != 2 || offset >= 0x1000, "the MSI-X page stays trapped");
        }
    }
}
