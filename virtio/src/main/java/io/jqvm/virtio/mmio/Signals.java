package io.jqvm.virtio.mmio;

import io.jqvm.common.Log;
import io.jqvm.device.IrqLine;
import io.jqvm.memory.GuestMemory;
import io.jqvm.virtio.Virtqueue;

/**
 * What a transport signals to the driver: InterruptStatus and the level-triggered line that follows it
 * (asserted while any bit is set), DEVICE_NEEDS_RESET, and ConfigGeneration. Device threads reach it through
 * their {@link VirtioMmioTransport.Activation}; its lock is a leaf (it calls nothing but the interrupt line),
 * so it can be taken under the transport's lock or a device's own.
 */
final class Signals {
    private final String name;
    private final IrqLine irq;
    private int interruptStatus;
    private boolean needsReset;
    private int configGeneration;

    Signals(String name, IrqLine irq) {
        this.name = name;
        this.irq = irq;
    }

    synchronized int interruptStatus() {
        return interruptStatus;
    }

    synchronized boolean needsReset() {
        return needsReset;
    }

    synchronized int configGeneration() {
        return configGeneration;
    }

    synchronized void acknowledge(int bits) {
        interruptStatus &= ~bits;
        irq.set(interruptStatus != 0);
    }

    private void raise(int bit) {
        interruptStatus |= bit;
        irq.set(true);
    }

    /** Sets DEVICE_NEEDS_RESET and tells the driver through a configuration interrupt (§2.1.2); logs once. */
    synchronized void fail(String why) {
        if (needsReset) {
            return;
        }
        needsReset = true;
        raise(MmioRegisters.INT_CONFIG);
        Log.warn(name + ": " + why + "; the device stops until the driver resets it");
    }

    /** The driver reset the device: no interrupt pending, no failure, the line low. */
    synchronized void reset() {
        interruptStatus = 0;
        needsReset = false;
        irq.set(false);
    }

    VirtioMmioTransport.Activation activate(long features, Virtqueue[] queues, GuestMemory memory) {
        return new Live(features, queues.clone(), memory);
    }

    /** One activation's queues; after {@link #retire} (reset) a device thread still holding it signals nothing. */
    private final class Live implements VirtioMmioTransport.Activation {
        private final long features;
        private final Virtqueue[] queues;
        private final GuestMemory memory;
        private boolean live = true; // guarded by Signals.this

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
            synchronized (Signals.this) {
                Virtqueue q = queue(index);
                if (live && !needsReset && q != null && q.needsInterrupt()) {
                    raise(MmioRegisters.INT_USED_BUFFER);
                }
            }
        }

        @Override
        public void interruptUsed(int index) {
            synchronized (Signals.this) {
                if (live && !needsReset && queue(index) != null) {
                    raise(MmioRegisters.INT_USED_BUFFER);
                }
            }
        }

        @Override
        public void configChanged() {
            synchronized (Signals.this) {
                if (live) {
                    configGeneration++;
                    raise(MmioRegisters.INT_CONFIG);
                }
            }
        }

        @Override
        public void fail(String why) {
            synchronized (Signals.this) {
                if (live) {
                    Signals.this.fail(why);
                }
            }
        }

        @Override
        public void retire() {
            synchronized (Signals.this) {
                live = false;
            }
        }
    }
}
