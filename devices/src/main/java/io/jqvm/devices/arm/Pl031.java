package io.jqvm.devices.arm;

import io.jqvm.device.DeviceClock;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;

/**
 * Arm PrimeCell real-time clock PL031 (QEMU virt: 0x09010000, SPI 2): a 32-bit seconds counter that reads
 * the host's wall clock plus an offset the guest sets through RTCLR, and a match register that raises the
 * interrupt when the counter reaches it. The counter runs from reset and RTCCR.start reads 1, as on QEMU;
 * it cannot be cleared.
 */
public final class Pl031 implements BusDevice {
    public static final long SIZE = 0x1000;
    static final PrimeCellId ID = new PrimeCellId(0x31, 0x10, 0x14, 0x00);
    static final int DR = 0x000;
    static final int MR = 0x004;
    static final int LR = 0x008;
    static final int CR = 0x00C;
    static final int IMSC = 0x010;
    static final int RIS = 0x014;
    static final int MIS = 0x018;
    static final int ICR = 0x01C;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final IrqLine irq;
    private final DeviceClock clock;
    private final GuestAccessLog log = new GuestAccessLog("pl031");
    /** Guest seconds minus host epoch seconds, modulo 2^32. */
    private int offset;
    private int match;
    private int loaded;
    /** The counter runs from reset, so RTCCR.start reads 1 from the start, as on QEMU. */
    private boolean started = true;
    private boolean maskSet;
    private boolean raw;
    private boolean irqLevel;
    private DeviceClock.Timer matchTimer;

    public Pl031(IrqLine irq, DeviceClock clock) {
        this.irq = irq;
        this.clock = clock;
    }

    /**
     * What the clock shows, for status reports.
     *
     * @param seconds          the guest's counter (RTCDR): seconds since the Unix epoch, modulo 2^32
     * @param match            the match register (RTCMR)
     * @param interruptEnabled RTCIMSC
     * @param matched          the raw interrupt (RTCRIS): the counter reached the match value
     */
    public record State(long seconds, long match, boolean interruptEnabled, boolean matched) {
    }

    public synchronized State state() {
        return new State(Integer.toUnsignedLong(counter()), Integer.toUnsignedLong(match), maskSet, raw);
    }

    private int counter() {
        return (int) Math.floorDiv(clock.epochNanos(), NANOS_PER_SECOND) + offset;
    }

    @Override
    public synchronized long read(int vcpu, long off, int size) {
        if (size != 4 || (off & 3) != 0) {
            log.report(size + "-byte read at " + Hex.of(off) + " is not a word access");
            return 0;
        }
        if (PrimeCellId.covers(off)) {
            return ID.read(off);
        }
        return switch ((int) off) {
            case DR -> Integer.toUnsignedLong(counter());
            case MR -> Integer.toUnsignedLong(match);
            case LR -> Integer.toUnsignedLong(loaded);
            case CR -> started ? 1 : 0;
            case IMSC -> maskSet ? 1 : 0;
            case RIS -> raw ? 1 : 0;
            case MIS -> raw && maskSet ? 1 : 0;
            default -> {
                log.report("read of reserved or write-only offset " + Hex.of(off));
                yield 0;
            }
        };
    }

    @Override
    public synchronized void write(int vcpu, long off, int size, long value) {
        if (size != 4 || (off & 3) != 0) {
            log.report(size + "-byte write at " + Hex.of(off) + " is not a word access");
            return;
        }
        int v = (int) value;
        switch ((int) off) {
            case MR -> {
                match = v;
                scheduleMatch();
            }
            case LR -> {
                loaded = v;
                offset = v - (int) Math.floorDiv(clock.epochNanos(), NANOS_PER_SECOND);
                scheduleMatch();
            }
            case CR -> started |= (v & 1) != 0;
            case IMSC -> maskSet = (v & 1) != 0;
            case ICR -> raw &= (v & 1) == 0;
            default -> log.report("write of " + Hex.of(value) + " to read-only or reserved offset " + Hex.of(off) + " ignored");
        }
        updateIrq();
    }

    /** Arms the one-shot callback for the moment the counter next equals the match register. */
    private void scheduleMatch() {
        if (matchTimer != null) {
            matchTimer.cancel();
        }
        long now = clock.epochNanos();
        int seconds = match - counter();
        if (seconds == 0) {
            raw = true;
            matchTimer = null;
            return;
        }
        long secondStart = Math.floorDiv(now, NANOS_PER_SECOND) * NANOS_PER_SECOND;
        long delay = secondStart + Integer.toUnsignedLong(seconds) * NANOS_PER_SECOND - now;
        matchTimer = clock.schedule(delay, this::matchReached);
    }

    private synchronized void matchReached() {
        matchTimer = null;
        if (counter() == match) {
            raw = true;
            updateIrq();
        } else {
            scheduleMatch(); // woken early, or the guest reloaded the counter meanwhile
        }
    }

    private void updateIrq() {
        boolean level = raw && maskSet;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }
}
