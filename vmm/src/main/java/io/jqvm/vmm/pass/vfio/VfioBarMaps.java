package io.jqvm.vmm.pass.vfio;

import io.jqvm.common.Log;
import io.jqvm.device.GuestMappings;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.host.HostException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The BARs of a VFIO device that the kernel lets a process mmap, mapped into guest-physical space where the guest
 * placed them, so the guest reaches the device's registers with no exit, as QEMU maps them. A BAR is mapped while
 * the command register enables memory decode and the BAR holds an address, and moved when either changes. What
 * stays trapped (and forwarded through the device file by {@link VfioPciFunction}): I/O BARs, BARs smaller than a
 * page, regions the kernel does not let a process mmap or the guest write, and the pages holding the MSI-X table and pending bits,
 * which jqvm emulates. A mapping the accelerator refuses (a BAR the guest placed over RAM) leaves the BAR trapped.
 */
final class VfioBarMaps implements AutoCloseable {
    static final long PAGE = 4096;
    /** Guest mappings are read-write: a region the guest may only read stays trapped. */
    private static final int MAPPABLE = VfioKernel.REGION_READ | VfioKernel.REGION_WRITE | VfioKernel.REGION_MMAP;

    /** A page-aligned stretch of a BAR mapped as one piece: {@code [offset, offset + host.byteSize())}. */
    record Piece(long offset, MemorySegment host) {
    }

    private final VfioPciDevice device;
    private final MemorySegment[] host = new MemorySegment[PciConfigSpace.BARS];
    private final List<List<Piece>> pieces = new ArrayList<>();
    /** Where each BAR's pieces are mapped in guest-physical space, or -1. */
    private final long[] mappedAt = new long[PciConfigSpace.BARS];
    private GuestMappings guest;

    /**
     * mmaps every BAR VFIO allows; {@code trapped} lists, per BAR, {@code [offset, length]} pairs that must stay
     * trapped (the MSI-X table and pending bits).
     */
    VfioBarMaps(VfioPciDevice device, PciConfigSpace config, List<List<long[]>> trapped) {
        this.device = device;
        java.util.Arrays.fill(mappedAt, -1);
        for (int i = 0; i < PciConfigSpace.BARS; i++) {
            pieces.add(List.of());
            PciConfigSpace.Bar bar = config.bar(i);
            VfioKernel.RegionInfo region = device.region(i);
            if (bar == null || bar.kind() == PciConfigSpace.BarKind.IO || (region.flags() & MAPPABLE) != MAPPABLE
                    || region.size() < PAGE || region.size() % PAGE != 0) {
                continue;
            }
            try {
                host[i] = device.kernel().mmap(device.fd(), region.offset(), region.size(), true);
            } catch (HostException e) {
                Log.warn(device.name() + ": BAR " + i + " cannot be mapped (" + e.getMessage() + "); its accesses are forwarded");
                continue;
            }
            pieces.set(i, split(host[i], trapped.get(i)));
        }
    }

    /** The BAR's mapping minus the pages any trapped range touches. */
    static List<Piece> split(MemorySegment bar, List<long[]> trapped) {
        List<Piece> out = new ArrayList<>();
        long cursor = 0;
        List<long[]> sorted = trapped.stream().sorted(java.util.Comparator.comparingLong(r -> r[0])).toList();
        for (long[] range : sorted) {
            long from = range[0] & -PAGE;
            long to = (range[0] + range[1] + PAGE - 1) & -PAGE;
            if (from > cursor) {
                out.add(new Piece(cursor, bar.asSlice(cursor, from - cursor)));
            }
            cursor = Math.max(cursor, to);
        }
        if (cursor < bar.byteSize()) {
            out.add(new Piece(cursor, bar.asSlice(cursor)));
        }
        return List.copyOf(out);
    }

    /** The pieces BAR {@code bar} maps (none: trapped whole). */
    List<Piece> pieces(int bar) {
        return pieces.get(bar);
    }

    /** Where BAR {@code bar} is mapped in guest-physical space, or -1. */
    long mappedAt(int bar) {
        return mappedAt[bar];
    }

    /** From now on the BARs follow the configuration into {@code mappings} (once the VM runs). */
    void attach(GuestMappings mappings, PciConfigSpace config) {
        guest = mappings;
        sync(config);
    }

    /** Maps, moves or unmaps each BAR to match the command register and BAR addresses in {@code config}. */
    void sync(PciConfigSpace config) {
        if (guest == null) {
            return;
        }
        boolean decode = (config.command() & PciConfigSpace.COMMAND_MEMORY) != 0;
        for (int i = 0; i < PciConfigSpace.BARS; i++) {
            if (pieces.get(i).isEmpty()) {
                continue;
            }
            long base = config.barAddress(i);
            long want = decode && base > 0 && base % PAGE == 0 && base + host[i].byteSize() > base ? base : -1;
            if (want == mappedAt[i]) {
                continue;
            }
            unmap(i);
            if (want >= 0) {
                map(i, want);
            }
        }
    }

    private void map(int bar, long base) {
        List<Piece> done = new ArrayList<>();
        try {
            for (Piece p : pieces.get(bar)) {
                guest.map(base + p.offset(), p.host(), device.name() + " BAR " + bar);
                done.add(p);
            }
            mappedAt[bar] = base;
        } catch (RuntimeException e) {
            for (Piece p : done) {
                guest.unmap(base + p.offset());
            }
            Log.warn(device.name() + ": BAR " + bar + " at 0x" + Long.toHexString(base) + " cannot be mapped ("
                    + e.getMessage() + "); its accesses are forwarded");
        }
    }

    private void unmap(int bar) {
        if (mappedAt[bar] < 0) {
            return;
        }
        for (Piece p : pieces.get(bar)) {
            guest.unmap(mappedAt[bar] + p.offset());
        }
        mappedAt[bar] = -1;
    }

    /** Releases the host mappings; called once the guest has stopped, so no vCPU still reaches them. */
    @Override
    public void close() {
        for (MemorySegment m : host) {
            if (m != null) {
                device.kernel().munmap(m);
            }
        }
    }
}
