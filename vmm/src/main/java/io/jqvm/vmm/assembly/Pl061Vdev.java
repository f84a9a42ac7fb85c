package io.jqvm.vmm.assembly;

import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.devices.arm.Pl061;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.VirtLayout;
import java.util.List;

/**
 * The ARM PL061 GPIO carrying the board's power button, as on QEMU virt (default 0x09030000, INTID 39): a
 * device-tree {@code arm,pl061} node and a {@code gpio-keys} KEY_POWER on line 3, which the control API's
 * power button presses.
 */
final class Pl061Vdev implements VdevFamily {
    @Override
    public List<String> types() {
        return List.of("pl061");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long base = VdevRegistry.memoryLocation(v).orElse(VirtLayout.VIRT_PL061);
        Pl061 gpio = new Pl061(VdevRegistry.interrupts(a, v, owner, "gic:" + VirtLayout.VIRT_PL061_INTID), a.clock);
        a.mapDevice(v, owner, Space.MEM, base, Pl061.SIZE, gpio);
        a.powerButton = () -> gpio.pressKey(Arm64Board.POWER_KEY_LINE);
        VdevRegistry.describe(a, owner, base, VdevRegistry.firstIntid(v, VirtLayout.VIRT_PL061_INTID),
                spi -> Arm64Board.Peripheral.pl061(base, spi));
    }
}
