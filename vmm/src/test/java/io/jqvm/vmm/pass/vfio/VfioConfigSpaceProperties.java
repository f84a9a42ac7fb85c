package io.jqvm.vmm.pass.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.pci.PciConfigSpace;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a guest writes to a VFIO device's virtualised configuration space (any offset, including outside it,
 * any size, any value, in any order): nothing throws, the identity does not change, the BARs keep their types and
 * sizes, the capability list stays a short chain holding only MSI-X, and the only bytes that reach the device are
 * the command register's guest-controlled bits.
 */
class VfioConfigSpaceProperties {
    record Write(int offset, int size, long value) {
    }

    @Provide
    Arbitrary<List<Write>> writes() {
        Arbitrary<Integer> offsets = Arbitraries.oneOf(Arbitraries.integers().between(0, 0x3f),
                Arbitraries.integers().between(-8, 300), Arbitraries.of(0x04, 0x10, 0x18, 0x1c, 0x20, 0x34, 0x40, 0x42));
        Arbitrary<Integer> sizes = Arbitraries.of(0, 1, 2, 3, 4, 8);
        Arbitrary<Long> values = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(0L, 0xffff_ffffL, -1L));
        return Combinators.combine(offsets, sizes, values).as(Write::new).list().ofMaxSize(64);
    }

    @Property(tries = 300)
    void guestWritesNeverEscapeTheVirtualisation(@ForAll("writes") List<Write> writes) {
        FakeVfioKernel kernel = new FakeVfioKernel();
        long hostCommand = kernel.get(kernel.config, PciConfigSpace.COMMAND, 2);
        byte[] hostBefore = kernel.config.clone();
        VfioPciFunction function = new VfioPciFunction(
                VfioPciDevice.open(kernel, FakeVfioKernel.NAME, FakeVfioKernel.GROUP, List.of()), (address, data) -> { });
        PciConfigSpace config = function.config();
        for (Write w : writes) {
            if (config.write(w.offset(), w.size(), w.value())) {
                function.configWritten(w.offset(), w.size());
            }
        }
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
    }
}
