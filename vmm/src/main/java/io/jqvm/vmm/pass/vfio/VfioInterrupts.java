package io.jqvm.vmm.pass.vfio;

import io.jqvm.common.Log;
import io.jqvm.device.pci.MsixCapability;
import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.vmm.pass.Eventfds;
import io.jqvm.vmm.pass.HostInterrupt;
import io.jqvm.vmm.pass.PassThroughException;

/**
 * A VFIO device's interrupts relayed to the guest, as QEMU's vfio-pci relays them. INTx: a trigger eventfd the
 * VMM delivers to the guest's line (irqfd or the emulated delivery, as any {@code pass intr}) and an unmask eventfd
 * the guest's end of interrupt signals, because vfio-pci masks a level-triggered INTx at every interrupt until the
 * guest has handled it. MSI-X, while the guest enables it: one eventfd per vector, whose signals a thread turns
 * into the guest's programmed message through the emulated table ({@link MsixCapability#signal}, which holds a
 * masked vector pending). vfio-pci takes one interrupt type at a time, so INTx is off while MSI-X is on.
 *
 * <p>Called with the function's monitor held (configuration writes); a host refusal while the guest runs is
 * logged and leaves the interrupt type off: the guest must never take the VMM down.
 */
final class VfioInterrupts implements AutoCloseable {
    private final VfioPciDevice device;
    private final VfioKernel kernel;
    private final String threadName;
    private final HostInterrupt intx;
    /** vfio-pci's interrupt type is INTx (it takes one type at a time). */
    private boolean intxArmed;
    private int[] vectorFds;
    private int stopFd = -1;
    private Thread relay;

    /** Arms INTx when the device has it and the configuration space names a pin. */
    VfioInterrupts(VfioPciDevice device, boolean intxPin, String threadName) {
        this.device = device;
        this.kernel = device.kernel();
        this.threadName = threadName;
        VfioKernel.IrqInfo info = device.irq(VfioKernel.PCI_INTX_IRQ);
        if (!intxPin || info == null || info.count() == 0) {
            intx = null;
            return;
        }
        intx = HostInterrupt.fromEventfds(Eventfds.create(), Eventfds.create(), device.name() + " INTx");
        try {
            armIntx();
        } catch (HostException e) {
            intx.close();
            throw new PassThroughException(device.name() + ": " + e.getMessage() + " (" + Libc.strerror(e.errno()) + ")");
        }
    }

    private void armIntx() {
        kernel.setIrqEventfds(device.fd(), VfioKernel.PCI_INTX_IRQ, 0, new int[] {intx.triggerFd()});
        kernel.setIrqUnmaskEventfd(device.fd(), VfioKernel.PCI_INTX_IRQ, intx.resampleFd());
        intxArmed = true;
    }

    /** The INTx source to deliver to the guest's line (trigger, and resample = unmask), or null without INTx. */
    HostInterrupt intx() {
        return intx;
    }

    /** Follows the guest's MSI-X enable bit: vectors to eventfds and a relay thread, or back to INTx. */
    void msixEnabled(MsixCapability msix, boolean enabled) {
        if (enabled == (relay != null)) {
            return;
        }
        try {
            if (enabled) {
                startMsix(msix);
            } else {
                stopMsix();
                if (intx != null) {
                    armIntx();
                }
            }
        } catch (HostException e) {
            Log.warn(device.name() + ": MSI-X " + (enabled ? "on" : "off") + ": " + e.getMessage() + " ("
                    + Libc.strerror(e.errno()) + ")");
        }
    }

    private void startMsix(MsixCapability msix) {
        if (intxArmed) {
            kernel.disableIrqs(device.fd(), VfioKernel.PCI_INTX_IRQ);
            intxArmed = false;
        }
        int count = Math.min(msix.vectorCount(), device.irq(VfioKernel.PCI_MSIX_IRQ).count());
        int[] fds = new int[count];
        for (int v = 0; v < count; v++) {
            fds[v] = Eventfds.create();
        }
        try {
            kernel.setIrqEventfds(device.fd(), VfioKernel.PCI_MSIX_IRQ, 0, fds);
        } catch (HostException e) {
            for (int fd : fds) {
                Libc.close(fd);
            }
            throw e;
        }
        vectorFds = fds;
        stopFd = Eventfds.create();
        int[] polled = new int[count + 1];
        polled[0] = stopFd;
        System.arraycopy(fds, 0, polled, 1, count);
        relay = Thread.ofPlatform().daemon().name(threadName).unstarted(() -> relay(msix, polled));
        relay.start();
    }

    /** Each signalled vector eventfd becomes the vector's message; the stop eventfd ends the thread. */
    private static void relay(MsixCapability msix, int[] polled) {
        boolean[] ready = new boolean[polled.length];
        while (true) {
            Eventfds.await(polled, ready);
            if (ready[0]) {
                return;
            }
            for (int i = 1; i < polled.length; i++) {
                if (ready[i] && Eventfds.drain(polled[i]) != 0) {
                    msix.signal(i - 1);
                }
            }
        }
    }

    private void stopMsix() {
        Eventfds.signal(stopFd);
        try {
            relay.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        relay = null;
        try {
            kernel.disableIrqs(device.fd(), VfioKernel.PCI_MSIX_IRQ);
        } finally {
            for (int fd : vectorFds) {
                Libc.close(fd);
            }
            Libc.close(stopFd);
            vectorFds = null;
            stopFd = -1;
        }
    }

    /** Turns the device's interrupts off, stops the relay and closes the eventfds. */
    @Override
    public void close() {
        try {
            if (relay != null) {
                stopMsix();
            } else if (intxArmed) {
                intxArmed = false;
                kernel.disableIrqs(device.fd(), VfioKernel.PCI_INTX_IRQ);
            }
        } catch (HostException e) {
            Log.warn(device.name() + ": interrupts off: " + e.getMessage());
        }
        if (intx != null) {
            intx.close();
        }
    }
}
