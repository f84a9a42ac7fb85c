package io.jqvm.device;

/**
 * Runs a task after a delay: what a timer device needs of the VM's timer service. The VM passes
 * {@link DeviceClock#schedule}; tests drive time by hand.
 */
@FunctionalInterface
public interface TaskScheduler {
    void schedule(long delayNanos, Runnable task);
}
