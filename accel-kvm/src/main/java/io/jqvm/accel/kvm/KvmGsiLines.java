package io.jqvm.accel.kvm;

import io.jqvm.device.EventfdInterrupts;
import io.jqvm.device.InterruptController;
import io.jqvm.device.IrqLine;
import io.jqvm.device.MsiController;
import io.jqvm.kvm.ioctl.KvmVmFd;
import io.jqvm.kvm.sys.KvmConstants;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The global system interrupt lines of KVM's in-kernel irqchip: GSI 0-15 reach both the 8259 pair and the
 * IOAPIC, 16-23 the IOAPIC only (KVM's default routing). Each line is a KVM_IRQ_LINE call, or an eventfd
 * routed with KVM_IRQFD (pass-through interrupts). Message-signalled interrupts go to the in-kernel local APICs
 * with KVM_SIGNAL_MSI (KVM_CAP_SIGNAL_MSI, in every kernel since 3.5), which decodes address and data itself.
 */
final class KvmGsiLines implements InterruptController, EventfdInterrupts, MsiController {
    private final KvmVmFd vm;
    private final IrqLine[] lines = new IrqLine[KvmConstants.IOAPIC_PINS];
    /** Device threads drive lines concurrently; closing waits for them so no call reaches a closed fd number. */
    private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();
    private boolean closed;

    KvmGsiLines(KvmVmFd vm) {
        this.vm = vm;
        for (int gsi = 0; gsi < lines.length; gsi++) {
            int line = gsi;
            lines[gsi] = asserted -> set(line, asserted);
        }
    }

    @Override
    public int lineCount() {
        return lines.length;
    }

    @Override
    public IrqLine line(int n) {
        if (n < 0 || n >= lines.length) {
            throw new IllegalArgumentException("GSI " + n + " does not exist: the in-kernel IOAPIC has lines 0-"
                    + (lines.length - 1));
        }
        return lines[n];
    }

    @Override
    public AutoCloseable connect(int line, int triggerFd, int resampleFd) {
        line(line); // the range check
        vm.irqfd(triggerFd, line, resampleFd, false);
        return () -> {
            closing.readLock().lock();
            try {
                if (!closed) { // closing the VM fd removes every routing
                    vm.irqfd(triggerFd, line, -1, true);
                }
            } finally {
                closing.readLock().unlock();
            }
        };
    }

    @Override
    public void signal(long address, int data) {
        closing.readLock().lock();
        try {
            if (!closed) { // as for lines: a message after the VM is gone reaches no guest
                vm.signalMsi(address, data);
            }
        } finally {
            closing.readLock().unlock();
        }
    }

    private void set(int gsi, boolean asserted) {
        closing.readLock().lock();
        try {
            // a device may still signal while the VM is torn down; the guest is gone, so that is dropped
            if (!closed) {
                vm.irqLine(gsi, asserted);
            }
        } finally {
            closing.readLock().unlock();
        }
    }

    void close() {
        closing.writeLock().lock();
        try {
            closed = true;
        } finally {
            closing.writeLock().unlock();
        }
    }
}
