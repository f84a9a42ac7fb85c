package io.jqvm.devices.x86;

import io.jqvm.device.GuestAccessLog;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.DeviceClock;
import io.jqvm.device.IrqLine;
import io.jqvm.device.VmControl;

/**
 * The ACPI fixed-hardware power-management registers of jqvm's acpi-pm vdev, laid out as on QEMU's PC
 * machines and as {@code io.jqvm.boot.acpi.AcpiTables} describes them in the FADT (ACPI 6.5, section 4.8):
 * <pre>
 *   window offset  port (default)  register
 *   0              0x600           PM1a_STS   16 bits, write 1 to clear: TMR_STS 0, PWRBTN_STS 8, WAK_STS 15
 *   2              0x602           PM1a_EN    16 bits: TMR_EN 0, PWRBTN_EN 8
 *   4              0x604           PM1a_CNT   16 bits: SCI_EN 0 (reads 1), SLP_TYP 10-12, SLP_EN 13 (write-only)
 *   6              0x606           reserved   reads 0, writes ignored
 *   8              0x608           PM_TMR     24-bit counter at 3.579545 MHz, read-only
 * </pre>
 * The window starts at the PM1a event block, so a configuration's {@code loc io:0x604} (the control port)
 * maps to window base 0x600: see {@link #windowBaseForControlPort}. Writing SLP_EN with SLP_TYP
 * {@value #S5_SLEEP_TYPE} (the DSDT's {@code \_S5}) powers the VM off; other sleep states are logged and
 * ignored. The SCI is asserted while an enabled status bit is set; the timer's overflow status is not
 * generated.
 */
public final class AcpiPmBlock implements BusDevice {
    public static final int WINDOW_SIZE = 12;
    /** Must equal {@code AcpiTables.S5_SLEEP_TYPE}, the value the DSDT's {@code \_S5} package gives. */
    public static final int S5_SLEEP_TYPE = 0;
    static final int STATUS = 0;
    static final int ENABLE = 2;
    static final int CONTROL = 4;
    static final int TIMER = 8;
    static final int PWRBTN = 1 << 8;
    static final int ENABLE_BITS = 0x0001 | PWRBTN;
    static final int SCI_EN = 1;
    static final int SLP_EN = 1 << 13;
    static final int SLP_TYP_SHIFT = 10;
    static final long TIMER_HZ = 3_579_545;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final IrqLine sci;
    private final VmControl vm;
    private final DeviceClock clock;
    private final long timerEpoch;
    private final GuestAccessLog log = new GuestAccessLog("acpi-pm");
    private int status;
    private int enable;
    private int control = SCI_EN;
    private boolean sciAsserted;

    /**
     * @param sci       the SCI line (the FADT's SCI_INT)
     * @param vm        where S5 requests go
     * @param clock monotonic nanoseconds for the PM timer
     */
    public AcpiPmBlock(IrqLine sci, VmControl vm, DeviceClock clock) {
        this.sci = sci;
        this.vm = vm;
        this.clock = clock;
        this.timerEpoch = clock.nanoTime();
    }

    /** The bus window base for a configured PM1a control port. */
    public static long windowBaseForControlPort(long controlPort) {
        return controlPort - CONTROL;
    }

    /** A press of the power button (from the host): sets PWRBTN_STS, raising the SCI if enabled. */
    public synchronized void pressPowerButton() {
        status |= PWRBTN;
        updateSci();
    }

    @Override
    public synchronized long read(int vcpu, long offset, int size) {
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= (long) readByte(offset + i) << (8 * i);
        }
        return value;
    }

    private int readByte(long offset) {
        if (offset < 0 || offset >= WINDOW_SIZE) {
            return 0xff; // nothing decodes it
        }
        if (offset >= TIMER && offset < TIMER + 4) {
            return (int) (timer() >>> (8 * (offset - TIMER))) & 0xff;
        }
        int reg = switch ((int) (offset & ~1)) {
            case STATUS -> status;
            case ENABLE -> enable;
            case CONTROL -> control;
            default -> 0;
        };
        return reg >>> (8 * (offset & 1)) & 0xff;
    }

    private long timer() {
        long elapsed = clock.nanoTime() - timerEpoch;
        long ticks = elapsed / NANOS_PER_SECOND * TIMER_HZ + elapsed % NANOS_PER_SECOND * TIMER_HZ / NANOS_PER_SECOND;
        return ticks & 0xffffff;
    }

    @Override
    public synchronized void write(int vcpu, long offset, int size, long value) {
        // Gather the bytes written to each 16-bit register, so byte and word accesses act alike.
        int[] bits = new int[WINDOW_SIZE / 2];
        int[] mask = new int[WINDOW_SIZE / 2];
        for (int i = 0; i < size; i++) {
            long at = offset + i;
            if (at < 0 || at >= WINDOW_SIZE) {
                log.report("write at offset " + Hex.of(at) + " beyond the " + WINDOW_SIZE + "-byte block ignored");
                break;
            }
            int shift = (int) (at & 1) * 8;
            bits[(int) (at >> 1)] |= (int) (value >>> (8 * i) & 0xff) << shift;
            mask[(int) (at >> 1)] |= 0xff << shift;
        }
        if (mask[STATUS / 2] != 0) {
            status &= ~(bits[STATUS / 2] & mask[STATUS / 2]);
        }
        if (mask[ENABLE / 2] != 0) {
            enable = (enable & ~mask[ENABLE / 2] | bits[ENABLE / 2] & mask[ENABLE / 2]) & ENABLE_BITS;
        }
        if (mask[CONTROL / 2] != 0) {
            writeControl(control & ~mask[CONTROL / 2] | bits[CONTROL / 2] & mask[CONTROL / 2]);
        }
        for (int reg = 3; reg < bits.length; reg++) {
            if (mask[reg] != 0) {
                log.report("write of " + Hex.of(value) + " to read-only or reserved offset " + Hex.of(offset) + " ignored");
                break;
            }
        }
        updateSci();
    }

    private void writeControl(int value) {
        control = value & ~SLP_EN | SCI_EN;
        if ((value & SLP_EN) == 0) {
            return;
        }
        int sleepType = value >> SLP_TYP_SHIFT & 7;
        if (sleepType == S5_SLEEP_TYPE) {
            vm.shutdown(ExitStatus.NORMAL, "guest requested ACPI S5 (soft off)");
        } else {
            log.report("guest requested sleep type " + sleepType + ", which jqvm does not implement; ignored");
        }
    }

    private void updateSci() {
        boolean level = (status & enable & ENABLE_BITS) != 0;
        if (level != sciAsserted) {
            sciAsserted = level;
            sci.set(level);
        }
    }
}
