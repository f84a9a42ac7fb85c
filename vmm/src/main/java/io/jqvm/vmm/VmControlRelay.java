package io.jqvm.vmm;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.device.VmControl;

/**
 * The {@link VmControl} devices are built with: requests go to the runtime once the VM runs. A request
 * before that (a device misbehaving during assembly or a dryrun) is logged and otherwise ignored.
 */
public final class VmControlRelay implements VmControl {
    private volatile VmControl target;

    public void connect(VmControl runtime) {
        this.target = runtime;
    }

    @Override
    public void shutdown(ExitStatus status, String reason) {
        VmControl t = target;
        if (t == null) {
            Log.warn("shutdown requested before the VM runs, ignored: " + reason);
        } else {
            t.shutdown(status, reason);
        }
    }

    @Override
    public void dumpGuest(String reason) {
        VmControl t = target;
        if (t == null) {
            Log.warn("guest dump requested before the VM runs, ignored: " + reason);
        } else {
            t.dumpGuest(reason);
        }
    }

    @Override
    public void reset(String reason) {
        VmControl t = target;
        if (t == null) {
            Log.warn("reset requested before the VM runs, ignored: " + reason);
        } else {
            t.reset(reason);
        }
    }
}
