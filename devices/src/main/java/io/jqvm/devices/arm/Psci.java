package io.jqvm.devices.arm;

import io.jqvm.common.Mpidr;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Hex;
import io.jqvm.device.VmControl;

/**
 * The Power State Coordination Interface, version 1.1 (Arm DEN 0022), as a hypervisor provides it to an
 * EL1 guest through {@code HVC #0}: the vCPU hands over x0-x3 and gets the result in x0.
 *
 * <p>Implemented: PSCI_VERSION, PSCI_FEATURES, CPU_ON, CPU_OFF, AFFINITY_INFO, MIGRATE_INFO_TYPE (2: no
 * Trusted OS), SYSTEM_OFF and SYSTEM_RESET, in their SMC32 and SMC64 forms. Everything else, including
 * CPU_SUSPEND and the SMCCC_VERSION query, answers NOT_SUPPORTED, which Linux takes as "SMC Calling
 * Convention 1.0, no firmware mitigations"; the device tree therefore lists no idle states.
 */
public final class Psci {
    /** PSCI 1.1 (as QEMU reports): major version in bits [31:16], minor in [15:0]. */
    public static final int VERSION = 0x0001_0001;

    static final int FN_VERSION = 0x8400_0000;
    static final int FN_CPU_OFF = 0x8400_0002;
    static final int FN_CPU_ON = 0x8400_0003;
    static final int FN_AFFINITY_INFO = 0x8400_0004;
    static final int FN_MIGRATE_INFO_TYPE = 0x8400_0006;
    static final int FN_SYSTEM_OFF = 0x8400_0008;
    static final int FN_SYSTEM_RESET = 0x8400_0009;
    static final int FN_FEATURES = 0x8400_000A;
    /** Set in the SMC64 form of a function id. */
    static final int SMC64 = 0x4000_0000;

    static final int SUCCESS = 0;
    static final int NOT_SUPPORTED = -1;
    static final int INVALID_PARAMETERS = -2;
    static final int ALREADY_ON = -4;
    static final int ON_PENDING = -5;
    static final int INVALID_ADDRESS = -9;

    static final int AFFINITY_ON = 0;
    static final int AFFINITY_OFF = 1;
    static final int AFFINITY_ON_PENDING = 2;
    static final int NO_TRUSTED_OS = 2;

    /** What the calling vCPU does after the call. */
    public enum Outcome {
        /** Continue at the instruction after the HVC with x0 = result. */
        RESUME,
        /** The calling CPU is now off: stop running it until a CPU_ON names it. */
        CPU_OFF,
        /** The VM is shutting down or resetting ({@link VmControl} was told): stop running. */
        STOP
    }

    private enum PowerState { ON, OFF, ON_PENDING }

    private final int cpus;
    private final PowerController power;
    private final VmControl vm;
    private final PowerState[] states;
    private final GuestAccessLog log = new GuestAccessLog("psci");

    /** CPU 0 starts on, the others off until the guest turns them on. */
    public Psci(int cpus, PowerController power, VmControl vm) {
        if (cpus < 1) {
            throw new IllegalArgumentException("PSCI needs at least one CPU, got " + cpus);
        }
        this.cpus = cpus;
        this.power = power;
        this.vm = vm;
        this.states = new PowerState[cpus];
        java.util.Arrays.fill(states, PowerState.OFF);
        states[0] = PowerState.ON;
    }

