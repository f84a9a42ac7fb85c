package io.jqvm.vmm.assembly;

import io.jqvm.common.Hex;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.devices.uart.Uart16550;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.PcLayout;
import java.util.List;

/** The 8250/16550 UART on a host character device, at COM1 without {@code loc}. Guests probe it: no description. */
final class Ser8250Vdev implements VdevFamily {
    @Override
    public List<String> types() {
        return List.of("ser8250");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long base = VdevRegistry.ioLocation(v).orElse((long) PcLayout.COM1_PORT);
        Uart16550 uart = new Uart16550(owner + " at io:" + Hex.of(base), VdevRegistry.interrupts(a, v, owner, null),
                HostDevices.open(a, v));
        a.mapDevice(v, owner, Space.IO, base, Uart16550.WINDOW_SIZE, uart);
        a.onStart.add(p -> uart.start());
    }
}
