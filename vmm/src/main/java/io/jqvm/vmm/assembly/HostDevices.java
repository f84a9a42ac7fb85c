package io.jqvm.vmm.assembly;

import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.CharBackend;

/** Opens a character vdev's {@code hostdev}s as one backend. TEMPORARY: stdout only. */
final class HostDevices {
    private HostDevices() {
    }

    static CharBackend open(Assembly a, VdevSpec v) {
        var specs = v.all("hostdev", Value.HostDevice.class);
        if (specs.isEmpty()) {
            return CharBackend.NULL;
        }
        return new CharBackend() {
            @Override public void write(int b) { System.out.write(b); if (b == '\n') System.out.flush(); }
            @Override public int read() { return -1; }
            @Override public void onInput(Runnable listener) { }
            @Override public void close() { System.out.flush(); }
        };
    }
}