    /**
     * Handles the call made by {@code cpu}: {@code x[0]} is the function id, {@code x[1..3]} the
     * arguments; the result is written to {@code x[0]}.
     */
    public Outcome call(int cpu, long[] x) {
        int function = (int) x[0];
        boolean smc64 = (function & SMC64) != 0;
        long a1 = smc64 ? x[1] : x[1] & 0xFFFF_FFFFL;
        long a2 = smc64 ? x[2] : x[2] & 0xFFFF_FFFFL;
        long a3 = smc64 ? x[3] : x[3] & 0xFFFF_FFFFL;
        if ((x[0] >>> 32) != 0) {
            x[0] = NOT_SUPPORTED; // function ids are 32-bit; a 64-bit value is no PSCI call
            return Outcome.RESUME;
        }
        int base = function & ~SMC64;
        Outcome outcome = Outcome.RESUME;
        long result;
        if (smc64 && !hasSmc64Form(base)) {
            result = NOT_SUPPORTED;
        } else {
            switch (base) {
                case FN_VERSION -> result = VERSION;
                case FN_FEATURES -> result = features((int) a1);
                case FN_CPU_ON -> result = cpuOn(a1, a2, a3);
                case FN_CPU_OFF -> {
                    markOff(cpu);
                    result = SUCCESS;
                    outcome = Outcome.CPU_OFF;
                }
                case FN_AFFINITY_INFO -> result = affinityInfo(a1, a2);
                case FN_MIGRATE_INFO_TYPE -> result = NO_TRUSTED_OS;
                case FN_SYSTEM_OFF -> {
                    vm.shutdown(ExitStatus.NORMAL, "guest requested PSCI SYSTEM_OFF");
                    result = SUCCESS;
                    outcome = Outcome.STOP;
                }
                case FN_SYSTEM_RESET -> {
                    vm.reset("guest requested PSCI SYSTEM_RESET");
                    result = SUCCESS;
                    outcome = Outcome.STOP;
                }
                default -> {
                    log.report("CPU " + cpu + " called unsupported function " + Hex.of(Integer.toUnsignedLong(function)));
                    result = NOT_SUPPORTED;
                }
            }
        }
        // SMC32 results are 32-bit; QEMU hands them back sign-extended, so -1 reads as -1 in X0 too.
        x[0] = smc64 ? result : (int) result;
        return outcome;
    }

    private static boolean hasSmc64Form(int base) {
        return base == FN_CPU_ON || base == FN_AFFINITY_INFO;
    }

    private static int features(int function) {
        int base = function & ~SMC64;
        boolean implemented = switch (base) {
            case FN_VERSION, FN_FEATURES, FN_CPU_OFF, FN_MIGRATE_INFO_TYPE, FN_SYSTEM_OFF, FN_SYSTEM_RESET ->
                    (function & SMC64) == 0;
            case FN_CPU_ON, FN_AFFINITY_INFO -> true;
            default -> false;
        };
        return implemented ? SUCCESS : NOT_SUPPORTED;
    }

    private long cpuOn(long targetMpidr, long entry, long contextId) {
        int target = Mpidr.cpuOf(targetMpidr, cpus);
        if (target < 0 || (targetMpidr & ~Mpidr.AFFINITY_MASK) != 0) {
            return INVALID_PARAMETERS;
        }
        synchronized (this) {
            switch (states[target]) {
                case ON -> {
                    return ALREADY_ON;
                }
                case ON_PENDING -> {
                    return ON_PENDING;
                }
                case OFF -> states[target] = PowerState.ON_PENDING;
            }
        }
        boolean started = power.powerOn(target, entry, contextId);
        synchronized (this) {
            // The started CPU may already have called CPU_OFF: only a still-pending power-on completes.
            if (states[target] == PowerState.ON_PENDING) {
                states[target] = started ? PowerState.ON : PowerState.OFF;
            }
        }
        return started ? SUCCESS : INVALID_ADDRESS;
    }

    private synchronized long affinityInfo(long targetAffinity, long lowestLevel) {
        if (lowestLevel != 0) {
            return INVALID_PARAMETERS; // only individual CPUs (level 0) are tracked
        }
        int target = Mpidr.cpuOf(targetAffinity, cpus);
        if (target < 0 || (targetAffinity & ~Mpidr.AFFINITY_MASK) != 0) {
            return INVALID_PARAMETERS;
        }
        return switch (states[target]) {
            case ON -> AFFINITY_ON;
            case OFF -> AFFINITY_OFF;
            case ON_PENDING -> AFFINITY_ON_PENDING;
        };
    }

    /** Records that {@code cpu} is off (after CPU_OFF, or when the VM stops a vCPU itself). */
    public synchronized void markOff(int cpu) {
        states[cpu] = PowerState.OFF;
    }
}
