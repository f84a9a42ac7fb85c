package io.jqvm.cpu.a64;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import io.jqvm.memory.GuestMemory;

/**
 * The software CPUs of one VM and what they share: the guest-physical memory with its decoded-code
 * cache, the global exclusive monitor and event broadcast, and the counter epoch.
 */
public final class A64Machine {
    private final A64Cpu[] cpus;
    private final PhysicalMemory phys;

    /**
     * Jumps to an instruction before the CPUs compile a region from it (system property
     * {@value #JIT_THRESHOLD_PROPERTY}; 0 turns the compiler off and only interprets).
     */
    public static final String JIT_THRESHOLD_PROPERTY = "jqvm.a64.jit.threshold";
    private static final int DEFAULT_JIT_THRESHOLD = 8000;

    private final RegionCompiler regionCompiler; // null: interpret only

    /**
     * A machine whose region-compiler threshold comes from {@value #JIT_THRESHOLD_PROPERTY}.
     *
     * @param peerMappedMemory regions other processes write will be {@link #mapMemory mapped} while the guest runs:
     *                         the CPUs then cannot see every write to code and have the guest maintain its I-cache
     */
    public A64Machine(GuestMemory memory, boolean peerMappedMemory, int vcpus, GuestIo io, ExitCounters counters) {
        this(memory, peerMappedMemory, vcpus, io, counters, jitThresholdProperty());
    }

    /** @param jitThreshold jumps to an instruction before a region is compiled from it; 0: interpret only */
    public A64Machine(GuestMemory memory, boolean peerMappedMemory, int vcpus, GuestIo io, ExitCounters counters,
                      int jitThreshold) {
        if (vcpus < 1) {
            throw new IllegalArgumentException("a machine needs at least one vCPU, not " + vcpus);
        }
        RegionCompiler compiler = jitThreshold == 0 ? null : new RegionCompiler(RegionContract.regionLookup(), jitThreshold);
        regionCompiler = compiler;
        phys = new PhysicalMemory(memory, peerMappedMemory);
        ExclusiveMonitor monitor = new ExclusiveMonitor();
        long epoch = System.nanoTime();
        cpus = new A64Cpu[vcpus];
        for (int i = 0; i < vcpus; i++) {
            cpus[i] = new A64Cpu(i, phys, monitor, io, counters, epoch, compiler);
        }
    }

    /** The threshold {@value #JIT_THRESHOLD_PROPERTY} sets, or the default. */
    static int jitThresholdProperty() {
        String value = System.getProperty(JIT_THRESHOLD_PROPERTY);
        if (value == null) {
            return DEFAULT_JIT_THRESHOLD;
        }
        try {
            int threshold = Integer.parseInt(value.strip());
            if (threshold >= 0 && threshold <= RegionCompiler.MAX_THRESHOLD) {
                return threshold;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + JIT_THRESHOLD_PROPERTY + "=" + value + ": expected a jump count from 1 to "
                + RegionCompiler.MAX_THRESHOLD + ", or 0 to turn the region compiler off");
    }

    public int cpuCount() {
        return cpus.length;
    }

    public A64Cpu cpu(int index) {
        return cpus[index];
    }

    /** Guest instructions executed by all vCPUs so far (approximate while they run: read without locking). */
    public long instructionsRetired() {
        long sum = 0;
        for (A64Cpu cpu : cpus) {
            sum += cpu.instructionsRetired();
        }
        return sum;
    }

    /** The VM was paused for {@code nanos}: every vCPU's counter skips it (called with every vCPU stopped). */
    public void skipCounter(long nanos) {
        for (A64Cpu cpu : cpus) {
            cpu.skipCounter(nanos);
        }
    }

    /** Regions the vCPUs compiled to bytecode so far (0 when the compiler is off). */
    public long compiledRegions() {
        return regionCompiler == null ? 0 : regionCompiler.compiled();
    }

    /** Regions whose translation failed (a translator bug; they are interpreted instead). */
    public long failedRegions() {
        return regionCompiler == null ? 0 : regionCompiler.failed();
    }

    /** UNDEFINED (unimplemented or unallocated) instructions all vCPUs met. */
    public long undefinedInstructions() {
        long sum = 0;
        for (A64Cpu cpu : cpus) {
            sum += cpu.undefinedInstructions();
        }
        return sum;
    }

    /**
     * Guest memory was written by something other than these CPUs (device DMA, a loader after start): drop
     * the decoded instructions of the pages in [gpa, gpa + length). CPU stores are tracked by the CPUs
     * themselves; without this call code DMA-written into a page executed before would run stale, because
     * CTR_EL0.DIC tells the guest it need not invalidate the instruction cache. Any thread.
     */
    public void memoryWritten(long gpa, long length) {
        phys.invalidateCode(gpa, length);
    }

    /**
     * Maps host memory as guest memory at {@code gpa} while the guest runs (shared memory, pass-through);
     * {@code readOnly}: stores take the I/O path, as stores to ROM do.
     */
    public void mapMemory(long gpa, java.lang.foreign.MemorySegment host, boolean readOnly, String owner) {
        phys.map(gpa, host, readOnly, owner);
    }

    /** Removes a {@link #mapMemory} region; the host memory must stay valid a while (a batch may be using it). */
    public void unmapMemory(long gpa) {
        phys.unmap(gpa);
    }

    /** Wires the SIMD&amp;FP data-processing unit into every vCPU ({@code FpSimdExecutor::execute}). */
    public void setSimdUnit(SimdUnit unit) {
        for (A64Cpu cpu : cpus) {
            cpu.setSimdUnit(unit);
        }
    }
}
