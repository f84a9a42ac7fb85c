package io.jqvm.accel.soft;

import io.jqvm.accel.Accelerator;
import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import io.jqvm.accel.MachineSpec;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.common.Arch;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import io.jqvm.cpu.a64.A64Machine;
import io.jqvm.cpu.a64.simd.FpSimdExecutor;
import io.jqvm.device.InterruptController;

/**
 * The {@code soft} accelerator: AArch64 guests on the Java software CPU, on any host. Each vCPU runs on
 * the thread that calls its {@link Vcpu#run}.
 */
public final class SoftAccelerator implements Accelerator {
    @Override
    public String name() {
        return "soft";
    }

    @Override
    public String unavailableReason(Arch arch) {
        return arch == Arch.AARCH64 ? null
                : "the soft accelerator's software CPU runs AArch64 guests only, not " + arch.label();
    }

    @Override
    public VirtualMachine create(MachineSpec spec, GuestIo io) {
        String reason = unavailableReason(spec.arch());
        if (reason != null) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, reason);
        }
        ExitCounters counters = new ExitCounters();
        A64Machine machine;
        try {
            machine = new A64Machine(spec.memory(), spec.peerMappedMemory(), spec.vcpus(), io, counters);
        } catch (IllegalArgumentException e) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "soft accelerator: " + e.getMessage());
        }
        machine.setSimdUnit(FpSimdExecutor::execute);
        // Devices write guest RAM (DMA) through GuestMemory without knowing this CPU caches decoded code.
        spec.memory().addWriteListener(machine::memoryWritten);
        return new SoftVirtualMachine(machine, counters);
    }

    /** A VM of software vCPUs; the board brings its own interrupt controller (GIC). */
    public static final class SoftVirtualMachine implements VirtualMachine {
        private final A64Machine machine;
        private final ExitCounters counters;

        SoftVirtualMachine(A64Machine machine, ExitCounters counters) {
            this.machine = machine;
            this.counters = counters;
        }

        /** The CPUs, e.g. to wire the SIMD&amp;FP unit in. */
        public A64Machine machine() {
            return machine;
        }

        @Override
        public int vcpuCount() {
            return machine.cpuCount();
        }

        @Override
        public Vcpu vcpu(int index) {
            return machine.cpu(index);
        }

        @Override
        public InterruptController platformInterrupts() {
            return null;
        }

        @Override
        public void mapMemory(long gpa, java.lang.foreign.MemorySegment host, boolean readOnly) {
            machine.mapMemory(gpa, host, readOnly, "mapped while running");
        }

        @Override
        public void unmapMemory(long gpa) {
            machine.unmapMemory(gpa);
        }

        @Override
        public java.util.Map<String, Long> counters() {
            return java.util.Map.of("instructions_retired", machine.instructionsRetired(),
                    "compiled_regions", machine.compiledRegions(), "failed_regions", machine.failedRegions(),
                    "undefined_instructions", machine.undefinedInstructions());
        }

        @Override
        public void skipPausedTime(long nanos) {
            machine.skipCounter(nanos);
        }

        @Override
        public ExitCounters exitCounters() {
            return counters;
        }

        @Override
        public void close() {
            // the CPUs hold no host resources; guest memory belongs to the caller
            Log.debug(() -> String.format("soft cpu: %d instructions retired, %d regions compiled, %d UNDEFINED",
                    machine.instructionsRetired(), machine.compiledRegions(), machine.undefinedInstructions()));
        }
    }
}
