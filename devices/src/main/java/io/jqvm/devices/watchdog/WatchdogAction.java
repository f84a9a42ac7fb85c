package io.jqvm.devices.watchdog;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.device.IrqLine;
import io.jqvm.device.VmControl;
import java.util.List;

/**
 * What a watchdog does when it fires: qvm's {@code action [dump,]terminate|fiq}, plus {@code reset} (restart
 * the machine, QEMU's {@code -watchdog-action reset}), each optionally preceded by a guest dump.
 *
 * @param dump write a guest core before the action (qvm's {@code dump,} prefix)
 * @param kind what follows the dump
 */
public record WatchdogAction(boolean dump, Kind kind) {
    public enum Kind {
        /** End the VM with exit status {@link ExitStatus#WATCHDOG} (4), as qvm does. */
        TERMINATE,
        /** Restart the machine from its configuration; the process stays. */
        RESET,
        /** Assert the boot vCPU's FIQ (AArch64 only): the guest's own handler decides. */
        FIQ
    }

    public static final WatchdogAction TERMINATE = new WatchdogAction(false, Kind.TERMINATE);

    /** From the configuration's words: {@code [dump,]terminate|reset|fiq} (the language checked them). */
    public static WatchdogAction of(List<String> words) {
        Kind kind = Kind.valueOf(words.getLast().toUpperCase(java.util.Locale.ROOT));
        return new WatchdogAction(words.size() == 2 && words.getFirst().equals("dump"), kind);
    }

    /**
     * Takes the action for {@code device}, whose {@code why} says what expired. Call outside the device's
     * monitor: the VM stops devices, and a vCPU may be inside the device's read or write.
     */
    public void fire(String device, String why, VmControl vm, IrqLine fiq) {
        String reason = "watchdog " + device + " expired: " + why;
        if (dump) {
            vm.dumpGuest(reason);
        }
        switch (kind) {
            case TERMINATE -> vm.shutdown(ExitStatus.WATCHDOG, reason);
            case RESET -> vm.reset(reason);
            case FIQ -> {
                Log.warn(reason + "; raising FIQ");
                fiq.set(true);
            }
        }
    }
}
