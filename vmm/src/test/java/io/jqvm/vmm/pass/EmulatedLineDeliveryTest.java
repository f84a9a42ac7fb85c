package io.jqvm.vmm.pass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.EndOfInterruptNotifier;
import io.jqvm.device.IrqLine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A host interrupt (a pair of eventfds, as a peer process or VFIO hands over) delivered to an emulated controller:
 * what KVM's irqfd with a resample eventfd does, done by a thread.
 */
class EmulatedLineDeliveryTest {
    private static final long WAIT_SECONDS = 30;

    /** A controller line recording its levels, with the end of interrupt the test plays as the guest. */
    private static final class Controller implements EndOfInterruptNotifier {
        final LinkedBlockingQueue<Boolean> levels = new LinkedBlockingQueue<>();
        final List<Integer> registered = new ArrayList<>();
        Runnable endOfInterrupt;
        final IrqLine line = levels::add;

        @Override
        public void onEndOfInterrupt(int line, Runnable action) {
            registered.add(line);
            endOfInterrupt = action;
        }
    }

    @Test
    void aLevelSourceHoldsTheLineUntilTheGuestsEndOfInterruptWhichSignalsTheResampleEventfd() throws Exception {
        int trigger = Eventfds.create();
        int resample = Eventfds.create();
        Controller gic = new Controller();
        try (HostInterrupt source = HostInterrupt.fromEventfds(trigger, resample, "test");
             EmulatedLineDelivery delivery = new EmulatedLineDelivery(source, gic.line, gic, 40, "test-delivery")) {
            assertEquals(List.of(40), gic.registered);
            Eventfds.signal(trigger); // the host device interrupts
            assertEquals(Boolean.TRUE, gic.levels.poll(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(0, Eventfds.drain(resample), "not re-armed before the guest ends the interrupt");
            gic.endOfInterrupt.run(); // the guest's EOI
            assertEquals(Boolean.FALSE, gic.levels.poll(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(1, Eventfds.drain(resample), "the EOI re-arms the host source");
            Eventfds.signal(trigger); // still pending at the host: it triggers again
            assertEquals(Boolean.TRUE, gic.levels.poll(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void anEdgeSourcePulsesTheLineAndNeedsNoEndOfInterrupt() throws Exception {
        int trigger = Eventfds.create();
        Controller gic = new Controller();
        try (HostInterrupt source = HostInterrupt.fromEventfds(trigger, -1, "test");
             EmulatedLineDelivery delivery = new EmulatedLineDelivery(source, gic.line, gic, 41, "test-delivery")) {
            assertTrue(gic.registered.isEmpty(), "an edge source waits for no end of interrupt");
            Eventfds.signal(trigger);
            assertEquals(Boolean.TRUE, gic.levels.poll(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(Boolean.FALSE, gic.levels.poll(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }
}
