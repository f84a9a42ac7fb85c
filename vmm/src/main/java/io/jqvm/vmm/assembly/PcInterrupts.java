package io.jqvm.vmm.assembly;

import io.jqvm.device.EventfdInterrupts;
import io.jqvm.device.InterruptController;
import io.jqvm.device.IrqLine;
import io.jqvm.vmm.board.PcLayout;

/**
 * The PC's interrupt inputs as lines. The IOAPIC and the 8259 pair are emulated by the accelerator (KVM's
 * in-kernel irqchip, as on every KVM VMM): their lines are the accelerator's global system interrupts (GSIs),
 * connected when the VM starts.
 */
final class PcInterrupts {
    private PcInterrupts() {
    }

    /**
     * The IOAPIC's input pins. The PC routing puts ISA IRQ 0 (GSI 0) on pin 2 and every other GSI on the pin of
     * its number, so pin 2 is driven through GSI 0 and pin 0 is reached by nothing.
     */
    static InterruptController ioapicPins(Assembly a) {
        IrqLine[] pins = new IrqLine[PcLayout.IOAPIC_PINS];
        for (int pin = 0; pin < PcLayout.IOAPIC_PINS; pin++) {
            int gsi = gsiOfPin(pin);
            pins[pin] = pin == 0 ? IrqLine.NONE
                    : a.deferredLine(line -> line.connect(a.running.vm().platformInterrupts().line(gsi)));
        }
        return fixedLines(a, pins, PcInterrupts::gsiOfPin);
    }

    private static int gsiOfPin(int pin) {
        return pin == PcLayout.PIT_IOAPIC_PIN ? 0 : pin;
    }

    /** Lines [first, first+count) of the accelerator's global system interrupts, connected at start. */
    static InterruptController platformLines(Assembly a, int first, int count) {
        IrqLine[] lines = new IrqLine[count];
        for (int i = 0; i < count; i++) {
            int gsi = first + i;
            lines[i] = a.deferredLine(line -> line.connect(a.running.vm().platformInterrupts().line(gsi)));
        }
        return fixedLines(a, lines, line -> first + line);
    }

    /**
     * Lines whose far ends are the accelerator's GSIs; a pass-through interrupt routes a host eventfd to the GSI
     * (once the VM runs) where the accelerator can.
     */
    private static InterruptController fixedLines(Assembly a, IrqLine[] lines, java.util.function.IntUnaryOperator gsiOfLine) {
        interface Lines extends InterruptController, EventfdInterrupts {
        }
        return new Lines() {
            @Override
            public AutoCloseable connect(int line, int triggerFd, int resampleFd) {
                if (!(a.running.vm().platformInterrupts() instanceof EventfdInterrupts kernel)) {
                    throw new IllegalStateException("the accelerator's interrupt controller takes no eventfds");
                }
                return kernel.connect(gsiOfLine.applyAsInt(line), triggerFd, resampleFd);
            }

            @Override
            public int lineCount() {
                return lines.length;
            }

            @Override
            public IrqLine line(int n) {
                return lines[n];
            }
        };
    }
}
