package io.jqvm.devices.x86;

import io.jqvm.device.GuestAccessLog;
import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;
import io.jqvm.device.DeviceClock;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The PC's MC146818 real-time clock and CMOS memory (qvm's mc146818 vdev): index port (window offset 0,
 * normally io:0x70, bit 7 masks NMI) and data port (offset 1, io:0x71).
 *
 * <p>The clock is the host's UTC clock plus an offset: a guest that sets the time moves the offset, not
 * the host. Time registers follow register B (BCD or binary, 12 or 24 hours); register 0x32 holds the
 * century, as the FADT's CENTURY field says. With B.SET the clock reads frozen and time writes collect
 * until SET is cleared, then apply together (an impossible date is logged and dropped). Day of week
 * (register 6) is derived from the date and writes to it are ignored.
 *
 * <p>Register A's UIP bit is set only in the last 244 µs before a second boundary, so it can never stick.
 * Register C's flags (periodic, alarm, update-ended) are brought up to date at every access and at
 * scheduled wake-ups while the matching interrupt is enabled; reading C clears them and the interrupt.
 * Register D always reports valid RAM and time.
 *
 * <p>CMOS bytes 0x0E-0x7F are plain storage, filled at construction with the memory sizes QEMU's firmware
 * reads: 0x15-0x16 base memory in KiB (640), 0x17-0x18 and 0x30-0x31 extended memory above 1 MiB in KiB
 * (at most 65535), 0x34-0x35 memory between 16 MiB and 4 GiB in 64 KiB units, 0x5B-0x5D memory above
 * 4 GiB in 64 KiB units.
 */
public final class Mc146818 implements BusDevice {
    public static final int WINDOW_SIZE = 2;

    /**
     * The device's state, enough to rebuild it against another host clock.
     *
     * @param guestOffsetNanos guest time minus host time
     * @param cmos             all 128 bytes; clock and status positions are ignored
     */
    public record State(long guestOffsetNanos, int index, boolean nmiMasked, int regA, int regB, int flags,
                        byte[] cmos) {
        public State {
            if (cmos.length != 128) {
                throw new IllegalArgumentException("the CMOS holds 128 bytes, not " + cmos.length);
            }
            cmos = cmos.clone();
        }
    }

    static final int SECONDS = 0x00;
    static final int SECONDS_ALARM = 0x01;
    static final int MINUTES = 0x02;
    static final int MINUTES_ALARM = 0x03;
    static final int HOURS = 0x04;
    static final int HOURS_ALARM = 0x05;
    static final int DAY_OF_WEEK = 0x06;
    static final int DAY_OF_MONTH = 0x07;
    static final int MONTH = 0x08;
    static final int YEAR = 0x09;
    static final int REG_A = 0x0a;
    static final int REG_B = 0x0b;
    static final int REG_C = 0x0c;
    static final int REG_D = 0x0d;
    static final int CENTURY = 0x32;

    static final int A_UIP = 0x80;
    static final int A_DIVIDER_MASK = 0x70;
    static final int A_DIVIDER_NORMAL = 0x20;
    static final int B_SET = 0x80;
    static final int B_PIE = 0x40;
    static final int B_AIE = 0x20;
    static final int B_UIE = 0x10;
    static final int B_BINARY = 0x04;
    static final int B_24_HOUR = 0x02;
    static final int C_IRQF = 0x80;
    static final int C_PF = 0x40;
    static final int C_AF = 0x20;
    static final int C_UF = 0x10;
    static final int D_VRT = 0x80;
    static final int PM_BIT = 0x80;
    private static final int F_SECOND = 0;
    private static final int F_MINUTE = 1;
    private static final int F_HOUR = 2;
    private static final int F_DAY = 3;
    private static final int F_MONTH = 4;
    private static final int F_YEAR = 5;
    private static final int ALARM_DONT_CARE = 0xc0;
    private static final long NANOS = 1_000_000_000L;
    private static final long UIP_WINDOW_NANOS = 244_000;
    /** Alarm matching looks back at most a day of missed seconds: every alarm pattern recurs within one. */
    private static final long ALARM_LOOKBACK_SECONDS = 86_400;
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long FOUR_GIB = 4096 * MIB;

    private final IrqLine irq;
    private final DeviceClock clock;
    private final GuestAccessLog log = new GuestAccessLog("mc146818");
    private final int[] cmos = new int[128];
    private long offsetNanos;
    private int index;
    private boolean nmiMasked;
    private int regA = A_DIVIDER_NORMAL | 0x06; // 32.768 kHz time base, 1024 Hz periodic rate
    private int regB = B_24_HOUR;
    private int flags;
    private long lastEvaluated;
    private long wakeAt = Long.MAX_VALUE;
    /** Time fields collected while SET is on (indices F_*, hours in 24 h, full year); null otherwise. */
    private int[] pending;
    private boolean irqAsserted;

