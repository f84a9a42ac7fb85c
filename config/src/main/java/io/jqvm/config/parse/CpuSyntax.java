package io.jqvm.config.parse;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Sched;
import io.jqvm.config.value.Values;

import java.util.ArrayList;
import java.util.List;

/** The arguments of {@code cpu} context options. */
final class CpuSyntax {
    static final int PRIORITY_MIN = 1;
    static final int PRIORITY_MAX = 255;
    static final int HOST_CPU_MAX = 1023;

    private CpuSyntax() {
    }

    /** {@code prio[r|f|o]}. */
    static Sched.Priority priority(String text, Origin origin) {
        Sched.Policy policy = Sched.Policy.ROUND_ROBIN;
        String digits = text;
        if (!text.isEmpty()) {
            char last = text.charAt(text.length() - 1);
            Sched.Policy suffix = switch (last) {
                case 'r' -> Sched.Policy.ROUND_ROBIN;
                case 'f' -> Sched.Policy.FIFO;
                case 'o' -> Sched.Policy.OTHER;
                default -> null;
            };
            // A hex priority such as 0xf would end in a policy-looking letter; priorities are decimal.
            if (suffix != null && !text.startsWith("0x") && !text.startsWith("0X")) {
                policy = suffix;
                digits = text.substring(0, text.length() - 1);
            }
        }
        if (digits.isEmpty()) {
            throw new ConfigException(origin, "cpu sched: " + Quote.of(text) + " has no priority (write prio[r|f|o], e.g. 10f)");
        }
        int priority = (int) Values.number(digits, origin, "cpu sched (priority)", PRIORITY_MIN, PRIORITY_MAX);
        return new Sched.Priority(priority, policy);
    }

    /**
     * The five comma-separated fields of sporadic scheduling, {@code hi,lo,max_repl,period_ns,budget_ns};
     * the caller has removed the {@code s} policy letter.
     */
    static Sched.Sporadic sporadic(String fieldsText, String written, Origin origin) {
        String[] f = fieldsText.split(",", -1);
        if (f.length != 5) {
            throw new ConfigException(origin, "cpu sched: " + Quote.of(written)
                    + " is not prio[r|f|o] or high,low,max_repl,period_ns,budget_ns s");
        }
        String role = "cpu sched (sporadic)";
        int high = (int) Values.number(f[0], origin, role + " high priority", PRIORITY_MIN, PRIORITY_MAX);
        int low = (int) Values.number(f[1], origin, role + " low priority", PRIORITY_MIN, PRIORITY_MAX);
        int replenishments = (int) Values.number(f[2], origin, role + " max replenishments", 1, Integer.MAX_VALUE);
        long period = Values.number(f[3], origin, role + " period", 1, Long.MAX_VALUE);
        long budget = Values.number(f[4], origin, role + " budget", 1, Long.MAX_VALUE);
        if (low > high) {
            throw new ConfigException(origin, role + ": low priority " + low + " is above high priority " + high);
        }
        if (budget > period) {
            throw new ConfigException(origin, role + ": budget " + budget + " ns exceeds the period " + period + " ns");
        }
        return new Sched.Sporadic(high, low, replenishments, period, budget);
    }

    /** {@code n{,n}}: 0-based host CPU numbers. */
    static List<Integer> runmask(String text, Origin origin) {
        List<Integer> cpus = new ArrayList<>();
        for (String n : text.split(",", -1)) {
            cpus.add((int) Values.number(n, origin, "cpu runmask", 0, HOST_CPU_MAX));
        }
        return cpus;
    }
}
