package io.jqvm.vmm.assembly;

import io.jqvm.config.model.VdevSpec;
import io.jqvm.devices.x86.AcpiPmBlock;
import io.jqvm.memory.Space;
import java.util.List;

/**
 * The ACPI PM1 block (power-off through {@code \_S5}): its {@code loc} is the PM1a control port (the
 * language's default, {@code io:0x604}); the FADT announces the ports.
 */
final class AcpiPmVdev implements VdevFamily {
    @Override
    public List<String> types() {
        return List.of("acpi-pm");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long control = VdevRegistry.ioLocation(v).orElseThrow();
        long base = AcpiPmBlock.windowBaseForControlPort((int) control);
        AcpiPmBlock pm = new AcpiPmBlock(VdevRegistry.interrupts(a, v, owner, null), a.control, a.clock);
        a.mapDevice(v, owner, Space.IO, base, AcpiPmBlock.WINDOW_SIZE, pm);
        a.powerButton = pm::pressPowerButton;
        a.acpiPm = new Assembly.AcpiPmPorts((int) base, (int) control, (int) base + 8);
    }
}
