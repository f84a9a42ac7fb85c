package io.jqvm.vmm;

/** vCPU power control as platform firmware (PSCI) needs it. */
public interface PowerController {
    enum CpuOnResult { STARTED, ALREADY_ON, NO_SUCH_CPU }

    int cpuCount();

    /** Powers on a vCPU at {@code entry} with x0 = {@code contextId} (AArch64 CPU_ON). */
    CpuOnResult powerOn(int cpu, long entry, long contextId);

    boolean isOn(int cpu);
}
