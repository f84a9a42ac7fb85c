package io.jqvm.vmm;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The signals that would end the process cut the guest's power instead, as SIGQUIT does for qvm: the VM
 * stops, the cut is logged, and jqvm exits with status 3. Installed before the VM is assembled, so a signal
 * that comes while images load is held by the {@link PowerSwitch} and cuts the power as soon as the VM exists.
 * (The JVM keeps SIGQUIT for thread dumps; SIGUSR1 and SIGUSR2 are qvm's status report and guest dump,
 * {@link DiagnosticSignals}.) Only the jqvm command installs them: they are the process's.
 */
final class PowerCutSignals implements AutoCloseable {
    private static final String[] SIGNALS = {"TERM", "INT", "HUP", "ALRM"};

    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];

    PowerCutSignals(PowerSwitch power) {
        for (int i = 0; i < SIGNALS.length; i++) {
            String name = SIGNALS[i];
            previous[i] = Signal.handle(new Signal(name), s -> power.cut("power cut by SIG" + name));
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < SIGNALS.length; i++) {
            Signal.handle(new Signal(SIGNALS[i]), previous[i]);
        }
    }
}
