package io.jqvm.accel;

import java.util.concurrent.atomic.LongAdder;
import java.util.EnumMap;
import java.util.Map;

/** Guest exits counted by reason, summed over the VM's vCPUs. */
public final class ExitCounters {
    public enum Reason {
        PIO, MMIO, HLT, HYPERCALL, SHUTDOWN, INTERRUPTED, INTERNAL_ERROR, FAIL_ENTRY, OTHER
    }

    private final EnumMap<Reason, LongAdder> counts = new EnumMap<>(Reason.class);

    public ExitCounters() {
        for (Reason r : Reason.values()) {
            counts.put(r, new LongAdder());
        }
    }

    public void count(Reason reason) {
        counts.get(reason).increment();
    }

    public long get(Reason reason) {
        return counts.get(reason).sum();
    }

    /** Non-zero counts, for the log: {@code pio=12 mmio=3}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Reason, LongAdder> e : counts.entrySet()) {
            long n = e.getValue().sum();
            if (n != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(e.getKey().name().toLowerCase(java.util.Locale.ROOT)).append('=').append(n);
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}
