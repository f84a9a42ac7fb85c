package io.jqvm.vmm;

import io.jqvm.accel.A64Registers;
import io.jqvm.accel.Registers;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.X86Registers;
import io.jqvm.common.Hex;
import io.jqvm.common.Log;
import io.jqvm.config.model.Value;
import io.jqvm.vmm.assembly.Assembly;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * qvm's SIGUSR1 status report, logged at info level: one line for the VM, one per vCPU (powered on or off,
 * and where it is: every vCPU is stopped for a moment to be read) and one per vdev, with the vdev's own
 * status where it reports one (qvm's {@code VDEV_CTRL_STATUS}); a vdev with {@code set debug off} is left out.
 */
final class StatusReport {
    private final Assembly assembly;
    private final VmRuntime runtime;
    private final long startNanos = System.nanoTime();

    StatusReport(Assembly assembly, VmRuntime runtime) {
        this.assembly = assembly;
        this.runtime = runtime;
    }

    void log() {
        for (String line : lines()) {
            Log.info("status: " + line);
        }
    }

    List<String> lines() {
        List<String> lines = new ArrayList<>();
        long tenths = (System.nanoTime() - startNanos) / 100_000_000L;
        lines.add(assembly.name() + ": running for " + tenths / 10 + "." + tenths % 10 + " s, " + assembly.arch().label()
                + " on " + assembly.accelerator().name() + ", " + assembly.vcpuCount() + " vCPU(s); exits: " + runtime.exitCounts());
        List<Registers> registers = new ArrayList<>();
        try {
            runtime.whileStopped(Vcpu::registers, registers::addAll);
        } catch (IOException e) {
            throw new AssertionError("adding to a list does not do I/O", e);
        } catch (IllegalStateException e) {
            Log.warn("status report: " + e.getMessage());
        }
        boolean[] on = runtime.vcpusOn();
        for (int i = 0; i < on.length; i++) {
            Registers r = i < registers.size() ? registers.get(i) : null;
            lines.add("vCPU " + i + ": " + (on[i] ? "on" : "off") + (r == null ? "" : ", " + where(r)));
        }
        Map<String, Supplier<String>> status = assembly.vdevStatus();
        List<String> quiet = assembly.spec().vdevs().stream()
                .filter(v -> v.setting("debug").map(d -> d.value() instanceof Value.Bool b && !b.value()).orElse(false))
                .map(v -> " (" + v.origin() + ")").toList();
        for (String device : assembly.devices()) {
            if (quiet.stream().anyMatch(device::endsWith)) {
                continue; // qvm's vdev variable debug off: left out of the report
            }
            Supplier<String> detail = status.get(device);
            lines.add("vdev " + device + (detail == null ? "" : ": " + detail.get()));
        }
        return lines;
    }

    private static String where(Registers r) {
        return switch (r) {
            case A64Registers a -> "pc " + Hex.of(a.pc()) + ", sp " + Hex.of(a.sp()) + ", EL" + (a.pstate() >>> 2 & 3);
            case X86Registers x -> "rip " + Hex.of(x.rip()) + ", rsp " + Hex.of(x.gpr(X86Registers.RSP))
                    + ", cs " + Hex.of(x.selector(X86Registers.CS));
        };
    }
}