    /**
     * @param irq          ISA IRQ 8
     * @param clock        the host's wall clock (UTC), and the wake-ups for periodic, alarm and update interrupts
     * @param ramBelow4GiB bytes of RAM from address 0 up to its top below 4 GiB (holes included)
     * @param ramAbove4GiB bytes of RAM above 4 GiB
     */
    public Mc146818(IrqLine irq, DeviceClock clock, long ramBelow4GiB, long ramAbove4GiB) {
        this.irq = irq;
        this.clock = clock;
        this.lastEvaluated = guestNanos();
        long extendedKib = Math.clamp(ramBelow4GiB / KIB - 1024, 0, 65535);
        long above16MiB = Math.clamp((ramBelow4GiB - 16 * MIB) / (64 * KIB), 0, 65535);
        long above4GiB = Math.max(ramAbove4GiB, 0) / (64 * KIB);
        storeWord(0x15, 640);
        storeWord(0x17, extendedKib);
        storeWord(0x30, extendedKib);
        storeWord(0x34, above16MiB);
        cmos[0x5b] = (int) (above4GiB & 0xff);
        cmos[0x5c] = (int) (above4GiB >> 8 & 0xff);
        cmos[0x5d] = (int) (above4GiB >> 16 & 0xff);
    }

    /** Restores a device saved with {@link #state()}; SET, if it was on, restarts with the running clock. */
    public Mc146818(IrqLine irq, DeviceClock clock, State s) {
        this(irq, clock, 0, 0);
        for (int i = 0; i < cmos.length; i++) {
            cmos[i] = s.cmos()[i] & 0xff;
        }
        offsetNanos = s.guestOffsetNanos();
        index = s.index() & 0x7f;
        nmiMasked = s.nmiMasked();
        regA = s.regA() & ~A_UIP & 0xff;
        regB = s.regB() & 0xff;
        flags = s.flags() & (C_PF | C_AF | C_UF);
        if ((regB & B_SET) != 0) {
            pending = fieldsOf(guestTime());
        }
        lastEvaluated = guestNanos();
    }

    /** Starts the interrupt timer of a restored device whose interrupts were enabled. */
    public synchronized void resume() {
        updateIrq();
        scheduleWake();
    }

    public synchronized State state() {
        byte[] bytes = new byte[cmos.length];
        for (int i = 0; i < cmos.length; i++) {
            bytes[i] = (byte) cmos[i];
        }
        return new State(offsetNanos, index, nmiMasked, regA, regB, flags, bytes);
    }

    private void storeWord(int at, long value) {
        cmos[at] = (int) (value & 0xff);
        cmos[at + 1] = (int) (value >> 8 & 0xff);
    }

    /**
     * A configuration's {@code reg index,value}: sets register A, B or a CMOS byte before the guest runs.
     * Clock, status and century registers are refused.
     */
    public synchronized void preset(int register, int value) {
        if (register == REG_A || register == REG_B || register >= 0x0e && register < 0x80 && register != CENTURY) {
            writeRegister(register, value & 0xff);
            scheduleWake(); // a preset may enable interrupts
            return;
        }
        throw new IllegalArgumentException("mc146818 register " + Hex.of(register)
                + " cannot be preset: only A (0x0a), B (0x0b) and CMOS bytes 0x0e-0x7f except 0x32 can");
    }

    /** True while the guest has set bit 7 of the index port. */
    public synchronized boolean nmiMasked() {
        return nmiMasked;
    }

    @Override
    public synchronized long read(int vcpu, long offset, int size) {
        if (offset != 1) {
            return 0xff; // the index port is write-only
        }
        evaluate();
        int value = readRegister(index);
        updateIrq();
        scheduleWake();
        return value;
    }

    @Override
    public synchronized void write(int vcpu, long offset, int size, long value) {
        int v = (int) value & 0xff;
        if (offset == 0) {
            index = v & 0x7f;
            nmiMasked = (v & 0x80) != 0;
            return;
        }
        if (offset != 1) {
            log.report("write at offset " + Hex.of(offset) + " beyond the index and data ports ignored");
            return;
        }
        evaluate();
        writeRegister(index, v);
        updateIrq();
        scheduleWake();
    }

