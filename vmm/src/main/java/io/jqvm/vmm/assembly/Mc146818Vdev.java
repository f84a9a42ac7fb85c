package io.jqvm.vmm.assembly;

import io.jqvm.config.ConfigException;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.devices.x86.Mc146818;
import io.jqvm.memory.GuestRegion;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.PcLayout;
import java.util.List;

/**
 * The MC146818 RTC and CMOS: the CMOS memory-size bytes come from the VM's RAM (as PC firmware leaves them),
 * {@code reg offset,value} presets bytes. Guests probe it: no description.
 */
final class Mc146818Vdev implements VdevFamily {
    private static final long FOUR_GIB = 1L << 32;

    @Override
    public List<String> types() {
        return List.of("mc146818");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long base = VdevRegistry.ioLocation(v).orElse((long) PcLayout.RTC_PORT);
        long below = 0;
        long above = 0;
        for (GuestRegion r : a.memory.regions()) {
            if (!r.readOnly()) {
                if (Long.compareUnsigned(r.base(), FOUR_GIB) < 0) {
                    below = Math.max(below, Math.min(r.end(), FOUR_GIB));
                }
                if (Long.compareUnsigned(r.end(), FOUR_GIB) > 0) {
                    above += r.end() - Math.max(r.base(), FOUR_GIB);
                }
            }
        }
        Mc146818 rtc = new Mc146818(VdevRegistry.interrupts(a, v, owner, null), a.clock, below, above);
        for (Value.Pair reg : v.all("reg", Value.Pair.class)) {
            try {
                rtc.preset((int) reg.first(), (int) reg.second());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(v.origin(), "vdev mc146818 reg " + reg.first() + "," + reg.second() + ": " + e.getMessage());
            }
        }
        a.mapDevice(v, owner, Space.IO, base, Mc146818.WINDOW_SIZE, rtc);
    }
}
