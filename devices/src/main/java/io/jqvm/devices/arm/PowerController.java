package io.jqvm.devices.arm;

/**
 * Where {@link Psci} turns CPUs on: implemented by the VM with its vCPU threads. Turning a CPU off needs
 * no call here: {@link Psci#call} tells the calling vCPU to stop.
 */
public interface PowerController {
    /**
     * Starts {@code cpu} at {@code entry} in the PSCI entry state (EL1, MMU and caches off, DAIF masked)
     * with x0 = {@code contextId}.
     *
     * @return false when {@code entry} is not an address the CPU can execute from (not guest RAM)
     */
    boolean powerOn(int cpu, long entry, long contextId);
}
