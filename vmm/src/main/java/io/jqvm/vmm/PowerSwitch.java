package io.jqvm.vmm;

import io.jqvm.common.Log;

/**
 * The VM's power switch, for whoever cuts the power from outside the guest (a signal, an embedding program's
 * {@code stop()}): a cut while the VM is still being assembled, or between two reset cycles, is held and cuts the
 * power as soon as the next VM exists; once the run is over, a cut does nothing.
 */
public final class PowerSwitch {
    private VmRuntime runtime;
    private String pending;
    private boolean finished;

    /** Cuts the power: the VM stops and its run ends with status 3. */
    public void cut(String reason) {
        VmRuntime target;
        synchronized (this) {
            target = runtime;
            if (target == null) {
                if (!finished && pending == null) {
                    pending = reason;
                    Log.info(reason + " while the VM is being assembled; it ends once assembled");
                }
                return;
            }
        }
        target.powerCut(reason);
    }

    /** From now on a cut stops {@code target}; a cut already made stops it now. */
    void attach(VmRuntime target) {
        String reason;
        synchronized (this) {
            runtime = target;
            reason = pending;
        }
        if (reason != null) {
            target.powerCut(reason);
        }
    }

    /** Between reset cycles: a cut is held until the next VM exists. */
    synchronized void detach() {
        runtime = null;
    }

    /** The run is over: later cuts have nothing to stop. */
    synchronized void finish() {
        runtime = null;
        finished = true;
    }
}
