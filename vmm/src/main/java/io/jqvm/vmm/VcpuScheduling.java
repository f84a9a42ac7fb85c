package io.jqvm.vmm;

import io.jqvm.common.Log;
import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A vCPU thread's host scheduling, from {@code cpu sched ... runmask ...}: applied by the thread to itself
 * before it first runs guest code. Where the host refuses (no privilege for a real-time policy, a CPU not
 * in the host), it warns once per kind of refusal and keeps the host default — never silently.
 *
 * @param policy     null when the configuration gave no {@code sched}: the thread keeps jqvm's own
 * @param priority   QNX priority 1..255; Linux real-time priorities are 1..99, so it is clamped there
 * @param budgetNs   sporadic only: initial budget, mapped to SCHED_DEADLINE runtime
 * @param periodNs   sporadic only: replenishment period, mapped to SCHED_DEADLINE period
 * @param runmask    host CPUs the thread may run on; empty = any (float)
 */
public record VcpuScheduling(Policy policy, int priority, long budgetNs, long periodNs, BitSet runmask) {
    /** QNX scheduling policies as {@code sched prio[r|f|o]} and sporadic {@code ... s} spell them. */
    public enum Policy {
        ROUND_ROBIN("round-robin"), FIFO("fifo"), OTHER("other"), SPORADIC("sporadic");

        private final String label;

        Policy(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public static final VcpuScheduling DEFAULT = new VcpuScheduling(null, 0, 0, 0, new BitSet());

    private static final AtomicBoolean WARNED_POLICY = new AtomicBoolean();
    private static final AtomicBoolean WARNED_AFFINITY = new AtomicBoolean();

    /** Linux's real-time priority for a QNX priority. */
    public int linuxPriority() {
        return Math.max(1, Math.min(99, priority));
    }

    /** Human description for dryrun and logs: {@code prio 10 round-robin, runmask 0,1}. */
    public String describe() {
        String sched = policy == null ? "host default" : policy == Policy.SPORADIC
                ? "sporadic prio " + priority + " budget " + budgetNs + "ns period " + periodNs + "ns"
                : "prio " + priority + " " + policy.label();
        String mask = runmask.isEmpty() ? "any host CPU" : "runmask " + runmask.stream().mapToObj(Integer::toString)
                .reduce((a, b) -> a + "," + b).orElse("");
        return sched + ", " + mask;
    }

    /** Applies this scheduling to the calling thread. */
    public void applyToCurrentThread(String threadName) {
        if (!runmask.isEmpty()) {
            try {
                Libc.schedSetAffinity(0, runmask.toLongArray());
            } catch (HostException e) {
                if (!WARNED_AFFINITY.getAndSet(true)) {
                    Log.warn(threadName + ": host refused runmask " + describe() + ": " + e.getMessage()
                            + "; the vCPU floats over all host CPUs");
                }
            }
        }
        if (policy == null) {
            return;
        }
        try {
            switch (policy) {
                case ROUND_ROBIN -> Libc.schedSetScheduler(0, Libc.SCHED_RR, linuxPriority());
                case FIFO -> Libc.schedSetScheduler(0, Libc.SCHED_FIFO, linuxPriority());
                // QNX documents SCHED_OTHER as currently round-robin.
                case OTHER -> Libc.schedSetScheduler(0, Libc.SCHED_RR, linuxPriority());
                case SPORADIC -> Libc.schedSetDeadline(0, budgetNs, periodNs);
            }
        } catch (HostException e) {
            if (!WARNED_POLICY.getAndSet(true)) {
                Log.warn(threadName + ": host refused " + describe() + ": " + e.getMessage()
                        + "; vCPU threads keep the host's default scheduling");
            }
        }
    }
}
