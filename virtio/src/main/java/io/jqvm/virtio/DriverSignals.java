package io.jqvm.virtio;

import io.jqvm.device.DeviceCounters;
import io.jqvm.common.Log;
import io.jqvm.memory.GuestMemory;

/**
 * What every transport signals to the driver, whatever its register layout: DEVICE_NEEDS_RESET, the
 * configuration generation, and the {@link DeviceQueues} a device gets at DRIVER_OK. A transport supplies only
 * how it interrupts ({@link #raiseUsed}, {@link #raiseConfig}) and what its reset clears ({@link #clearInterrupts}).
 *
 * <p>Device threads reach this object through their activation; its lock is a leaf but for the interrupt
 * hardware a subclass drives, so it can be taken under the transport's lock or a device's own.
 */
public abstract class DriverSignals {
    private final String name;
    private boolean needsReset;
    /** The device's requests, bytes and failures (its queues count into it), for the VM's metrics. */
    private final DeviceCounters counters = new DeviceCounters();
    private int configGeneration;

    protected DriverSignals(String name) {
        this.name = name;
    }

    /** Interrupts the driver for a used buffer in queue {@code queue}; called with this object's lock held. */
    protected abstract void raiseUsed(int queue);

    /** Interrupts the driver for a configuration change (or a failure); called with this object's lock held. */
    protected abstract void raiseConfig();

    /** Clears the transport's pending interrupts at reset; called with this object's lock held. */
    protected abstract void clearInterrupts();

    public final DeviceCounters counters() {
        return counters;
    }

    public final synchronized boolean needsReset() {
        return needsReset;
    }

    public final synchronized int configGeneration() {
        return configGeneration;
    }

    /** Sets DEVICE_NEEDS_RESET and tells the driver through a configuration interrupt (§2.1.2); logs once. */
    public final synchronized void fail(String why) {
        if (needsReset) {
            return;
        }
        needsReset = true;
        counters.error();
        raiseConfig();
        Log.warn(name + ": " + why + "; the device stops until the driver resets it");
    }

    /** The driver reset the device: no failure, and nothing the transport had pending. */
    public final synchronized void reset() {
        needsReset = false;
        clearInterrupts();
    }

    /** The queues and signals a device gets at DRIVER_OK; {@code queues} is copied. */
    public final Activation activate(long features, Virtqueue[] queues, GuestMemory memory) {
        return new Live(features, queues.clone(), memory);
    }

    /** The activation a device gets at DRIVER_OK; retired at reset, after which its signals do nothing. */
    public interface Activation extends DeviceQueues {
        void retire();
    }

    /** One activation's queues; after {@link #retire} (reset) a device thread still holding it signals nothing. */
    private final class Live implements Activation {
        private final long features;
        private final Virtqueue[] queues;
        private final GuestMemory memory;
        private boolean live = true; // guarded by DriverSignals.this

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
            synchronized (DriverSignals.this) {
                Virtqueue q = queue(index);
                if (live && !needsReset && q != null && q.needsInterrupt()) {
                    raiseUsed(index);
                }
            }
        }

        @Override
        public void interruptUsed(int index) {
            synchronized (DriverSignals.this) {
                if (live && !needsReset && queue(index) != null) {
                    raiseUsed(index);
                }
            }
        }

        @Override
        public void configChanged() {
            synchronized (DriverSignals.this) {
                if (live) {
                    configGeneration++;
                    raiseConfig();
                }
            }
        }

        @Override
        public void fail(String why) {
            synchronized (DriverSignals.this) {
                if (live) {
                    DriverSignals.this.fail(why);
                }
            }
        }

        @Override
        public void retire() {
            synchronized (DriverSignals.this) {
                live = false;
            }
        }
    }
}