    private int readRegister(int r) {
        return switch (r) {
            case SECONDS -> encode(field(F_SECOND));
            case MINUTES -> encode(field(F_MINUTE));
            case HOURS -> encodeHour(field(F_HOUR));
            case DAY_OF_WEEK -> dayOfWeek();
            case DAY_OF_MONTH -> encode(field(F_DAY));
            case MONTH -> encode(field(F_MONTH));
            case YEAR -> encode(field(F_YEAR) % 100);
            case CENTURY -> encode(field(F_YEAR) / 100);
            case REG_A -> regA | (updateInProgress() ? A_UIP : 0);
            case REG_B -> regB;
            case REG_C -> readAndClearFlags();
            case REG_D -> D_VRT;
            default -> cmos[r];
        };
    }

    private void writeRegister(int r, int v) {
        switch (r) {
            case SECONDS, MINUTES, HOURS, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> writeTime(r, v);
            case DAY_OF_WEEK -> { } // derived from the date
            case REG_A -> regA = v & ~A_UIP;
            case REG_B -> writeB(v);
            case REG_C, REG_D -> log.report("write of " + Hex.of(v) + " to read-only register "
                    + (r == REG_C ? "C" : "D") + " ignored");
            default -> cmos[r] = v;
        }
    }

    private void writeB(int v) {
        boolean wasSet = (regB & B_SET) != 0;
        boolean set = (v & B_SET) != 0;
        regB = set ? v & ~B_UIE : v; // setting SET clears UIE
        if (set && !wasSet) {
            pending = fieldsOf(guestTime());
        } else if (!set && wasSet) {
            int[] fields = pending;
            pending = null;
            apply(fields, "the time set while SET was on");
            lastEvaluated = guestNanos();
        }
    }

    private void writeTime(int r, int raw) {
        int value = r == HOURS ? decodeHour(raw) : decode(raw);
        int[] fields = pending != null ? pending : fieldsOf(guestTime());
        switch (r) {
            case SECONDS -> fields[F_SECOND] = value;
            case MINUTES -> fields[F_MINUTE] = value;
            case HOURS -> fields[F_HOUR] = value;
            case DAY_OF_MONTH -> fields[F_DAY] = value;
            case MONTH -> fields[F_MONTH] = value;
            case YEAR -> fields[F_YEAR] = value < 0 || value > 99 ? -1 : fields[F_YEAR] / 100 * 100 + value;
            default -> fields[F_YEAR] = value < 0 || value > 99 ? -1 : value * 100 + fields[F_YEAR] % 100;
        }
        // While SET is on the guest may pass through impossible dates; they are checked when SET clears.
        if (pending == null) {
            apply(fields, "register " + Hex.of(r) + " = " + Hex.of(raw));
            lastEvaluated = guestNanos();
        }
    }

    private void apply(int[] f, String what) {
        for (int v : f) {
            if (v < 0) {
                log.report(what + " holds an invalid BCD or hour value; ignored");
                return;
            }
        }
        try {
            setGuestTime(LocalDateTime.of(f[F_YEAR], f[F_MONTH], f[F_DAY], f[F_HOUR], f[F_MINUTE], f[F_SECOND]));
        } catch (DateTimeException e) {
            log.report(what + " gives an impossible time (" + e.getMessage() + "); ignored");
        }
    }

    private static int[] fieldsOf(LocalDateTime t) {
        return new int[] {t.getSecond(), t.getMinute(), t.getHour(), t.getDayOfMonth(), t.getMonthValue(), t.getYear()};
    }

    private int field(int f) {
        int v = pending != null ? pending[f] : fieldsOf(guestTime())[f];
        return Math.max(v, 0); // a rejected BCD digit reads back as 0 until SET clears
    }

    private int dayOfWeek() {
        LocalDateTime t = guestTime();
        if (pending != null) {
            try {
                t = LocalDateTime.of(pending[F_YEAR], pending[F_MONTH], pending[F_DAY], 0, 0);
            } catch (DateTimeException e) {
                // an impossible pending date: report the running clock's day
            }
        }
        return t.getDayOfWeek().getValue() % 7 + 1; // Sunday = 1
    }

    private long guestNanos() {
        return clock.epochNanos() + offsetNanos;
    }

    private LocalDateTime guestTime() {
        long n = guestNanos();
        return LocalDateTime.ofEpochSecond(Math.floorDiv(n, NANOS), (int) Math.floorMod(n, NANOS), ZoneOffset.UTC);
    }

    private void setGuestTime(LocalDateTime t) {
        long target = t.toEpochSecond(ZoneOffset.UTC) * NANOS;
        // Keep the sub-second phase, so setting the time does not shift the update cycle.
        long hostNanos = clock.epochNanos();
        offsetNanos = target + Math.floorMod(hostNanos + offsetNanos, NANOS) - hostNanos;
        wakeAt = Long.MAX_VALUE;
    }

    private boolean binary() {
        return (regB & B_BINARY) != 0;
    }

    private int encode(int v) {
        return binary() ? v : (v / 10) << 4 | v % 10;
    }

