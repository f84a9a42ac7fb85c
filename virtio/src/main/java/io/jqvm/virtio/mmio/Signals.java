package io.jqvm.virtio.mmio;

import io.jqvm.device.IrqLine;
import io.jqvm.virtio.DriverSignals;

/**
 * How a virtio-mmio device interrupts its driver: InterruptStatus and the level-triggered line that follows
 * it (asserted while any bit is set, §4.2.2). Its lock is a leaf (it calls nothing but the interrupt line).
 */
final class Signals extends DriverSignals {
    private final IrqLine irq;
    private int interruptStatus;

    Signals(String name, IrqLine irq) {
        super(name);
        this.irq = irq;
    }

    synchronized int interruptStatus() {
        return interruptStatus;
    }

    synchronized void acknowledge(int bits) {
        interruptStatus &= ~bits;
        irq.set(interruptStatus != 0);
    }

    @Override
    protected void raiseUsed(int queue) {
        raise(MmioRegisters.INT_USED_BUFFER);
    }

    @Override
    protected void raiseConfig() {
        raise(MmioRegisters.INT_CONFIG);
    }

    private void raise(int bit) {
        interruptStatus |= bit;
        irq.set(true);
    }

    /** No interrupt pending, the line low. */
    @Override
    protected void clearInterrupts() {
        interruptStatus = 0;
        irq.set(false);
    }
}
