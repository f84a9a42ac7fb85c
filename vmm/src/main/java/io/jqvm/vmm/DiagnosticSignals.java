package io.jqvm.vmm;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * qvm's diagnostic signals: SIGUSR1 logs the status report, SIGUSR2 writes a guest dump. Neither stops the
 * VM. Installed while a VM runs, the previous handlers restored after.
 */
final class DiagnosticSignals {
    /** Linux's SIGUSR2, recorded in a dump as its cause. */
    static final int SIGUSR2 = 12;
    private static SignalHandler previousUsr1;
    private static SignalHandler previousUsr2;

    private DiagnosticSignals() {
    }

    static synchronized void install(Runnable statusReport, Runnable dump) {
        previousUsr1 = Signal.handle(new Signal("USR1"), s -> statusReport.run());
        previousUsr2 = Signal.handle(new Signal("USR2"), s -> dump.run());
    }

    static synchronized void uninstall() {
        if (previousUsr1 != null) {
            Signal.handle(new Signal("USR1"), previousUsr1);
            Signal.handle(new Signal("USR2"), previousUsr2);
            previousUsr1 = null;
            previousUsr2 = null;
        }
    }
}
