package io.jqvm.devices.x86;

import io.jqvm.device.GuestAccessLog;
import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;
import io.jqvm.device.DeviceClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An IA-PC HPET (High Precision Event Timers, specification 1.0a) timer block, qvm's hpet vdev, over its
 * 1 KiB MMIO window:
 * <pre>
 *   0x000  general capabilities and ID   read-only
 *   0x010  general configuration          ENABLE_CNF (bit 0), LEG_RT_CNF (bit 1)
 *   0x020  general interrupt status       one bit per level-triggered timer, write 1 to clear
 *   0x0f0  main counter                   64 bits, writable while halted
 *   0x100 + 0x20 * n                      timer n: configuration and capabilities, comparator (+0x08),
 *                                         FSB interrupt route (+0x10, reads 0: no FSB delivery)
 * </pre>
 * Any access size works on any register, so the 32-bit halves that Linux and QNX use behave like 64-bit
 * accesses.
 *
 * <p>The main counter is computed from a monotonic clock, never ticked: it counts at the rate its reported
 * period gives, so guest time derived from the period is exact. Timer 0 is 64 bits wide and can be
 * periodic; the others are 32-bit one-shot timers, as on Intel chipsets. A comparator matches when the
 * counter advances to its value (in the timer's width): a 32-bit timer matches again every 2^32 ticks, a
 * 64-bit comparator at or behind the counter does not match. A periodic timer adds the last value written to
 * its comparator after each match; with VAL_SET_CNF the write also sets the comparator itself.
 *
 * <p>Each timer drives the line its INT_ROUTE_CNF selects among the VM's wired IOAPIC inputs, or with
 * LEG_RT_CNF timer 0 drives the legacy IRQ 0 line and timer 1 the legacy IRQ 8 line. An edge-triggered timer
 * pulses its line; a level-triggered one sets its status bit and holds its line while the bit is set, its
 * interrupt is enabled and the counter runs. Matches are found by scheduled wake-ups (cancelled logically by
 * a generation count) and at every register access, so a late host finds them all: a late match fires once,
 * and a periodic timer's comparator then skips the periods missed rather than firing a burst.
 */
public final class Hpet implements BusDevice {
    public static final int WINDOW_SIZE = 0x400;
    public static final long DEFAULT_FREQUENCY = 14_318_180;
    public static final int DEFAULT_TIMERS = 3;
    /** The specification's minimum per timer block. */
    public static final int MIN_TIMERS = 3;
    /**
     * NUM_TIM_CAP could announce 32, but the 1 KiB window ends after timer 23's registers: more timers
     * could never be programmed.
     */
    public static final int MAX_TIMERS = (WINDOW_SIZE - 0x100) / 0x20;
    /** The specification's slowest counter: a period of 100 ns. */
    public static final long MAX_PERIOD_FEMTOS = 100_000_000L;
    /** The IOAPIC inputs a timer's 5-bit INT_ROUTE_CNF can select. */
    public static final int MAX_ROUTES = 32;

    /**
     * The device's state, enough to rebuild it against another clock. The counter is kept as a value: guest
     * time stands still from saving to restoring.
     *
     * @param status      the general interrupt status
     * @param timerConfig each timer's configuration bits; capability bits are ignored
     */
    public record State(boolean enabled, boolean legacyReplacement, long counter, int status, long[] timerConfig,
                        long[] comparator, long[] period) {
        public State {
            if (comparator.length != timerConfig.length || period.length != timerConfig.length) {
                throw new IllegalArgumentException("HPET state for " + timerConfig.length + " timers has "
                        + comparator.length + " comparators and " + period.length + " periods");
            }
            timerConfig = timerConfig.clone();
            comparator = comparator.clone();
            period = period.clone();
        }
    }

    static final int CAPABILITIES = 0x000;
    static final int CONFIGURATION = 0x010;
    static final int INTERRUPT_STATUS = 0x020;
    static final int MAIN_COUNTER = 0x0f0;
    static final int TIMER_BASE = 0x100;
    static final int TIMER_STRIDE = 0x20;
    static final int TIMER_CONFIG = 0x00;
    static final int TIMER_COMPARATOR = 0x08;
    static final int TIMER_FSB_ROUTE = 0x10;

    static final long ENABLE_CNF = 1;
    static final long LEG_RT_CNF = 1 << 1;
    static final long REV_ID = 1;
    static final long COUNT_SIZE_CAP = 1 << 13;
    static final long LEG_RT_CAP = 1 << 15;

    static final long INT_TYPE_CNF = 1 << 1;
    static final long INT_ENB_CNF = 1 << 2;
    static final long TYPE_CNF = 1 << 3;
    static final long PER_INT_CAP = 1 << 4;
    static final long SIZE_CAP = 1 << 5;
    static final long VAL_SET_CNF = 1 << 6;
    static final long MODE32_CNF = 1 << 8;
    static final int INT_ROUTE_SHIFT = 9;
    static final long INT_ROUTE_CNF = 0x1fL << INT_ROUTE_SHIFT;
    static final int INT_ROUTE_CAP_SHIFT = 32;

    /**
     * A periodic timer wakes the host at most this often: it fires forever without a guest access, so a tiny
     * period must not flood the timer thread. Periods shorter than this lose interrupts, not time.
     */
    static final long MIN_PERIODIC_WAKE_NANOS = 50_000;
    private static final long FEMTOS_PER_NANO = 1_000_000;
    private static final long FEMTOS_PER_SECOND = 1_000_000_000_000_000L;
    private static final long LOW_32 = 0xffff_ffffL;
    private static final long NEVER = -1;

    private final int timers;
    private final long periodFemtos;
    private final long capabilities;
    private final IrqLine[] routes;
    private final long routeCapability;
    private final IrqLine legacyIrq0;
    private final IrqLine legacyIrq8;
    private final DeviceClock clock;
    private final GuestAccessLog log = new GuestAccessLog("hpet");

    private boolean enabled;
    private boolean legacyReplacement;
    /** The counter's value when halted, or when it was last enabled. */
    private long counterBase;
    private long enabledAtNanos;
    private int status;
    private final long[] config;
    private final long[] comparator;
    private final long[] period;
    private final int[] generation;
    private final boolean[] armed;
    /** The next match of an armed timer, in ticks since the counter was enabled. */
    private final long[] matchTick;
    private List<IrqLine> linesHeld = List.of();

    /**
     * @param timers     comparators in the block, {@value #MIN_TIMERS} to {@link #MAX_TIMERS}
     * @param frequency  main counter rate in Hz; its period, rounded to femtoseconds, must be at most 100 ns
     * @param vendorId   the PCI vendor ID reported in the capabilities (QEMU reports Intel's, 0x8086)
     * @param routes     the IOAPIC inputs the timers may drive, indexed by input number, null where the VM
     *                   wired nothing; at most {@value #MAX_ROUTES}
     * @param legacyIrq0 timer 0's line in legacy replacement mode (where the PIT's IRQ 0 goes)
     * @param legacyIrq8 timer 1's line in legacy replacement mode (where the RTC's IRQ 8 goes)
     * @param clock      monotonic nanoseconds, and the wake-ups when a comparator is due
     */
    public Hpet(int timers, long frequency, int vendorId, IrqLine[] routes, IrqLine legacyIrq0, IrqLine legacyIrq8,
                DeviceClock clock) {
        if (timers < MIN_TIMERS || timers > MAX_TIMERS) {
            throw new IllegalArgumentException("an HPET has " + MIN_TIMERS + " to " + MAX_TIMERS + " timers, not "
                    + timers);
        }
        if (frequency <= 0) {
            throw new IllegalArgumentException("HPET frequency must be positive, not " + frequency);
        }
        long femtos = (FEMTOS_PER_SECOND + frequency / 2) / frequency;
        if (femtos == 0 || femtos > MAX_PERIOD_FEMTOS) {
            throw new IllegalArgumentException("HPET frequency " + frequency + " Hz gives a period of " + femtos
                    + " fs; the specification needs 1 to " + MAX_PERIOD_FEMTOS + " fs (at least 10 MHz)");
        }
        if (vendorId < 0 || vendorId > 0xffff) {
            throw new IllegalArgumentException("HPET vendor ID " + Hex.of(vendorId) + " does not fit 16 bits");
        }
        if (routes.length > MAX_ROUTES) {
            throw new IllegalArgumentException("an HPET timer can route to " + MAX_ROUTES + " IOAPIC inputs, not "
                    + routes.length);
        }
        this.timers = timers;
        this.periodFemtos = femtos;
        this.capabilities = femtos << 32 | (long) vendorId << 16 | LEG_RT_CAP | COUNT_SIZE_CAP
                | (long) (timers - 1) << 8 | REV_ID;
        this.routes = routes.clone();
        long capability = 0;
        for (int i = 0; i < routes.length; i++) {
            if (routes[i] != null) {
                capability |= 1L << i;
            }
        }
        this.routeCapability = capability;
        this.legacyIrq0 = Objects.requireNonNull(legacyIrq0, "legacyIrq0 (IrqLine.NONE when not wired)");
        this.legacyIrq8 = Objects.requireNonNull(legacyIrq8, "legacyIrq8 (IrqLine.NONE when not wired)");
        this.clock = clock;
        this.config = new long[timers];
        this.comparator = new long[timers];
        this.period = new long[timers];
        this.generation = new int[timers];
        this.armed = new boolean[timers];
        this.matchTick = new long[timers];
        for (int t = 0; t < timers; t++) {
            comparator[t] = widthMask(t);
        }
    }

    /**
     * Restores a device saved with {@link #state()}, with as many timers as it had; its timers start with
     * {@link #resume()}.
     */
    public Hpet(long frequency, int vendorId, IrqLine[] routes, IrqLine legacyIrq0, IrqLine legacyIrq8,
                DeviceClock clock, State s) {
        this(s.timerConfig().length, frequency, vendorId, routes, legacyIrq0, legacyIrq8, clock);
        for (int t = 0; t < timers; t++) {
            config[t] = s.timerConfig()[t] & writableConfig(t);
            comparator[t] = s.comparator()[t] & widthMask(t);
            period[t] = s.period()[t] & widthMask(t);
            if (levelTriggered(t)) {
                status |= s.status() & 1 << t;
            }
        }
        legacyReplacement = s.legacyReplacement();
        counterBase = s.counter();
        enabled = s.enabled();
        enabledAtNanos = clock.nanoTime();
    }

    /** Starts the timers of a restored device and raises the level interrupts it had pending. */
    public synchronized void resume() {
        for (int t = 0; t < timers; t++) {
            arm(t);
        }
        updateLines();
    }

    public synchronized State state() {
        if (catchUp()) {
            updateLines();
        }
        return new State(enabled, legacyReplacement, counter(), status, config, comparator, period);
    }

    @Override
    public synchronized long read(int vcpu, long offset, int size) {
        if (catchUp()) {
            updateLines();
        }
        long value = 0;
        for (int done = 0; done < size; ) {
            long at = offset + done;
            int first = (int) (at & 7);
            int count = Math.min(size - done, 8 - first);
            value |= (readRegister(at & ~7L) >>> (8 * first) & byteMask(count)) << (8 * done);
            done += count;
        }
        return value;
    }

    @Override
    public synchronized void write(int vcpu, long offset, int size, long value) {
        catchUp();
        for (int done = 0; done < size; ) {
            long at = offset + done;
            int first = (int) (at & 7);
            int count = Math.min(size - done, 8 - first);
            long mask = byteMask(count) << (8 * first);
            writeRegister(at & ~7L, mask, value >>> (8 * done) << (8 * first) & mask);
            done += count;
        }
        updateLines();
    }

    private static long byteMask(int bytes) {
        return bytes == 8 ? -1L : (1L << (8 * bytes)) - 1;
    }

    private long readRegister(long register) {
        if (register == CAPABILITIES) {
            return capabilities;
        }
        if (register == CONFIGURATION) {
            return (enabled ? ENABLE_CNF : 0) | (legacyReplacement ? LEG_RT_CNF : 0);
        }
        if (register == INTERRUPT_STATUS) {
            return status & 0xffff_ffffL;
        }
        if (register == MAIN_COUNTER) {
            return counter();
        }
        int t = timerOf(register);
        if (t < 0) {
            return 0; // reserved
        }
        return switch ((int) (register - timerBase(t))) {
            case TIMER_CONFIG -> config[t] | (periodicCapable(t) ? PER_INT_CAP : 0) | (t == 0 ? SIZE_CAP : 0)
                    | routeCapability << INT_ROUTE_CAP_SHIFT;
            case TIMER_COMPARATOR -> comparator[t];
            default -> 0; // FSB route and reserved
        };
    }

    private void writeRegister(long register, long mask, long bits) {
        int t = timerOf(register);
        if (register == CONFIGURATION) {
            long old = readRegister(CONFIGURATION);
            writeConfiguration(old & ~mask | bits & mask);
        } else if (register == INTERRUPT_STATUS) {
            status &= (int) ~bits; // write 1 to clear
        } else if (register == MAIN_COUNTER) {
            if (enabled) {
                log.report("main counter write of " + written(register, mask, bits) + " ignored: the counter runs");
            } else {
                counterBase = counterBase & ~mask | bits;
            }
        } else if (t >= 0 && register == timerBase(t) + TIMER_CONFIG) {
            writeTimerConfig(t, mask, bits);
        } else if (t >= 0 && register == timerBase(t) + TIMER_COMPARATOR) {
            writeComparator(t, mask, bits);
        } else if (t >= 0 && register == timerBase(t) + TIMER_FSB_ROUTE) {
            log.report("timer " + t + " FSB route write of " + written(register, mask, bits)
                    + " ignored: FSB interrupt delivery is not implemented");
        } else {
            log.report("write of " + written(register, mask, bits) + " ignored: read-only or reserved");
        }
    }

    /** The guest's value and offset for the bytes of one register it wrote. */
    private static String written(long register, long mask, long bits) {
        int shift = Long.numberOfTrailingZeros(mask);
        return Hex.of(bits >>> shift) + " at offset " + Hex.of(register + shift / 8);
    }

    private void writeConfiguration(long value) {
        legacyReplacement = (value & LEG_RT_CNF) != 0;
        boolean enable = (value & ENABLE_CNF) != 0;
        if (enable == enabled) {
            return;
        }
        if (enable) {
            enabledAtNanos = clock.nanoTime();
            enabled = true;
            for (int t = 0; t < timers; t++) {
                arm(t);
            }
        } else {
            counterBase = counter();
            enabled = false;
            for (int t = 0; t < timers; t++) {
                disarm(t);
            }
        }
    }

    private void writeTimerConfig(int t, long mask, long bits) {
        long old = config[t];
        long value = (old & ~mask | bits & mask) & writableConfig(t);
        int route = route(value);
        if (route != route(old) && (routeCapability & 1L << route) == 0) {
            log.report("timer " + t + " route to IOAPIC input " + route + " ignored: only inputs "
                    + Hex.of(routeCapability) + " (INT_ROUTE_CAP) are wired");
            value = value & ~INT_ROUTE_CNF | old & INT_ROUTE_CNF;
        }
        if ((value & INT_TYPE_CNF) == 0) {
            status &= ~(1 << t); // the status bit only means something for a level-triggered timer
        }
        config[t] = value;
        if ((value & MODE32_CNF) != 0 && (old & MODE32_CNF) == 0) {
            comparator[t] &= LOW_32;
            period[t] &= LOW_32;
        }
        arm(t);
    }

    private void writeComparator(int t, long mask, long bits) {
        long width = widthMask(t);
        if ((mask & width) == 0) {
            return; // the upper half of a 32-bit comparator does not exist
        }
        // The period is the last value written; the comparator itself only when not periodic or VAL_SET.
        period[t] = (period[t] & ~mask | bits) & width;
        if (!periodic(t) || (config[t] & VAL_SET_CNF) != 0) {
            comparator[t] = (comparator[t] & ~mask | bits) & width;
        }
        config[t] &= ~VAL_SET_CNF;
        arm(t);
    }

    private static long writableConfig(int t) {
        return INT_TYPE_CNF | INT_ENB_CNF | INT_ROUTE_CNF | (periodicCapable(t) ? TYPE_CNF | VAL_SET_CNF : 0)
                | (t == 0 ? MODE32_CNF : 0);
    }

    private int timerOf(long register) {
        if (register < TIMER_BASE) {
            return -1;
        }
        long t = (register - TIMER_BASE) / TIMER_STRIDE;
        return t < timers ? (int) t : -1;
    }

    private static long timerBase(int t) {
        return TIMER_BASE + (long) TIMER_STRIDE * t;
    }

    private static boolean periodicCapable(int t) {
        return t == 0;
    }

    private boolean periodic(int t) {
        return (config[t] & TYPE_CNF) != 0;
    }

    private boolean levelTriggered(int t) {
        return (config[t] & INT_TYPE_CNF) != 0;
    }

    private boolean interruptEnabled(int t) {
        return (config[t] & INT_ENB_CNF) != 0;
    }

    private static int route(long timerConfig) {
        return (int) ((timerConfig & INT_ROUTE_CNF) >>> INT_ROUTE_SHIFT);
    }

    /** The comparator's width: timer 0 is 64 bits unless forced to 32, the others are 32. */
    private long widthMask(int t) {
        return t == 0 && (config[t] & MODE32_CNF) == 0 ? -1L : LOW_32;
    }

    private long nanosSinceEnabled() {
        return clock.nanoTime() - enabledAtNanos;
    }

    private long counter() {
        return enabled ? counterBase + ticksIn(nanosSinceEnabled()) : counterBase;
    }

    /** Whole counter ticks in an interval, split so that no product overflows. */
    private long ticksIn(long nanos) {
        return nanos / periodFemtos * FEMTOS_PER_NANO + nanos % periodFemtos * FEMTOS_PER_NANO / periodFemtos;
    }

    /** The first nanosecond since enabling at which the counter has advanced by {@code ticks}; NEVER if far. */
    private long nanosUntilTick(long ticks) {
        if (ticks < 0) {
            return NEVER;
        }
        long whole = ticks / FEMTOS_PER_NANO;
        long rest = ticks % FEMTOS_PER_NANO;
        if (whole > (Long.MAX_VALUE - periodFemtos) / periodFemtos) {
            return NEVER;
        }
        return whole * periodFemtos + (rest * periodFemtos + FEMTOS_PER_NANO - 1) / FEMTOS_PER_NANO;
    }

    /** Plans timer {@code t}'s next match from the counter's current value, dropping any earlier plan. */
    private void arm(int t) {
        disarm(t);
        // A one-shot edge-triggered timer with its interrupt disabled changes nothing when it matches.
        boolean observable = levelTriggered(t) || interruptEnabled(t) || periodic(t);
        if (!enabled || !observable) {
            return;
        }
        long elapsed = ticksIn(nanosSinceEnabled());
        long width = widthMask(t);
        long distance = width == -1L
                ? comparator[t] - (counterBase + elapsed)
                : ((comparator[t] - (counterBase + elapsed) - 1) & width) + 1;
        long match = elapsed + distance;
        if (distance <= 0 || match < elapsed) {
            return; // a 64-bit comparator behind the counter, or beyond any lifetime
        }
        armed[t] = true;
        matchTick[t] = match;
        schedule(t);
    }

    private void disarm(int t) {
        generation[t]++;
        armed[t] = false;
    }

    private void schedule(int t) {
        long due = nanosUntilTick(matchTick[t]);
        if (due == NEVER) {
            return;
        }
        long delay = Math.max(due - nanosSinceEnabled(), 0);
        if (periodic(t)) {
            delay = Math.max(delay, MIN_PERIODIC_WAKE_NANOS);
        }
        int planned = generation[t];
        clock.schedule(delay, () -> wake(t, planned));
    }

    /** A scheduled wake-up; one planned before the timer was reprogrammed does nothing. */
    synchronized void wake(int t, int planned) {
        if (planned != generation[t]) {
            return;
        }
        if (catchUp()) {
            updateLines();
        }
        if (planned == generation[t] && armed[t]) {
            schedule(t); // woken before the counter got there
        }
    }

    /** Fires every armed timer whose match has passed; true if any fired. */
    private boolean catchUp() {
        if (!enabled) {
            return false;
        }
        long elapsed = ticksIn(nanosSinceEnabled());
        boolean fired = false;
        for (int t = 0; t < timers; t++) {
            if (armed[t] && elapsed - matchTick[t] >= 0) {
                fire(t, elapsed - matchTick[t]);
                fired = true;
            }
        }
        return fired;
    }

    private void fire(int t, long ticksLate) {
        if (levelTriggered(t)) {
            status |= 1 << t;
        } else if (interruptEnabled(t)) {
            IrqLine line = output(t);
            if (line != null && !held(linesHeld, line)) { // a held line would show no edge
                line.pulse();
            }
        }
        long step = period[t];
        if (periodic(t) && step != 0) {
            long periods = Long.divideUnsigned(ticksLate, step) + 1;
            comparator[t] = comparator[t] + periods * step & widthMask(t);
        }
        arm(t);
    }

    private IrqLine output(int t) {
        if (legacyReplacement && t == 0) {
            return legacyIrq0;
        }
        if (legacyReplacement && t == 1) {
            return legacyIrq8;
        }
        int route = route(config[t]);
        return route < routes.length ? routes[route] : null;
    }

    /** Holds high exactly the lines of level-triggered timers whose status is set and interrupt enabled. */
    private void updateLines() {
        List<IrqLine> wanted = new ArrayList<>();
        for (int t = 0; t < timers && enabled; t++) {
            IrqLine line = output(t);
            if ((status & 1 << t) != 0 && levelTriggered(t) && interruptEnabled(t) && line != null
                    && !held(wanted, line)) {
                wanted.add(line);
            }
        }
        for (IrqLine line : linesHeld) {
            if (!held(wanted, line)) {
                line.set(false);
            }
        }
        for (IrqLine line : wanted) {
            if (!held(linesHeld, line)) {
                line.set(true);
            }
        }
        linesHeld = wanted;
    }

    private static boolean held(List<IrqLine> lines, IrqLine line) {
        for (IrqLine l : lines) {
            if (l == line) {
                return true;
            }
        }
        return false;
    }
}
