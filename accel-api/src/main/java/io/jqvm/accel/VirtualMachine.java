package io.jqvm.accel;

import io.jqvm.device.InterruptController;
import java.lang.foreign.MemorySegment;

/** A created VM: its vCPUs and, where the accelerator emulates one, its platform interrupt controller. */
public interface VirtualMachine extends AutoCloseable {
    int vcpuCount();

    Vcpu vcpu(int index);

    /**
     * x86 with {@link MachineSpec#x86IrqChip}: the global system interrupt lines (GSI 0-23) of the
     * accelerator's PIC/IOAPIC pair, which the {@code ioapic} and {@code 8259} vdevs route to. Null otherwise.
     */
    InterruptController platformInterrupts();

    /**
     * Makes {@code host} guest RAM at {@code gpa} while the guest runs (a shared-memory region other processes
     * also map): page-aligned, a whole number of 4 KiB pages, over no other memory. Thread-safe; vCPUs see it
     * from their next access on. Throws when the host refuses.
     */
    default void mapMemory(long gpa, MemorySegment host) {
        mapMemory(gpa, host, false);
    }

    /**
     * As {@link #mapMemory(long, MemorySegment)}; {@code readOnly}: the guest reads {@code host} but its writes
     * reach the VM's I/O dispatcher as MMIO writes nobody claims (a read-only pass-through region).
     */
    default void mapMemory(long gpa, MemorySegment host, boolean readOnly) {
        throw new UnsupportedOperationException("this accelerator cannot map memory while the guest runs");
    }

    /**
     * Removes a {@link #mapMemory} mapping. A vCPU may still complete accesses it began with the old translation,
     * so the host memory must stay valid until the VM is closed or long after.
     */
    default void unmapMemory(long gpa) {
        throw new UnsupportedOperationException("this accelerator cannot unmap memory while the guest runs");
    }

    /**
     * Counters the accelerator keeps beyond exits, by name (the software CPU: instructions retired, regions
     * compiled), for the VM's metrics. Read while the guest runs, so approximate.
     */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    /**
     * The guest was paused for {@code nanos}: its clocks skip that time, so they read on from where they stopped
     * instead of jumping. Called with every vCPU stopped. An accelerator that cannot hold its clock leaves it.
     */
    default void skipPausedTime(long nanos) {
    }

    /** Exit counts by reason, for the log at the end of a run. */
    ExitCounters exitCounters();

    @Override
    void close();
}
