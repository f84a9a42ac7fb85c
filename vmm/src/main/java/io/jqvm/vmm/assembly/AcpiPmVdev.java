package io.jqvm.vmm.assembly;

import io.jqvm.common.Hex;
import io.jqvm.config.ConfigException;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.devices.x86.AcpiPmBlock;
import io.jqvm.memory.Space;
import java.util.List;

/**
 * The ACPI PM1 block (power-off through {@code \_S5}): its {@code loc} is the PM1a control port (the
 * language's default, {@code io:0x604}); the FADT announces the ports.
 */
final class AcpiPmVdev implements VdevFamily {
    private static final long IO_PORTS = 0x10000;

    @Override
    public List<String> types() {
        return List.of("acpi-pm");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long control = VdevRegistry.ioLocation(v).orElseThrow();
        long base = AcpiPmBlock.windowBaseForControlPort(control);
        if (base < 0 || base + AcpiPmBlock.WINDOW_SIZE > IO_PORTS) {
            long lowest = -AcpiPmBlock.windowBaseForControlPort(0);
            throw new ConfigException(v.option("loc").map(o -> o.origin()).orElse(v.origin()), "vdev acpi-pm loc "
                    + Hex.of(control) + " must lie within the I/O space: it is the PM1a control port, and the block's "
                    + AcpiPmBlock.WINDOW_SIZE + " ports from " + lowest + " below it must fit (" + Hex.of(lowest) + "-"
                    + Hex.of(IO_PORTS - AcpiPmBlock.WINDOW_SIZE + lowest) + ")");
        }
        AcpiPmBlock pm = new AcpiPmBlock(VdevRegistry.interrupts(a, v, owner, null), a.control, a.clock);
        a.mapDevice(v, owner, Space.IO, base, AcpiPmBlock.WINDOW_SIZE, pm);
        a.powerButton = pm::pressPowerButton;
        a.acpiPm = new Assembly.AcpiPmPorts((int) base, (int) control, (int) base + 8);
    }
}
