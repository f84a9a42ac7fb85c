package io.jqvm.api;

import io.jqvm.accel.ExitCounters;
import io.jqvm.device.DeviceCounters;
import io.jqvm.vmm.VmListener;
import io.jqvm.vmm.VmRuntime;
import io.jqvm.vmm.assembly.Assembly;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The control API's view of one run of a VM (a reset starts another). */
final class RunControl implements ControlledVm {
    /** The signal number a guest dump requested through the API records, as SIGUSR2 would (qvm's dump signal). */
    private static final int DUMP_SIGNAL = 12;

    private final Assembly assembly;
    private final VmRuntime runtime;
    private final VmListener.Run run;

    RunControl(VmListener.Run run) {
        this.run = run;
        this.assembly = run.assembly();
        this.runtime = run.runtime();
    }

    @Override
    public VmRuntime.State state() {
        return runtime.state();
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> vm = new LinkedHashMap<>();
        vm.put("name", assembly.name());
        vm.put("state", runtime.state().label());
        vm.put("uptime_seconds", seconds(runtime.uptime()));
        vm.put("architecture", assembly.arch().label());
        vm.put("accelerator", assembly.accelerator().name());
        List<Map<String, Object>> vcpus = new ArrayList<>();
        boolean[] on = runtime.vcpusOn();
        for (int i = 0; i < on.length; i++) {
            Map<String, Object> vcpu = new LinkedHashMap<>();
            vcpu.put("index", i);
            vcpu.put("powered_on", on[i]);
            vcpus.add(vcpu);
        }
        vm.put("vcpus", vcpus);
        vm.put("devices", List.copyOf(assembly.devices()));
        vm.put("power_button", assembly.powerButton().isPresent());
        return vm;
    }

    @Override
    public boolean pause() throws IOException {
        return runtime.pause();
    }

    @Override
    public boolean resume() throws IOException {
        return runtime.resume();
    }

    @Override
    public boolean pressPowerButton() {
        Optional<Runnable> button = assembly.powerButton();
        button.ifPresent(Runnable::run);
        return button.isPresent();
    }

    @Override
    public void reset() {
        runtime.reset("reset by the control API");
    }

    @Override
    public void powerCut() {
        runtime.powerCut("power cut by the control API");
    }

    @Override
    public boolean dump() {
        if (!run.dumper().configured()) {
            return false;
        }
        run.dumper().dump("control API", DUMP_SIGNAL);
        return true;
    }

    @Override
    public MetricsSnapshot metrics() {
        ExitCounters counters = runtime.machine().exitCounters();
        Map<String, Long> exits = new LinkedHashMap<>();
        for (ExitCounters.Reason r : ExitCounters.Reason.values()) {
            exits.put(r.name().toLowerCase(Locale.ROOT), counters.get(r));
        }
        List<Double> vcpuRun = new ArrayList<>();
        for (Duration d : runtime.vcpuRunTimes()) {
            vcpuRun.add(seconds(d));
        }
        Map<String, MetricsSnapshot.Device> devices = new LinkedHashMap<>();
        for (Map.Entry<String, DeviceCounters> e : assembly.vdevCounters().entrySet()) {
            DeviceCounters c = e.getValue();
            devices.put(e.getKey(), new MetricsSnapshot.Device(c.requests(), c.bytes(), c.errors()));
        }
        return new MetricsSnapshot(assembly.name(), seconds(runtime.uptime()), exits, vcpuRun, devices,
                new LinkedHashMap<>(new java.util.TreeMap<>(runtime.machine().counters())));
    }

    static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
