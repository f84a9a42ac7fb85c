package io.jqvm.vmm.assembly;

import io.jqvm.accel.aarch64.A64Vcpu;
import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.common.Hex;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.IrqLine;
import io.jqvm.devices.arm.Sp805;
import io.jqvm.devices.watchdog.WatchdogAction;
import io.jqvm.memory.Space;
import java.util.List;

/**
 * The ARM SP805 watchdog: {@code action} terminates or resets the VM (after a dump) or raises the boot vCPU's FIQ.
 * Its window is the language's documented default {@code loc}. A device-tree {@code arm,sp805} node.
 */
final class Sp805Vdev implements VdevFamily {
    @Override
    public List<String> types() {
        return List.of("wdt-sp805");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long base = VdevRegistry.memoryLocation(v).orElseThrow();
        WatchdogAction act = v.value("action", Value.Words.class).map(w -> WatchdogAction.of(w.words()))
                .orElse(WatchdogAction.TERMINATE);
        IrqLine fiq = IrqLine.NONE;
        if (act.kind() == WatchdogAction.Kind.FIQ) {
            fiq = a.deferredLine(line -> line.connect(((A64Vcpu) a.running.vm().vcpu(0)).fiqPin()));
        }
        long frequency = VdevRegistry.number(v, "frequency").orElse(Sp805.DEFAULT_FREQUENCY);
        Sp805 wdt = new Sp805(VdevRegistry.interrupts(a, v, owner, null), a.control, a.clock, frequency, act, fiq);
        a.mapDevice(v, owner, Space.MEM, base, Sp805.SIZE, wdt);
        VdevRegistry.reportStatus(a, v, owner, () -> status(wdt.state()));
        VdevRegistry.describe(a, owner, base, VdevRegistry.firstIntid(v, VdevRegistry.NOT_WIRED),
                spi -> Arm64Board.Peripheral.sp805(base, spi, frequency));
    }

    private static String status(Sp805.State s) {
        return (s.counting() ? "counting" : "stopped") + ", value " + Hex.of(s.value()) + " of " + Hex.of(s.load())
                + (s.resetEnabled() ? ", reset enabled" : "") + (s.interrupted() ? ", interrupt raised" : "")
                + (s.locked() ? ", locked" : "") + (s.fired() ? ", fired" : "");
    }
}
