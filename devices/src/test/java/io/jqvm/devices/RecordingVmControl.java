package io.jqvm.devices;

import io.jqvm.common.ExitStatus;
import io.jqvm.device.VmControl;
import java.util.ArrayList;
import java.util.List;

/** Records the power and dump requests a device makes. */
public final class RecordingVmControl implements VmControl {
    private final List<String> requests = new ArrayList<>();

    @Override
    public synchronized void shutdown(ExitStatus status, String reason) {
        requests.add("shutdown " + status + ": " + reason);
    }

    @Override
    public synchronized void reset(String reason) {
        requests.add("reset: " + reason);
    }

    @Override
    public synchronized void dumpGuest(String reason) {
        requests.add("dump: " + reason);
    }

    public synchronized List<String> requests() {
        return List.copyOf(requests);
    }
}
