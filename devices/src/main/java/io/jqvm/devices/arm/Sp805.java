package io.jqvm.devices.arm;

import io.jqvm.device.DeviceClock;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;
import io.jqvm.device.VmControl;
import io.jqvm.devices.watchdog.WatchdogAction;

/**
 * Arm watchdog module SP805 (qvm {@code vdev wdt-sp805}). A 32-bit counter decrements at
 * {@code frequency} while INTEN is set; the first time it reaches zero it raises the interrupt and reloads,
 * the second time, with the interrupt still uncleared and RESEN set, the watchdog fires: the configured
 * {@link WatchdogAction} is taken. Writing WDOGINTCLR clears the interrupt and reloads the counter (the guest's
 * "kick"). Every register but WDOGLOCK ignores writes while locked.
 */
public final class Sp805 implements BusDevice {
    public static final long SIZE = 0x1000;
    /** qvm's default counter clock. */
    public static final long DEFAULT_FREQUENCY = 25_000_000;
    static final PrimeCellId ID = new PrimeCellId(0x05, 0x18, 0x14, 0x00);
    static final int LOAD = 0x000;
    static final int VALUE = 0x004;
    static final int CONTROL = 0x008;
    static final int INTCLR = 0x00C;
    static final int RIS = 0x010;
    static final int MIS = 0x014;
    static final int LOCK = 0xC00;
    static final int ITCR = 0xF00;
    static final int ITOP = 0xF04;
    static final int UNLOCK_KEY = 0x1ACC_E551;
    static final int INTEN = 1;
    static final int RESEN = 2;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final IrqLine irq;
    private final IrqLine fiq;
    private final VmControl vm;
    private final DeviceClock clock;
    private final long frequency;
    private final WatchdogAction action;
    private final GuestAccessLog log = new GuestAccessLog("wdt-sp805");

    private int load = 0xFFFF_FFFF;
    private int control;
    private boolean raw;
    private boolean locked;
    private boolean fired;
    /** Counter value at {@link #countStart}, while counting. */
    private long startValue = 0xFFFF_FFFFL;
    private long countStart;
    private DeviceClock.Timer expiry;
    private boolean irqLevel;

    /**
     * @param fiq the line asserted by {@link WatchdogAction.Kind#FIQ} (a vCPU's FIQ pin); {@link IrqLine#NONE} otherwise
     */
    public Sp805(IrqLine irq, VmControl vm, DeviceClock clock, long frequency, WatchdogAction action, IrqLine fiq) {
        if (frequency <= 0 || frequency > 1_000_000_000L) {
            throw new IllegalArgumentException("wdt-sp805 frequency " + frequency + " Hz is outside 1 Hz to 1 GHz");
        }
        this.irq = irq;
        this.vm = vm;
        this.clock = clock;
        this.frequency = frequency;
        this.action = action;
        this.fiq = fiq;
    }

    /**
     * What the watchdog shows, for status reports.
     *
     * @param load         WDOGLOAD, the value the counter restarts from
     * @param value        WDOGVALUE, the counter now
     * @param counting     INTEN: the counter runs
     * @param resetEnabled RESEN: a second expiry fires the configured action
     * @param interrupted  the raw interrupt (first expiry, not yet cleared)
     * @param locked       WDOGLOCK: register writes are ignored
     * @param fired        the action has been taken
     */
    public record State(long load, long value, boolean counting, boolean resetEnabled, boolean interrupted,
                        boolean locked, boolean fired) {
    }

    public synchronized State state() {
        return new State(Integer.toUnsignedLong(load), currentValue(), counting(), (control & RESEN) != 0, raw, locked, fired);
    }

    private boolean counting() {
        return (control & INTEN) != 0;
    }

    private long ticksToNanos(long ticks) {
        return ticks / frequency * NANOS_PER_SECOND + ticks % frequency * NANOS_PER_SECOND / frequency;
    }

    private long nanosToTicks(long nanos) {
        return nanos / NANOS_PER_SECOND * frequency + nanos % NANOS_PER_SECOND * frequency / NANOS_PER_SECOND;
    }

    private long currentValue() {
        if (!counting()) {
            return startValue;
        }
        long elapsed = nanosToTicks(clock.nanoTime() - countStart);
        return Math.max(0, startValue - elapsed);
    }

    @Override
    public synchronized long read(int vcpu, long offset, int size) {
        if (size != 4 || (offset & 3) != 0) {
            log.report(size + "-byte read at " + Hex.of(offset) + " is not a word access");
            return 0;
        }
        if (PrimeCellId.covers(offset)) {
            return ID.read(offset);
        }
        return switch ((int) offset) {
            case LOAD -> Integer.toUnsignedLong(load);
            case VALUE -> currentValue();
            case CONTROL -> control;
            case RIS -> raw ? 1 : 0;
            case MIS -> raw && counting() ? 1 : 0;
            case LOCK -> locked ? 1 : 0;
            case ITCR -> 0;
            default -> {
                log.report("read of reserved or write-only offset " + Hex.of(offset));
                yield 0;
            }
        };
    }

    @Override
    public synchronized void write(int vcpu, long offset, int size, long value) {
        if (size != 4 || (offset & 3) != 0) {
            log.report(size + "-byte write at " + Hex.of(offset) + " is not a word access");
            return;
        }
        int v = (int) value;
        if (offset == LOCK) {
            locked = v != UNLOCK_KEY;
            return;
        }
        if (locked) {
            log.report("write of " + Hex.of(value) + " to " + Hex.of(offset) + " while locked ignored");
            return;
        }
        switch ((int) offset) {
            case LOAD -> {
                load = v;
                reload();
            }
            case CONTROL -> {
                boolean wasCounting = counting();
                long frozenAt = currentValue();
                control = v & (INTEN | RESEN);
                if (counting() && !wasCounting) {
                    reload();
                } else if (!counting() && wasCounting) {
                    startValue = frozenAt;
                    cancelExpiry();
                }
            }
            case INTCLR -> {
                raw = false;
                if (action.kind() == WatchdogAction.Kind.FIQ) {
                    fiq.set(false);
                }
                reload();
            }
            case ITCR, ITOP -> log.report("integration test registers are not modelled; write ignored");
            default -> log.report("write of " + Hex.of(value) + " to read-only or reserved offset " + Hex.of(offset) + " ignored");
        }
        updateIrq();
    }

    private void cancelExpiry() {
        if (expiry != null) {
            expiry.cancel();
            expiry = null;
        }
    }

    /** Restarts the count from WDOGLOAD and arms the callback for when it reaches zero. */
    private void reload() {
        cancelExpiry();
        startValue = Integer.toUnsignedLong(load);
        countStart = clock.nanoTime();
        if (counting()) {
            expiry = clock.schedule(ticksToNanos(startValue), this::expired);
        }
    }

    private void expired() {
        boolean fire;
        synchronized (this) {
            expiry = null;
            if (!counting() || fired) {
                return;
            }
            fire = raw && (control & RESEN) != 0;
            if (!fire) {
                raw = true;
                reload();
                updateIrq();
                return;
            }
            fired = true;
        }
        // Outside the monitor: the VM may stop devices, and a guest thread may be inside read/write.
        takeAction();
    }

    private void takeAction() {
        action.fire("sp805", "its counter reached zero twice without a kick", vm, fiq);
        if (action.kind() == WatchdogAction.Kind.FIQ) {
            synchronized (this) {
                fired = false; // the FIQ handler may kick the watchdog and let it fire again
                raw = true;
                reload();
            }
        }
    }

    private void updateIrq() {
        boolean level = raw && counting();
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }
}
