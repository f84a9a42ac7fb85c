package io.jqvm.device;

import io.jqvm.common.Hex;
import io.jqvm.common.Ranges;
import java.util.Arrays;
import java.util.List;

/**
 * One address space's devices (memory-mapped or port I/O), looked up by address. Overlapping windows are
 * refused when registered; the configuration's address map has normally refused them already, with
 * configuration lines in the message.
 *
 * <p>Registration happens while the VM is assembled, before any vCPU runs; lookups are then read-only, so
 * the exit path needs no lock. Windows are kept in a sorted array searched by primitive comparisons: a
 * lookup allocates nothing (a map keyed by boxed addresses would, on every exit).
 */
public final class Bus {
    /** A device window: the device answers [base, base+size). */
    public record Window(long base, long size, BusDevice device, String name) {
        public boolean covers(long address, int accessSize) {
            return Ranges.contains(base, size, address, accessSize);
        }
    }

    private static final Window[] NONE = new Window[0];

    private volatile Window[] windows = NONE; // sorted by base, unsigned

    public synchronized void register(long base, long size, BusDevice device, String name) {
        Window w = new Window(base, size, device, name);
        Ranges.last(base, size);
        Window[] current = windows;
        int at = insertionPoint(current, base);
        for (Window neighbour : new Window[] {at > 0 ? current[at - 1] : null, at < current.length ? current[at] : null}) {
            if (neighbour != null && Ranges.overlap(neighbour.base(), neighbour.size(), base, size)) {
                throw new IllegalArgumentException(name + " at " + Hex.of(base) + " overlaps " + neighbour.name()
                        + " at " + Hex.of(neighbour.base()));
            }
        }
        Window[] next = Arrays.copyOf(current, current.length + 1);
        System.arraycopy(current, at, next, at + 1, current.length - at);
        next[at] = w;
        windows = next;
    }

    /** Index of the first window whose base is above {@code base} (unsigned). */
    private static int insertionPoint(Window[] ws, long base) {
        int lo = 0;
        int hi = ws.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(ws[mid].base(), base) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The window whose device answers an access of {@code size} bytes at {@code address}, or null. */
    public Window find(long address, int size) {
        Window[] ws = windows;
        int i = insertionPoint(ws, address) - 1;
        if (i < 0) {
            return null;
        }
        Window w = ws[i];
        return w.covers(address, size) ? w : null;
    }

    public List<Window> windows() {
        return List.of(windows);
    }
}
