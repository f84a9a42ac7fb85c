package io.jqvm.vmm.assembly;

import java.util.ArrayList;
import java.util.List;

/** The AArch64 board as the device tree describes it, collected while the vdevs are built. */
final class Board {
    enum Kind { PL011, PL031, SP805 }

    /** The INTID of a device whose interrupt is not connected. */
    static final int NOT_WIRED = -1;

    /** A PrimeCell device: its window and its GIC INTID ({@link #NOT_WIRED} when none). */
    record Device(Kind kind, long base, long size, int intid, long clockHz) {
        Device(Kind kind, long base, long size, int intid) {
            this(kind, base, size, intid, 0);
        }
    }

    record Gic(int version, long distributor, long distributorSize, long cpuInterface, long cpuInterfaceSize) {
    }

    Gic gic;
    final List<Device> devices = new ArrayList<>();
}
