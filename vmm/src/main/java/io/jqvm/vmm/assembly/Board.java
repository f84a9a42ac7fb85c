package io.jqvm.vmm.assembly;

import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.device.InterruptController;
import java.util.ArrayList;
import java.util.List;

/** The AArch64 board as the device tree describes it, collected while the vdevs describe themselves. */
final class Board {
    /** The GIC's layout, and the controller itself for what raises its SPIs without a wire (MSI frames). */
    record Gic(int version, long distributor, long distributorSize, long cpuInterface, long cpuInterfaceSize,
            InterruptController controller) {
    }

    Gic gic;
    /** The device-tree nodes of the devices on the GIC, in configuration order. */
    final List<Arm64Board.Peripheral> peripherals = new ArrayList<>();
}
