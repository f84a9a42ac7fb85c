package io.jqvm.vmm;

import io.jqvm.common.Log;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The signals that would end the process cut the guest's power instead, as SIGQUIT does for qvm: the VM
 * stops, the cut is logged, and jqvm exits with status 3. Installed before the VM is assembled, so a signal
 * that comes while images load is held and cuts the power as soon as the VM exists. (The JVM keeps SIGQUIT
 * for thread dumps; SIGUSR1 and SIGUSR2 are qvm's status report and guest dump, {@link DiagnosticSignals}.)
 */
final class PowerCutSignals implements AutoCloseable {
    private static final String[] SIGNALS = {"TERM", "INT", "HUP", "ALRM"};

    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];
    private VmRuntime runtime;
    private String pending;

    PowerCutSignals() {
        for (int i = 0; i < SIGNALS.length; i++) {
            String name = SIGNALS[i];
            previous[i] = Signal.handle(new Signal(name), s -> cut("power cut by SIG" + name));
        }
    }

    private void cut(String reason) {
        VmRuntime target;
        synchronized (this) {
            target = runtime;
            if (target == null) {
                pending = reason;
                Log.info(reason + " while the VM is being assembled; it ends once assembled");
                return;
            }
        }
        target.powerCut(reason);
    }

    /** From now on a signal cuts {@code target}'s power; a signal already received cuts it now. */
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

    /** Between reset cycles: a signal is held until the next VM exists. */
    synchronized void detach() {
        runtime = null;
    }

    @Override
    public void close() {
        for (int i = 0; i < SIGNALS.length; i++) {
            Signal.handle(new Signal(SIGNALS[i]), previous[i]);
        }
    }
}