    /** Decodes a BCD or binary value; an invalid BCD digit yields -1, which every field refuses. */
    private int decode(int raw) {
        if (binary()) {
            return raw;
        }
        int hi = raw >> 4;
        int lo = raw & 0xf;
        return hi > 9 || lo > 9 ? -1 : hi * 10 + lo;
    }

    private int encodeHour(int hour24) {
        if ((regB & B_24_HOUR) != 0) {
            return encode(hour24);
        }
        int h12 = hour24 % 12 == 0 ? 12 : hour24 % 12;
        return encode(h12) | (hour24 >= 12 ? PM_BIT : 0);
    }

    private int decodeHour(int raw) {
        if ((regB & B_24_HOUR) != 0) {
            return decode(raw);
        }
        int h12 = decode(raw & ~PM_BIT);
        if (h12 < 1 || h12 > 12) {
            return -1;
        }
        return h12 % 12 + ((raw & PM_BIT) != 0 ? 12 : 0);
    }

    private boolean clockRunning() {
        return (regB & B_SET) == 0 && (regA & A_DIVIDER_MASK) == A_DIVIDER_NORMAL;
    }

    private boolean updateInProgress() {
        return clockRunning() && Math.floorMod(guestNanos(), NANOS) >= NANOS - UIP_WINDOW_NANOS;
    }

    /** Period of the periodic interrupt for register A's rate bits, or 0 when off (datasheet table 3). */
    static long periodNanos(int rate) {
        if (rate == 0) {
            return 0;
        }
        int shift = rate <= 2 ? rate + 7 : rate; // rates 1 and 2 repeat rates 8 and 9 with a 32.768 kHz base
        return NANOS * (1L << (shift - 1)) / 32768;
    }

    /** Sets the flags of every event between the last evaluation and now. */
    private void evaluate() {
        long now = guestNanos();
        long last = lastEvaluated;
        lastEvaluated = now;
        if (!clockRunning() || now <= last) {
            return;
        }
        long period = periodNanos(regA & 0x0f);
        if (period != 0 && Math.floorDiv(now, period) > Math.floorDiv(last, period)) {
            flags |= C_PF;
        }
        long lastSecond = Math.floorDiv(last, NANOS);
        long nowSecond = Math.floorDiv(now, NANOS);
        if (nowSecond > lastSecond) {
            flags |= C_UF;
            for (long s = Math.max(lastSecond + 1, nowSecond - ALARM_LOOKBACK_SECONDS); s <= nowSecond; s++) {
                if (alarmMatches(LocalDateTime.ofEpochSecond(s, 0, ZoneOffset.UTC))) {
                    flags |= C_AF;
                    break;
                }
            }
        }
    }

    private boolean alarmMatches(LocalDateTime t) {
        return alarmField(cmos[SECONDS_ALARM], encode(t.getSecond()))
                && alarmField(cmos[MINUTES_ALARM], encode(t.getMinute()))
                && alarmField(cmos[HOURS_ALARM], encodeHour(t.getHour()));
    }

    private static boolean alarmField(int alarm, int current) {
        return (alarm & ALARM_DONT_CARE) == ALARM_DONT_CARE || alarm == current;
    }

    private int enabledFlags() {
        return flags & regB & (C_PF | C_AF | C_UF);
    }

    private int readAndClearFlags() {
        int value = flags | (enabledFlags() != 0 ? C_IRQF : 0);
        flags = 0;
        return value;
    }

    private void updateIrq() {
        boolean level = enabledFlags() != 0;
        if (level != irqAsserted) {
            irqAsserted = level;
            irq.set(level);
        }
    }

    /** Arranges a wake-up for the next event whose interrupt is enabled and not already pending. */
    private void scheduleWake() {
        if (!clockRunning()) {
            return;
        }
        long now = guestNanos();
        long next = Long.MAX_VALUE;
        long period = periodNanos(regA & 0x0f);
        if ((regB & B_PIE) != 0 && (flags & C_PF) == 0 && period != 0) {
            next = (Math.floorDiv(now, period) + 1) * period;
        }
        if ((regB & B_UIE) != 0 && (flags & C_UF) == 0 || (regB & B_AIE) != 0 && (flags & C_AF) == 0) {
            next = Math.min(next, (Math.floorDiv(now, NANOS) + 1) * NANOS);
        }
        if (next == Long.MAX_VALUE || (next >= wakeAt && wakeAt > now)) {
            return;
        }
        wakeAt = next;
        clock.schedule(next - now, this::wake);
    }

    /** A scheduled wake-up: brings the flags up to date and plans the next one. */
    synchronized void wake() {
        wakeAt = Long.MAX_VALUE;
        evaluate();
        updateIrq();
        scheduleWake();
    }
}
