package io.jqvm.common;

/**
 * The board's numbering of CPUs into affinity levels: CPU n has Aff0 = n mod 16 and Aff1 = n / 16, so that
 * a GICv3 SGI target list (16 CPUs per Aff1 group) reaches every CPU. The vCPUs' MPIDR_EL1, the device
 * tree's {@code cpu@} reg values, PSCI targets and GICv3 routing all follow this rule.
 */
public final class Mpidr {
    /** Affinity fields of MPIDR_EL1: Aff3 [39:32], Aff2 [23:16], Aff1 [15:8], Aff0 [7:0]. */
    public static final long AFFINITY_MASK = 0xFF_00FF_FFFFL;
    private static final int CPUS_PER_CLUSTER = 16;

    private Mpidr() {
    }

    /** The affinity value of CPU {@code cpu} (MPIDR_EL1 without its RES1 bit 31). */
    public static long affinity(int cpu) {
        return ((long) (cpu / CPUS_PER_CLUSTER) << 8) | (cpu % CPUS_PER_CLUSTER);
    }

    /** The CPU whose affinity is {@code mpidr} (other bits ignored), or -1 when none of {@code cpus} has it. */
    public static int cpuOf(long mpidr, int cpus) {
        long aff = mpidr & AFFINITY_MASK;
        long aff0 = aff & 0xFF;
        long aff1 = (aff >> 8) & 0xFF;
        if ((aff & ~0xFFFFL) != 0 || aff0 >= CPUS_PER_CLUSTER) {
            return -1;
        }
        long cpu = aff1 * CPUS_PER_CLUSTER + aff0;
        return cpu < cpus ? (int) cpu : -1;
    }
}
