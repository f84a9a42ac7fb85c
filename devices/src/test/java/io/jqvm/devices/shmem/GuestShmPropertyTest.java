package io.jqvm.devices.shmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.BusDevice;
import io.jqvm.device.GuestMappings;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Whatever two guests write to their factory and control pages (any offset, size and value, garbage names,
 * huge sizes, zero sizes, detaches, notifications), the device answers every access, keeps its signature and a
 * valid status, never maps outside its window or over another connection, and leaves nothing on the host.
 */
class GuestShmPropertyTest {
    record Access(int vm, boolean factory, long offset, int size, long value, boolean read) {
    }

    @Provide
    Arbitrary<Access> accesses() {
        Arbitrary<Long> factoryOffsets = Arbitraries.oneOf(Arbitraries.longs().between(0, 70),
                Arbitraries.longs().between(0, GuestShm.FACTORY_SIZE - 8));
        Arbitrary<Long> windowOffsets = Arbitraries.oneOf(Arbitraries.longs().between(0, 16),
                Arbitraries.longs().between(0, GuestShmTest.WINDOW_SIZE - 8));
        Arbitrary<Long> values = Arbitraries.oneOf(Arbitraries.longs().between(0, 40), Arbitraries.longs(),
                Arbitraries.of(0L, 0xffff_ffffL, -1L, 0x61L, 0x7a7a7a7aL));
        return Combinators.combine(Arbitraries.integers().between(0, 1), Arbitraries.of(true, false),
                factoryOffsets, windowOffsets, Arbitraries.of(1, 2, 4, 8), values, Arbitraries.of(true, false))
                .as((vm, factory, fo, wo, size, value, read) -> new Access(vm, factory, factory ? fo : wo, size, value, read));
    }

    @Property(tries = 150)
    void anySequenceOfGuestAccessesIsSafe(@ForAll @Size(max = 60) List<@From("accesses") Access> script) throws IOException {
        Path dir = Files.createTempDirectory("shmem-prop");
        try {
            Map<Long, Long>[] mapped = new Map[] {new TreeMap<>(), new TreeMap<>()};
            GuestShm[] vms = new GuestShm[2];
            for (int i = 0; i < 2; i++) {
                Map<Long, Long> view = mapped[i];
                vms[i] = new GuestShm(dir, ShmemPolicy.OPEN, asserted -> { }, 7, GuestShmTest.WINDOW,
                        GuestShmTest.WINDOW_SIZE, new GuestMappings() {
                            @Override
                            public synchronized void map(long gpa, MemorySegment host, String owner) {
                                assertTrue(gpa >= GuestShmTest.WINDOW
                                        && gpa + host.byteSize() <= GuestShmTest.WINDOW + GuestShmTest.WINDOW_SIZE);
                                for (var e : view.entrySet()) {
                                    assertTrue(gpa + host.byteSize() <= e.getKey() || e.getKey() + e.getValue() <= gpa,
                                            "mappings overlap");
                                }
                                view.put(gpa, host.byteSize());
                            }

                            @Override
                            public synchronized void unmap(long gpa) {
                                assertTrue(view.remove(gpa) != null);
                            }
                        }, "prop");
            }
            for (Access a : script) {
                BusDevice d = a.factory() ? vms[a.vm()].factory() : vms[a.vm()].window();
                long offset = a.offset() - a.offset() % a.size();
                if (a.read()) {
                    d.read(0, offset, a.size());
                } else {
                    d.write(0, offset, a.size(), a.value());
                }
                BusDevice f = vms[a.vm()].factory();
                assertEquals(GuestShm.SIGNATURE, f.read(0, 0, 8));
                assertTrue(f.read(0, GuestShm.STATUS_AT, 4) < GuestShm.Status.values().length);
            }
            for (GuestShm vm : vms) {
                vm.close();
            }
            try (var left = Files.list(dir)) {
                assertEquals(List.of(), left.toList(), "regions outlived every client");
            }
        } finally {
            try (var left = Files.list(dir)) {
                for (Path p : left.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
