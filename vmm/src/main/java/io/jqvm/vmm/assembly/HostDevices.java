package io.jqvm.vmm.assembly;

import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.CharBackend;

/** Opens a character vdev's {@code hostdev}s as one backend. */
final class HostDevices {
    private HostDevices() {
    }

    static CharBackend open(Assembly a, VdevSpec v) {
        if (v.all("hostdev", Value.HostDevice.class).isEmpty()) {
            return CharBackend.NULL;
        }
        throw new UnsupportedOperationException("hostdev backends arrive with the chardev package");
    }
}
