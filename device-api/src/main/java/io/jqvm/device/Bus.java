package io.jqvm.device;

import io.jqvm.common.Hex;
import io.jqvm.common.Ranges;
import java.util.Map;
import java.util.TreeMap;

/**
 * One address space's devices (memory-mapped or port I/O), looked up by address. Overlapping windows are
 * refused when registered; the configuration's address map has normally refused them already, with
 * configuration lines in the message.
 *
 * <p>Registration happens while the VM is assembled, before any vCPU runs; lookups are then read-only,
 * so the map needs no lock on the exit path.
 */
public final class Bus {
    /** A device window: the device answers [base, base+size). */
    public record Window(long base, long size, BusDevice device, String name) {
        public boolean covers(long address, int accessSize) {
            return Ranges.contains(base, size, address, accessSize);
        }
    }

    private final TreeMap<Long, Window> windows = new TreeMap<>(Long::compareUnsigned);

    public void register(long base, long size, BusDevice device, String name) {
        Window w = new Window(base, size, device, name);
        Map.Entry<Long, Window> below = windows.floorEntry(Ranges.last(base, size));
        if (below != null && Ranges.overlap(below.getValue().base(), below.getValue().size(), base, size)) {
            throw new IllegalArgumentException(name + " at " + Hex.of(base) + " overlaps " + below.getValue().name()
                    + " at " + Hex.of(below.getValue().base()));
        }
        windows.put(base, w);
    }

    /** The window whose device answers an access of {@code size} bytes at {@code address}, or null. */
    public Window find(long address, int size) {
        Map.Entry<Long, Window> e = windows.floorEntry(address);
        if (e == null) {
            return null;
        }
        Window w = e.getValue();
        return w.covers(address, size) ? w : null;
    }

    public Iterable<Window> windows() {
        return windows.values();
    }
}
