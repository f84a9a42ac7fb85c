package io.jqvm.vmm.assembly;

import io.jqvm.boot.acpi.AcpiPlatform;
import io.jqvm.config.ConfigException;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.InterruptController;
import io.jqvm.device.IrqLine;
import io.jqvm.devices.x86.Hpet;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.PcLayout;
import java.util.List;

/**
 * The HPET: each {@code intr controller:N} makes IOAPIC input N available to the timers' route registers;
 * legacy replacement drives ISA IRQs 0 and 8 (the PIT's and the RTC's lines). The ACPI HPET table describes it.
 */
final class HpetVdev implements VdevFamily {
    /** The PCI vendor ID the HPET reports, Intel's, as QEMU's does. */
    static final int HPET_VENDOR_INTEL = 0x8086;

    @Override
    public List<String> types() {
        return List.of("hpet");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long base = VdevRegistry.memoryLocation(v).orElse(PcLayout.HPET_BASE);
        IrqLine[] routes = new IrqLine[PcLayout.IOAPIC_PINS];
        for (Interrupt i : v.interrupts()) {
            if (i.line() >= PcLayout.IOAPIC_PINS) {
                throw new ConfigException(v.option("intr").orElseThrow().origin(), "hpet intr " + i
                        + ": HPET timers reach IOAPIC inputs 0-" + (PcLayout.IOAPIC_PINS - 1));
            }
            routes[(int) i.line()] = a.interrupt(owner, i, v.option("intr").orElseThrow().origin());
        }
        InterruptController legacy = a.x86IoapicBase != 0 ? PcInterrupts.ioapicPins(a) : null;
        IrqLine irq0 = legacy != null ? legacy.line(PcLayout.PIT_IOAPIC_PIN) : IrqLine.NONE;
        IrqLine irq8 = legacy != null ? legacy.line(8) : IrqLine.NONE;
        long frequency = VdevRegistry.number(v, "frequency").orElse(Hpet.DEFAULT_FREQUENCY);
        Hpet hpet;
        try {
            hpet = new Hpet(Hpet.DEFAULT_TIMERS, frequency, HPET_VENDOR_INTEL, routes, irq0, irq8, a.clock);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(v.option("frequency").map(o -> o.origin()).orElse(v.origin()), "vdev hpet: " + e.getMessage());
        }
        a.mapDevice(v, owner, Space.MEM, base, Hpet.WINDOW_SIZE, hpet);
        a.hpet = new AcpiPlatform.Hpet(base, Hpet.DEFAULT_TIMERS, HPET_VENDOR_INTEL);
    }
}
