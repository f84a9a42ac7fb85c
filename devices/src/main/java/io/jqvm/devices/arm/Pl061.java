package io.jqvm.devices.arm;

import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.DeviceClock;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.device.IrqLine;

/**
 * Arm PrimeCell GPIO PL061 (QEMU virt: 0x09030000, SPI 7): eight lines, each an output the guest drives or an
 * input the board drives, with an interrupt per line on a level or on one or both edges (PL061 TRM, DDI 0190B,
 * "Register descriptions"). The board's power button is input {@link #pressKey}: pressed, then released 100 ms
 * later, as QEMU's {@code gpio-key} does, so Linux's {@code gpio-keys} driver reports a press and a release.
 */
public final class Pl061 implements BusDevice {
    public static final long SIZE = 0x1000;
    static final PrimeCellId ID = new PrimeCellId(0x61, 0x10, 0x04, 0x00);
    /** GPIODATA spans 0x000-0x3FC: address bits [9:2] mask the lines an access reads or writes. */
    static final int DATA_END = 0x400;
    static final int DIR = 0x400;
    static final int IS = 0x404;
    static final int IBE = 0x408;
    static final int IEV = 0x40C;
    static final int IE = 0x410;
    static final int RIS = 0x414;
    static final int MIS = 0x418;
    static final int IC = 0x41C;
    static final int AFSEL = 0x420;
    /** How long a key press holds its line high (QEMU's gpio-key latency). */
    static final long KEY_PRESS_NANOS = 100_000_000L;

    private final IrqLine irq;
    private final DeviceClock clock;
    private final GuestAccessLog log = new GuestAccessLog("pl061");
    private int data;
    private int dir;
    private int is;
    private int ibe;
    private int iev;
    private int ie;
    private int ris;
    private int afsel;
    /** The levels the board drives on the input lines. */
    private int inputs;
    /** Every line's level at the last update, to find edges. */
    private int levels;
    private boolean irqLevel;

    public Pl061(IrqLine irq, DeviceClock clock) {
        this.irq = irq;
        this.clock = clock;
    }

    /** Drives input {@code line} (0-7) to {@code high}; a line the guest made an output ignores it. */
    public synchronized void setInput(int line, boolean high) {
        if (line < 0 || line > 7) {
            throw new IllegalArgumentException("PL061 has lines 0-7, not " + line);
        }
        inputs = high ? inputs | 1 << line : inputs & ~(1 << line);
        update();
    }

    /** A key on input {@code line}: pressed now, released {@value #KEY_PRESS_NANOS} ns later. */
    public void pressKey(int line) {
        setInput(line, true);
        clock.schedule(KEY_PRESS_NANOS, () -> setInput(line, false));
    }

    private int currentLevels() {
        return (data & dir | inputs & ~dir) & 0xFF;
    }

    /** Latches edges, recomputes level interrupts, drives the interrupt line (PL061 TRM 3.3.4-3.3.7). */
    private void update() {
        int now = currentLevels();
        int changed = now ^ levels;
        levels = now;
        // An edge counts on both sides with IBE, else on the side IEV chooses (1 rising, 0 falling).
        int edges = changed & ~is & (ibe | ~(now ^ iev));
        ris = (ris | edges) & ~is | is & ~(now ^ iev);
        ris &= 0xFF;
        boolean level = (ris & ie) != 0;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    @Override
    public synchronized long read(int vcpu, long off, int size) {
        if (PrimeCellId.covers(off)) {
            return ID.read(off);
        }
        if (off < DATA_END) {
            return currentLevels() & (int) (off >> 2) & 0xFF;
        }
        return switch ((int) off) {
            case DIR -> dir;
            case IS -> is;
            case IBE -> ibe;
            case IEV -> iev;
            case IE -> ie;
            case RIS -> ris;
            case MIS -> ris & ie;
            case AFSEL -> afsel;
            default -> {
                log.report("read of reserved offset " + Hex.of(off));
                yield 0;
            }
        };
    }

    @Override
    public synchronized void write(int vcpu, long off, int size, long value) {
        int v = (int) value & 0xFF;
        if (off < DATA_END) {
            int mask = (int) (off >> 2) & 0xFF;
            data = data & ~mask | v & mask;
        } else {
            switch ((int) off) {
                case DIR -> dir = v;
                case IS -> is = v;
                case IBE -> ibe = v;
                case IEV -> iev = v;
                case IE -> ie = v;
                case IC -> ris &= ~v;
                case AFSEL -> afsel = v;
                default -> log.report("write of " + Hex.of(value) + " to read-only or reserved offset " + Hex.of(off) + " ignored");
            }
        }
        update();
    }
}
