package io.jqvm.vmm.assembly;

import io.jqvm.config.ConfigException;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.memory.AddressMap;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.PcLayout;
import java.util.List;

import static io.jqvm.vmm.assembly.VdevRegistry.ioLocation;
import static io.jqvm.vmm.assembly.VdevRegistry.memoryLocation;

/**
 * The PC chipset parts the accelerator emulates (KVM's in-kernel IOAPIC, 8259 pair and 8254, as on every KVM
 * VMM): their windows are claimed so nothing else answers there, and their interrupt lines are the
 * accelerator's. The ACPI tables (MADT) describe the IOAPIC.
 */
final class PcChipsetVdevs implements VdevFamily {
    @Override
    public List<String> types() {
        return List.of("ioapic", "8259", "timer8254");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        switch (v.type()) {
            case "ioapic" -> ioapic(a, v, owner);
            case "8259" -> pic(a, v, owner);
            default -> pit(a, v, owner);
        }
    }

    private static void ioapic(Assembly a, VdevSpec v, String owner) {
        long base = memoryLocation(v).orElse(PcLayout.IOAPIC_BASE);
        if (a.x86IoapicBase != 0) {
            throw new ConfigException(v.origin(), "a second ioapic: the in-kernel irqchip emulates exactly one");
        }
        a.mapDevice(v, owner + " (in-kernel)", Space.MEM, base, PcLayout.IOAPIC_WINDOW, null);
        a.claim(new AddressMap.Claim(Space.MEM, PcLayout.LOCAL_APIC_BASE, PcLayout.LOCAL_APIC_WINDOW,
                AddressMap.Kind.DEVICE, "local APICs (in-kernel)", "implied by " + v.origin()), v.origin());
        a.x86IrqChip = true;
        a.x86IoapicBase = base;
        a.addController(v.name().orElse("ioapic"), PcInterrupts.ioapicPins(a), owner, v.origin());
    }

    private static void pic(Assembly a, VdevSpec v, String owner) {
        long base = ioLocation(v).orElse((long) PcLayout.PIC_PRIMARY_PORT);
        a.mapDevice(v, owner + " (in-kernel)", Space.IO, base, 2, null);
        a.x86IrqChip = true;
        // The secondary 8259 serves ISA IRQs 8-15.
        int firstGsi = base == PcLayout.PIC_SECONDARY_PORT ? PcLayout.PIC_LINES : 0;
        a.addController(v.name().orElse("8259"), PcInterrupts.platformLines(a, firstGsi, PcLayout.PIC_LINES), owner, v.origin());
    }

    private static void pit(Assembly a, VdevSpec v, String owner) {
        long base = ioLocation(v).orElse((long) PcLayout.PIT_PORT);
        a.mapDevice(v, owner + " (in-kernel)", Space.IO, base, PcLayout.PIT_WINDOW, null);
        a.x86Pit = true;
        for (Interrupt i : v.interrupts()) {
            // The PIT raises ISA IRQ 0, which the PC routing delivers to 8259 line 0 and IOAPIC pin 2.
            a.interrupt(owner, i, v.origin());
            String controller = i.controller().orElse("");
            boolean ioapic = a.spec.vdevs("ioapic").stream().anyMatch(x -> x.name().orElse("ioapic").equals(controller));
            if (ioapic ? i.line() != PcLayout.PIT_IOAPIC_PIN : i.line() != 0) {
                throw new ConfigException(v.option("intr").orElseThrow().origin(), "timer8254 intr " + i
                        + ": the PIT raises ISA IRQ 0, which arrives on IOAPIC pin 2 and 8259 line 0; write intr "
                        + (ioapic ? controller + ":" + PcLayout.PIT_IOAPIC_PIN : controller + ":0"));
            }
        }
    }
}
