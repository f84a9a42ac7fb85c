package io.jqvm.vmm.assembly;

import io.jqvm.boot.fdt.Arm64Board;
import java.util.ArrayList;
import java.util.List;

/** The AArch64 board as the device tree describes it, collected while the vdevs describe themselves. */
final class Board {
    record Gic(int version, long distributor, long distributorSize, long cpuInterface, long cpuInterfaceSize) {
    }

    Gic gic;
    /** The device-tree nodes of the devices on the GIC, in configuration order. */
    final List<Arm64Board.Peripheral> peripherals = new ArrayList<>();
}
