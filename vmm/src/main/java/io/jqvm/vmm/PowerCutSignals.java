package io.jqvm.vmm;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT cut the guest's power, as SIGQUIT does for qvm: the VM stops and jqvm exits with
 * status 3. (The JVM keeps SIGQUIT for thread dumps.)
 */
final class PowerCutSignals {
    private static final String[] SIGNALS = {"TERM", "INT"};
    private static SignalHandler[] previous;

    private PowerCutSignals() {
    }

    static synchronized void install(VmRuntime runtime) {
        previous = new SignalHandler[SIGNALS.length];
        for (int i = 0; i < SIGNALS.length; i++) {
            String name = SIGNALS[i];
            previous[i] = Signal.handle(new Signal(name), s -> runtime.powerCut("power cut by SIG" + name));
        }
    }

    static synchronized void uninstall() {
        if (previous == null) {
            return;
        }
        for (int i = 0; i < SIGNALS.length; i++) {
            Signal.handle(new Signal(SIGNALS[i]), previous[i]);
        }
        previous = null;
    }
}
