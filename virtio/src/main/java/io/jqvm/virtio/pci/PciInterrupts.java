package io.jqvm.virtio.pci;

import io.jqvm.device.IrqLine;
import io.jqvm.device.pci.MsixCapability;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.virtio.DriverSignals;

/**
 * How a virtio-pci device interrupts its driver (virtio 1.2 §4.1.4.5, §4.1.5.4): through the MSI-X vector the
 * driver chose for the queue or for configuration changes while MSI-X is enabled, else through the ISR status
 * byte and INTx (asserted while the byte is non-zero, released when the driver reads it). Its lock is a leaf
 * but for the MSI-X table and the interrupt line it calls, so device threads signal without the transport's lock.
 */
final class PciInterrupts extends DriverSignals {
    static final int ISR_QUEUE = 1;
    static final int ISR_CONFIG = 2;
    /** The driver's "no vector" (VIRTIO_MSI_NO_VECTOR). */
    static final int NO_VECTOR = 0xffff;

    private final IrqLine intx;
    private final PciConfigSpace config;
    private final MsixCapability msix;
    private final int[] queueVectors;
    private int configVector = NO_VECTOR;
    private int isr;
    private boolean intxDisabled;

    PciInterrupts(String name, IrqLine intx, PciConfigSpace config, MsixCapability msix, int queues) {
        super(name);
        this.intx = intx;
        this.config = config;
        this.msix = msix;
        this.queueVectors = new int[queues];
        java.util.Arrays.fill(queueVectors, NO_VECTOR);
    }

    /** Reading the ISR returns and clears it, and releases INTx (§4.1.4.5). */
    synchronized int readIsr() {
        int value = isr;
        isr = 0;
        driveIntx(false);
        return value;
    }

    synchronized int configVector() {
        return configVector;
    }

    synchronized int queueVector(int queue) {
        return queueVectors[queue];
    }

    /** Sets a vector the driver chose; one the table lacks reads back as NO_VECTOR, which the driver checks. */
    synchronized int setConfigVector(int vector) {
        configVector = validVector(vector);
        return configVector;
    }

    synchronized void setQueueVector(int queue, int vector) {
        queueVectors[queue] = validVector(vector);
    }

    private int validVector(int vector) {
        return msix != null && vector < msix.vectorCount() ? vector : NO_VECTOR;
    }

    /** The command register's INTx disable bit changed. */
    synchronized void setIntxDisabled(boolean disabled) {
        intxDisabled = disabled;
        driveIntx(isr != 0 && !disabled && !msixEnabled());
    }

    /** INTA# and the status register's interrupt bit, which follows it (PCI 2.3). */
    private void driveIntx(boolean level) {
        intx.set(level);
        config.setInterruptStatus(level);
    }

    private boolean msixEnabled() {
        return msix != null && msix.enabled();
    }

    private void raise(int bit, int vector) {
        isr |= bit;
        if (msixEnabled()) {
            msix.signal(vector);
        } else if (!intxDisabled) {
            driveIntx(true);
        }
    }

    @Override
    protected void raiseUsed(int queue) {
        raise(ISR_QUEUE, queueVectors[queue]);
    }

    @Override
    protected void raiseConfig() {
        raise(ISR_CONFIG, configVector);
    }

    /** Nothing pending, every vector unset, INTx low. */
    @Override
    protected void clearInterrupts() {
        isr = 0;
        configVector = NO_VECTOR;
        java.util.Arrays.fill(queueVectors, NO_VECTOR);
        driveIntx(false);
    }
}
