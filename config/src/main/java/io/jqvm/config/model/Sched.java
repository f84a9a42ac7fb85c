package io.jqvm.config.model;

/** A vCPU's host scheduling: {@code sched prio[r|f|o]} or the sporadic form {@code sched hi,lo,max,period,budget s}. */
public sealed interface Sched {
    /** Round-robin ({@code r}, the default), FIFO ({@code f}) or other ({@code o}, treated like round-robin). */
    enum Policy {
        ROUND_ROBIN, FIFO, OTHER
    }

    record Priority(int priority, Policy policy) implements Sched {
    }

    /** POSIX sporadic server parameters; the period and budget are in nanoseconds. */
    record Sporadic(int highPriority, int lowPriority, int maxReplenishments, long periodNs, long budgetNs)
            implements Sched {
    }
}
