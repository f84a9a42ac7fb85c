package io.jqvm.virtio.pci;

import io.jqvm.common.Log;
import io.jqvm.device.IrqLine;
import io.jqvm.device.pci.MsixCapability;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.Virtqueue;

/**
 * How a virtio-pci device interrupts its driver (virtio 1.2 §4.1.4.5, §4.1.5.4): through the MSI-X vector the
 * driver chose for the queue or for configuration changes while MSI-X is enabled, else through the ISR status
 * byte and INTx (asserted while the byte is non-zero, released when the driver reads it). Also holds
 * DEVICE_NEEDS_RESET and the configuration generation. Its lock is a leaf but for the MSI-X table and the
 * interrupt line it calls, so device threads signal without the transport's lock.
 */
final class PciInterrupts {
    static final int ISR_QUEUE = 1;
    static final int ISR_CONFIG = 2;
    /** The driver's "no vector" (VIRTIO_MSI_NO_VECTOR). */
    static final int NO_VECTOR = 0xffff;

    private final String name;
    private final IrqLine intx;
    private final PciConfigSpace config;
    private final MsixCapability msix;
    private final int[] queueVectors;
    private int configVector = NO_VECTOR;
    private int isr;
    private boolean intxDisabled;
    private boolean needsReset;
    private int configGeneration;

    PciInterrupts(String name, IrqLine intx, PciConfigSpace config, MsixCapability msix, int queues) {
        this.name = name;
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

    synchronized boolean needsReset() {
        return needsReset;
    }

    synchronized int configGeneration() {
        return configGeneration;
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

    synchronized void fail(String why) {
        if (needsReset) {
            return;
        }
        needsReset = true;
        raise(ISR_CONFIG, configVector);
        Log.warn(name + ": " + why + "; the device stops until the driver resets it");
    }

    /** The driver reset the device: nothing pending, no failure, every vector unset, INTx low. */
    synchronized void reset() {
        isr = 0;
        needsReset = false;
        configVector = NO_VECTOR;
        java.util.Arrays.fill(queueVectors, NO_VECTOR);
        driveIntx(false);
    }

    VirtioPciTransport.Activation activate(long features, Virtqueue[] queues, GuestMemory memory) {
        return new Live(features, queues.clone(), memory);
    }

    /** One activation's queues; after {@link #retire} (reset) a device thread still holding it signals nothing. */
    private final class Live implements VirtioPciTransport.Activation {
        private final long features;
        private final Virtqueue[] queues;
        private final GuestMemory memory;
        private boolean live = true; // guarded by PciInterrupts.this

        Live(long features, Virtqueue[] queues, GuestMemory memory) {
            this.features = features;
            this.queues = queues;
            this.memory = memory;
        }

        @Override
        public long features() {
            return features;
        }

        @Override
        public Virtqueue queue(int index) {
            return index >= 0 && index < queues.length ? queues[index] : null;
        }

        @Override
        public GuestMemory memory() {
            return memory;
        }

        @Override
        public void notifyUsed(int index) {
            synchronized (PciInterrupts.this) {
                Virtqueue q = queue(index);
                if (live && !needsReset && q != null && q.needsInterrupt()) {
                    raise(ISR_QUEUE, queueVectors[index]);
                }
            }
        }

        @Override
        public void interruptUsed(int index) {
            synchronized (PciInterrupts.this) {
                if (live && !needsReset && queue(index) != null) {
                    raise(ISR_QUEUE, queueVectors[index]);
                }
            }
        }

        @Override
        public void configChanged() {
            synchronized (PciInterrupts.this) {
                if (live) {
                    configGeneration++;
                    raise(ISR_CONFIG, configVector);
                }
            }
        }

        @Override
        public void fail(String why) {
            synchronized (PciInterrupts.this) {
                if (live) {
                    PciInterrupts.this.fail(why);
                }
            }
        }

        @Override
        public void retire() {
            synchronized (PciInterrupts.this) {
                live = false;
            }
        }
    }
}
