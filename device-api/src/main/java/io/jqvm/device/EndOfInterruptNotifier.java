package io.jqvm.device;

/**
 * An interrupt controller the VMM emulates, which can tell when the guest ends an interrupt: what a
 * pass-through line waits for before it re-arms its host source (a level-triggered host interrupt stays
 * masked until the guest has handled it, as KVM's resample eventfd does for in-kernel controllers).
 */
public interface EndOfInterruptNotifier {
    /**
     * Runs {@code action} each time the guest deactivates an interrupt taken from input line {@code line}
     * (end of interrupt). It runs on the vCPU thread that wrote the EOI, under the controller's lock: it must
     * be short and must not block.
     *
     * @throws IllegalArgumentException when the line cannot report its end of interrupt
     */
    void onEndOfInterrupt(int line, Runnable action);
}
