package io.jqvm.cpu.a64;

import io.jqvm.device.IrqLine;

/**
 * The generic timer of one vCPU: the counter (host {@link System#nanoTime} at 62.5 MHz minus the counter
 * offset, which by default is the VM's start so the guest's counter starts at 0), and the EL1 physical and virtual timers whose outputs drive the
 * lines from {@code connectTimers}. Without EL2 the virtual offset is 0, so both timers count the same.
 */
final class GenericTimer {
    static final long FREQUENCY = 62_500_000L;
    static final long NANOS_PER_TICK = 1_000_000_000L / FREQUENCY; // 16 ns
    static final int PHYSICAL = 0;
    static final int VIRTUAL = 1;
    static final int CTL_ENABLE = 1;
    static final int CTL_IMASK = 2;
    static final int CTL_ISTATUS = 4;

    private long offset;
    private final int[] ctl = new int[2];
    private final long[] cval = new long[2];
    private final IrqLine[] outputs = {IrqLine.NONE, IrqLine.NONE};
    private final boolean[] driven = new boolean[2];

    GenericTimer(long epochNanos) {
        this.offset = epochNanos / NANOS_PER_TICK;
    }

    void connect(IrqLine physical, IrqLine virtual) {
        outputs[PHYSICAL] = physical;
        outputs[VIRTUAL] = virtual;
        driven[PHYSICAL] = false;
        driven[VIRTUAL] = false;
    }

    void setOffset(long offset) {
        this.offset = offset;
    }

    /** The counter does not count the next {@code nanos} (a pause): the offset grows by as many ticks. */
    void skip(long nanos) {
        offset += nanos / NANOS_PER_TICK;
    }

    long count() {
        return System.nanoTime() / NANOS_PER_TICK - offset;
    }

    private boolean conditionMet(int timer, long now) {
        return now - cval[timer] >= 0;
    }

    int readCtl(int timer) {
        int value = ctl[timer] & (CTL_ENABLE | CTL_IMASK);
        return (value & CTL_ENABLE) != 0 && conditionMet(timer, count()) ? value | CTL_ISTATUS : value;
    }

    void writeCtl(int timer, long value) {
        ctl[timer] = (int) value & (CTL_ENABLE | CTL_IMASK);
        update();
    }

    long readCval(int timer) {
        return cval[timer];
    }

    void writeCval(int timer, long value) {
        cval[timer] = value;
        update();
    }

    /** TVAL reads as the signed 32-bit distance to CVAL. */
    long readTval(int timer) {
        return (int) (cval[timer] - count()) & 0xFFFFFFFFL;
    }

    void writeTval(int timer, long value) {
        cval[timer] = count() + (int) value;
        update();
    }

    /**
     * Drives each output to enabled &amp;&amp; !masked &amp;&amp; condition met (only on a change) and returns
     * the host time at which an output will next rise, or {@link Long#MAX_VALUE} when none will.
     */
    long update() {
        long now = count();
        long deadline = Long.MAX_VALUE;
        for (int t = 0; t < 2; t++) {
            boolean armed = (ctl[t] & (CTL_ENABLE | CTL_IMASK)) == CTL_ENABLE;
            boolean met = conditionMet(t, now);
            boolean level = armed && met;
            if (level != driven[t]) {
                driven[t] = level;
                outputs[t].set(level);
            }
            if (armed && !met) {
                long ticks = cval[t] - now;
                long at = System.nanoTime() + Math.min(ticks, Long.MAX_VALUE / (2 * NANOS_PER_TICK)) * NANOS_PER_TICK;
                deadline = Math.min(deadline, at);
            }
        }
        return deadline;
    }
}
