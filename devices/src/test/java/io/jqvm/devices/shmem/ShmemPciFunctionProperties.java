package io.jqvm.devices.shmem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.device.BusDevice;
import io.jqvm.device.GuestMappings;
import io.jqvm.device.IrqLine;
import io.jqvm.device.pci.PciBus;
import io.jqvm.device.pci.PciConfigSpace;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Whatever a guest writes to the shmem function's configuration space and reads or writes through the memory
 * window (any offset, size and value), the identity and BAR 0's size stay QNX's, nothing throws, and INTA#
 * is exactly the device's request gated by the command register's INTx-disable bit.
 */
class ShmemPciFunctionProperties {
    private static final int DEVFN = 3 * PciBus.FUNCTIONS;

    /** A guest access, or ({@code request}) the device model raising or lowering its interrupt request. */
    record Access(boolean config, int offset, int size, long value, boolean read, boolean request) {
    }

    @Provide
    Arbitrary<Access> accesses() {
        Arbitrary<Integer> configOffsets = Arbitraries.oneOf(Arbitraries.integers().between(0, 0x40),
                Arbitraries.integers().between(-4, PciConfigSpace.SIZE + 4));
        Arbitrary<Long> values = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(0L, 0xffff_ffffL, 0x1000_0000L,
                (long) PciConfigSpace.COMMAND_MEMORY, (long) (PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_INTX_DISABLE)));
        return Combinators.combine(Arbitraries.of(true, false), configOffsets, Arbitraries.integers().between(0, 0x1100),
                Arbitraries.of(1, 2, 3, 4, 8), values, Arbitraries.of(true, false), Arbitraries.integers().between(0, 4))
                .as((config, co, mo, size, value, read, kind) -> new Access(config, config ? co : mo, size, value, read, kind == 0));
    }

    @Property(tries = 200)
    void guestAccessesKeepTheIdentityAndTheInterruptGate(@ForAll @Size(max = 50) List<@From("accesses") Access> script)
            throws IOException {
        Path dir = Files.createTempDirectory("shmem-pci-prop");
        AtomicBoolean line = new AtomicBoolean();
        AtomicBoolean requested = new AtomicBoolean();
        GuestShm[] model = new GuestShm[1];
        IrqLine[] request = new IrqLine[1];
        PciBus bus = new PciBus();
        try {
            bus.add(3, 0, new ShmemPciFunction(line::set, irq -> {
                request[0] = asserted -> {
                    synchronized (requested) { // a connection's thread may raise it: request and line change together
                        requested.set(asserted);
                        irq.set(asserted);
                    }
                };
                model[0] = new GuestShm(dir, ShmemPolicy.OPEN, request[0], 7, GuestShmTest.WINDOW, GuestShmTest.WINDOW_SIZE, new GuestMappings() {
                    @Override
                    public void map(long gpa, MemorySegment host, String owner) {
                    }

                    @Override
                    public void unmap(long gpa) {
                    }
                }, "shmem property");
                return model[0].factory();
            }));
            BusDevice memory = bus.memoryWindow(0);
            for (Access a : script) {
                if (a.request()) {
                    request[0].set(a.read());
                } else if (a.config() && a.read()) {
                    bus.readConfig(0, DEVFN, a.offset(), a.size());
                } else if (a.config()) {
                    bus.writeConfig(0, DEVFN, a.offset(), a.size(), a.value());
                } else if (a.read()) {
                    memory.read(0, a.offset(), a.size());
                } else {
                    memory.write(0, a.offset(), a.size(), a.value());
                }
                boolean disabled = (bus.readConfig(0, DEVFN, PciConfigSpace.COMMAND, 2) & PciConfigSpace.COMMAND_INTX_DISABLE) != 0;
                synchronized (requested) {
                    assertEquals(requested.get() && !disabled, line.get(), "INTA# after " + a);
                }
                assertEquals(0x0001_1c05L, bus.readConfig(0, DEVFN, PciConfigSpace.VENDOR_ID, 4));
            }
            long bar = bus.readConfig(0, DEVFN, PciConfigSpace.BAR0, 4);
            bus.writeConfig(0, DEVFN, PciConfigSpace.BAR0, 4, 0xffff_ffffL);
            assertEquals(0xffff_f000L, bus.readConfig(0, DEVFN, PciConfigSpace.BAR0, 4), "BAR 0 still sizes as one page");
            bus.writeConfig(0, DEVFN, PciConfigSpace.BAR0, 4, bar);
        } finally {
            if (model[0] != null) {
                model[0].close();
            }
            try (Stream<Path> left = Files.list(dir)) {
                left.forEach(p -> p.toFile().delete());
            }
            Files.delete(dir);
        }
    }
}
