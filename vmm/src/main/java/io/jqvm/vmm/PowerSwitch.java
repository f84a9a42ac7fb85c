package io.jqvm.vmm;

import io.jqvm.common.Log;

/**
 * The VM's power switch, for whoever cuts the power from outside the guest (a signal, an embedding program's
 * {@code stop()}): a cut while the VM is still being assembled, between two reset cycles or as a reset ends a cycle,
 * is held and cuts the power of every later cycle as soon as it exists; once the run is over, a cut does nothing.
 */
public final class PowerSwitch {
    private VmRuntime runtime;
    private String pending;
    private boolean finished;

    /** Cuts the power: the VM stops and its run ends with status 3. */
    public void cut(String reason) {
        VmRuntime target;
        synchronized (this) {
            if (finished) {
                return;
            }
            target = runtime;
            if (pending == null) {
                // kept even when a VM is attached: that VM may be ending in a reset, which the cut must not survive
                pending = reason;
                if (target == null) {
                    Log.info(reason + " while the VM is being assembled; it ends once assembled");
                }
            }
        }
        if (target != null) {
            target.powerCut(reason);
        }
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
