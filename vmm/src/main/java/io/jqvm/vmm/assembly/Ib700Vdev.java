package io.jqvm.vmm.assembly;

import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.devices.watchdog.WatchdogAction;
import io.jqvm.devices.x86.Ib700;
import io.jqvm.memory.Space;
import java.util.List;

/**
 * The x86 IB700 watchdog at its ports (the language's default {@code io:0x441}, as QEMU's {@code ib700}).
 * The guest finds it by probing, as Linux's {@code ib700wdt} does: no firmware table describes it.
 */
final class Ib700Vdev implements VdevFamily {
    @Override
    public List<String> types() {
        return List.of("wdt-ib700");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long base = VdevRegistry.ioLocation(v).orElseThrow();
        WatchdogAction action = v.value("action", Value.Words.class).map(w -> WatchdogAction.of(w.words()))
                .orElse(WatchdogAction.TERMINATE);
        Ib700 wdt = new Ib700(a.control, a.clock, action);
        a.mapDevice(v, owner, Space.IO, base, Ib700.WINDOW_SIZE, wdt);
        VdevRegistry.reportStatus(a, v, owner, () -> wdt.running() ? "running" : "stopped");
    }
}
