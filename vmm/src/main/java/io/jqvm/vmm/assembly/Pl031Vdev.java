package io.jqvm.vmm.assembly;

import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.devices.arm.Pl031;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.VirtLayout;
import java.util.List;

/** The ARM PL031 real-time clock on the VM's device clock; a device-tree {@code arm,pl031} node. */
final class Pl031Vdev implements VdevFamily {
    @Override
    public List<String> types() {
        return List.of("pl031");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long base = VdevRegistry.memoryLocation(v).orElse(VirtLayout.QVM_PL031);
        Pl031 rtc = new Pl031(VdevRegistry.interrupts(a, v, owner, null), a.clock);
        a.mapDevice(v, owner, Space.MEM, base, Pl031.SIZE, rtc);
        VdevRegistry.describe(a, owner, base, VdevRegistry.firstIntid(v, VdevRegistry.NOT_WIRED),
                spi -> Arm64Board.Peripheral.pl031(base, spi));
    }
}
