package io.jqvm.vmm.assembly;

import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.devices.arm.Pl011;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.VirtLayout;
import java.util.List;

/** The ARM PL011 UART on a host character device; a device-tree {@code arm,pl011} node. */
final class Pl011Vdev implements VdevFamily {
    @Override
    public List<String> types() {
        return List.of("pl011");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long base = VdevRegistry.memoryLocation(v).orElse(VirtLayout.QVM_PL011);
        Pl011 uart = new Pl011(VdevRegistry.interrupts(a, v, owner, "gic:" + VirtLayout.QVM_PL011_INTID), HostDevices.open(a, v));
        a.mapDevice(v, owner, Space.MEM, base, Pl011.SIZE, uart);
        VdevRegistry.describe(a, owner, base, VdevRegistry.firstIntid(v, VirtLayout.QVM_PL011_INTID),
                spi -> Arm64Board.Peripheral.pl011(base, spi));
    }
}
