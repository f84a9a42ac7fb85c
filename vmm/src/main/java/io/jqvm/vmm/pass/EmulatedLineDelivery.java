package io.jqvm.vmm.pass;

import io.jqvm.device.EndOfInterruptNotifier;
import io.jqvm.device.IrqLine;
import io.jqvm.host.Libc;

/**
 * A host interrupt delivered to a controller the VMM emulates (the software CPU's GIC), doing in a thread what
 * KVM's irqfd does in the kernel: each trigger signal asserts the guest line; a level-triggered source's line
 * stays asserted until the guest's end of interrupt, which lowers it and signals the resample eventfd, so the host
 * source re-arms (and, still pending, triggers again). An edge-triggered source ({@code u}) pulses the line.
 */
public final class EmulatedLineDelivery implements AutoCloseable {
    private final HostInterrupt source;
    private final IrqLine line;
    private final int stopFd;
    private final Thread thread;

    /**
     * @param endOfInterrupt the controller, to hear line {@code lineNumber}'s end of interrupt (level sources)
     */
    public EmulatedLineDelivery(HostInterrupt source, IrqLine line, EndOfInterruptNotifier endOfInterrupt, int lineNumber,
                                String threadName) {
        this.source = source;
        this.line = line;
        this.stopFd = Eventfds.create();
        boolean level = source.resampleFd() >= 0;
        if (level) {
            endOfInterrupt.onEndOfInterrupt(lineNumber, () -> {
                line.set(false);
                Eventfds.signal(source.resampleFd());
            });
        }
        thread = Thread.ofPlatform().daemon().name(threadName).unstarted(() -> deliver(level));
        thread.start();
    }

    private void deliver(boolean level) {
        while (true) {
            int ready = Eventfds.await(stopFd, source.triggerFd());
            if ((ready & 1) != 0) {
                return;
            }
            if (Eventfds.drain(source.triggerFd()) != 0) {
                if (level) {
                    line.set(true);
                } else {
                    line.pulse();
                }
            }
        }
    }

    @Override
    public void close() {
        Eventfds.signal(stopFd);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Libc.close(stopFd);
    }
}
