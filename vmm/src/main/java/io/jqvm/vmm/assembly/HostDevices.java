package io.jqvm.vmm.assembly;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.CharBackend;
import io.jqvm.devices.chardev.HostDevException;
import io.jqvm.devices.chardev.HostDevs;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a character vdev's {@code hostdev}s (in qvm's spelling) as one backend, closed with the VM; with
 * {@code delayed}, in the background. A dry run opens none.
 */
final class HostDevices {
    private HostDevices() {
    }

    static CharBackend open(Assembly a, VdevSpec v) {
        List<String> specs = new ArrayList<>();
        for (Value.HostDevice h : v.all("hostdev", Value.HostDevice.class)) {
            specs.add(switch (h.direction()) {
                case INPUT -> "<" + h.target();
                case OUTPUT -> ">" + h.target();
                case BOTH -> h.target();
            });
        }
        if (specs.isEmpty()) {
            return CharBackend.NULL;
        }
        if (a.showOnly) { // a dry run must not truncate an output file, take a pty or bind a socket
            a.note(v.name().orElse(v.type()) + ": hostdev " + String.join(" ", specs) + " not opened by a dry run");
            return CharBackend.NULL;
        }
        try {
            Value.Delay delay = v.value("delayed", Value.Delay.class).orElse(null);
            Runnable quit = () -> a.control().shutdown(ExitStatus.POWER_CUT, "quit with Ctrl-A x on the console");
            CharBackend backend = delay == null ? HostDevs.open(specs, quit, a.stdio)
                    : HostDevs.openDelayed(specs, delay.forever() ? -1 : delay.seconds(), quit, a.stdio);
            a.resources.add(backend);
            return backend;
        } catch (HostDevException e) {
            // The host refused (a missing file, a busy socket): a host problem, reported at its configuration line.
            throw new VmmException(e.status(), v.option("hostdev").orElseThrow().origin() + ": vdev " + v.type() + " "
                    + e.getMessage());
        }
    }
}
