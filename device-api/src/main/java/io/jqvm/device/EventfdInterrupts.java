package io.jqvm.device;

/**
 * An interrupt controller the accelerator emulates in the host kernel (KVM's irqchip), whose lines a host
 * eventfd can drive without the VMM (KVM_IRQFD): a pass-through interrupt then never wakes a VMM thread.
 */
public interface EventfdInterrupts {
    /**
     * Routes signals on {@code triggerFd} to input {@code line}. With {@code resampleFd} (not -1) the line is
     * level-triggered: a signal asserts it, and at the guest's end of interrupt the kernel deasserts it and
     * signals {@code resampleFd}; with -1 each signal is an edge. The descriptors stay the caller's.
     *
     * @return what undoes the routing
     */
    AutoCloseable connect(int line, int triggerFd, int resampleFd);
}
