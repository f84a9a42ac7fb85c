package io.jqvm.devices.x86;

import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.DeviceClock;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.device.IrqLine;
import io.jqvm.device.VmControl;
import io.jqvm.devices.watchdog.WatchdogAction;

/**
 * The iBASE IB700 single-board computer's watchdog (qvm {@code vdev wdt-ib700}), as QEMU's {@code ib700}
 * models it and Linux's {@code ib700wdt} drives it: two write-only ports in a window starting at 0x441.
 * <pre>
 *   0x441  any write stops the watchdog
 *   0x443  a write of n (low four bits) starts it, or restarts it (the kick), to expire in 30 - 2n seconds
 * </pre>
 * Expiry takes the configured {@link WatchdogAction} at once (the board has no warning interrupt).
 */
public final class Ib700 implements BusDevice {
    /** Ports 0x441 to 0x443. */
    public static final int WINDOW_SIZE = 3;
    static final int STOP = 0;
    static final int START = 2;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final VmControl vm;
    private final DeviceClock clock;
    private final WatchdogAction action;
    private final GuestAccessLog log = new GuestAccessLog("wdt-ib700");
    private DeviceClock.Timer expiry;
    /** Counts starts and stops, so a callback already on its way when the guest kicked knows it is stale. */
    private long generation;
    private long timeoutSeconds;

    /** @param action {@link WatchdogAction.Kind#FIQ} does not exist on x86; the configuration rejects it */
    public Ib700(VmControl vm, DeviceClock clock, WatchdogAction action) {
        if (action.kind() == WatchdogAction.Kind.FIQ) {
            throw new IllegalArgumentException("wdt-ib700 has no FIQ to raise: x86 has none");
        }
        this.vm = vm;
        this.clock = clock;
        this.action = action;
    }

    /** The timeout a START write of {@code value} selects, as the IB700's table: 30 s down to 0 s in steps of 2. */
    static long timeoutSeconds(long value) {
        return 30 - 2 * (value & 0xF);
    }

    /** Whether the watchdog runs, for status reports. */
    public synchronized boolean running() {
        return expiry != null;
    }

    @Override
    public long read(int vcpu, long offset, int size) {
        log.report(size + "-byte read at port offset " + Hex.of(offset) + ": the IB700's ports are write-only");
        return -1L >>> (64 - 8 * size);
    }

    @Override
    public void write(int vcpu, long offset, int size, long value) {
        switch ((int) offset) {
            case STOP -> stop();
            case START -> start(timeoutSeconds(value));
            default -> log.report("write of " + Hex.of(value) + " to port offset " + Hex.of(offset) + " ignored: no register there");
        }
    }

    private synchronized void stop() {
        generation++;
        if (expiry != null) {
            expiry.cancel();
            expiry = null;
        }
    }

    private synchronized void start(long seconds) {
        stop();
        timeoutSeconds = seconds;
        long armed = generation;
        expiry = clock.schedule(seconds * NANOS_PER_SECOND, () -> expired(armed));
    }

    private void expired(long armed) {
        long seconds;
        synchronized (this) {
            if (generation != armed) {
                return; // stopped or kicked after this callback was already on its way
            }
            generation++;
            expiry = null;
            seconds = timeoutSeconds;
        }
        // Outside the monitor: the VM may stop devices, and a vCPU may be inside write.
        action.fire("ib700", "not kicked within " + seconds + " s", vm, IrqLine.NONE);
    }
}
