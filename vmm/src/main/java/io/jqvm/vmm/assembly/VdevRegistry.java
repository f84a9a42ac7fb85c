package io.jqvm.vmm.assembly;

import io.jqvm.accel.aarch64.A64Vcpu;
import io.jqvm.common.Arch;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.CharBackend;
import io.jqvm.device.IrqLine;
import io.jqvm.device.DeviceClock;
import io.jqvm.devices.arm.GicV2;
import io.jqvm.devices.arm.GicV3;
import io.jqvm.devices.arm.Pl031;
import io.jqvm.devices.arm.Psci;
import io.jqvm.devices.arm.Sp805;
import io.jqvm.devices.arm.Pl011;
import io.jqvm.devices.uart.Uart16550;
import io.jqvm.devices.x86.AcpiPmBlock;
import io.jqvm.devices.x86.Hpet;
import io.jqvm.devices.x86.Mc146818;
import io.jqvm.devices.x86.PcKeyboardController;
import io.jqvm.memory.Space;
import io.jqvm.vmm.VcpuThread;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds each configured vdev: where it sits (its {@code loc}, else its documented default), what it
 * answers on the bus, which interrupt lines it drives, and which host devices it opens. The only place
 * that knows both the configuration's vdev vocabulary and the device models' constructors.
 */
final class VdevRegistry {
    /** The GIC's distributor and CPU interface where qvm puts an implicit {@code gic}. */
    static final long QNX_GICD = 0x2c001000L;
    static final long QNX_GICC = 0x2c002000L;
    /** GICv3 defaults: the Arm FVP base platform's distributor and redistributor regions. */
    static final long FVP_GICV3_GICD = 0x2f000000L;
    static final long FVP_GICV3_GICR = 0x2f100000L;
    /** 256 shared peripheral interrupts (INTIDs 32-287), as QEMU's virt board has. */
    static final int GIC_SPIS = 256;
    static final int TIMER_PPI_PHYSICAL = 30;
    static final int TIMER_PPI_VIRTUAL = 27;
    static final long PRIMECELL_WINDOW = 0x1000;
    /** Where the Versatile Express motherboard (qvm's usual ARM layout) has its PL031. */
    static final long VEXPRESS_PL031 = 0x1c170000L;

    private VdevRegistry() {
    }

    static void createAll(Assembly a) {
        List<VdevSpec> vdevs = new ArrayList<>(a.spec.vdevs());
        if (a.arch == Arch.AARCH64 && a.spec.vdevs("gic").isEmpty()) {
            vdevs.addFirst(VdevSpec.implicit("gic")); // qvm: the GIC is implicit on ARM
        }
        if (a.arch == Arch.AARCH64) {
            a.onStart.add(p -> psci(a, p));
            // qvm: all ones (the default) starts the guest's counter at 0; 0 shows the host's counter.
            a.spec.setting("counter-offset").map(s -> ((Value.Number) s.value()).value()).filter(o -> o != -1L)
                    .ifPresent(offset -> a.onStart.add(p -> {
                        for (int i = 0; i < a.vcpuCount(); i++) {
                            ((A64Vcpu) p.vm().vcpu(i)).setCounterOffset(offset);
                        }
                    }));
        }
        // Interrupt controllers first, so every other vdev's intr can be resolved as it is built.
        for (VdevSpec v : vdevs) {
            if (v.schema().interruptController()) {
                create(a, v);
            }
        }
        for (VdevSpec v : vdevs) {
            if (!v.schema().interruptController()) {
                create(a, v);
            }
        }
    }

    private static void create(Assembly a, VdevSpec v) {
        String owner = v.type() + v.name().map(n -> " " + n).orElse("");
        a.devices.add(owner + (v.explicit() ? " (" + v.origin() + ")" : " (implicit)"));
        switch (v.type()) {
            case "gic" -> gic(a, v, owner);
            case "pl011" -> pl011(a, v, owner);
            case "pl031" -> pl031(a, v, owner);
            case "wdt-sp805" -> sp805(a, v, owner);
            case "ioapic" -> ioapic(a, v, owner);
            case "8259" -> pic8259(a, v, owner);
            case "timer8254" -> pit(a, v, owner);
            case "ser8250" -> ser8250(a, v, owner);
            case "pckeyboard" -> keyboard(a, v, owner);
            case "acpi-pm" -> acpiPm(a, v, owner);
            case "mc146818" -> rtc(a, v, owner);
            case "hpet" -> hpet(a, v, owner);
            default -> throw new ConfigException(v.origin(), "vdev " + Quote.of(v.type())
                    + " is known but not implemented by jqvm yet");
        }
    }

    // ---- AArch64 -------------------------------------------------------------------------------------

    private static void gic(Assembly a, VdevSpec v, String owner) {
        long version = number(v, "version").orElse(2L);
        int cpus = a.vcpuCount();
        IrqLine[] pins = new IrqLine[cpus];
        for (int i = 0; i < cpus; i++) {
            int cpu = i;
            pins[i] = a.deferredLine(pin -> pin.connect(((A64Vcpu) a.running.vm().vcpu(cpu)).irqPin()));
        }
        String name = v.name().orElse("gic");
        if (version == 2) {
            if (cpus > 8) {
                throw new ConfigException(v.origin(), "gic version 2 serves at most 8 vCPUs, this VM has " + cpus + "; use version 3");
            }
            long gicd = number(v, "gicd").or(() -> memoryLocation(v)).orElse(QNX_GICD);
            long gicc = number(v, "gicc").orElse(QNX_GICC);
            GicV2 gic = new GicV2(GIC_SPIS, pins, VcpuThread::currentIndex);
            a.mapDevice(v, owner + " distributor", Space.MEM, gicd, GicV2.DISTRIBUTOR_SIZE, gic.distributor());
            a.mapDevice(v, owner + " CPU interface", Space.MEM, gicc, GicV2.CPU_INTERFACE_SIZE, gic.cpuInterface());
            a.addController(name, gic, owner, v.origin());
            connectTimers(a, gic::ppi);
            a.board.gic = new Board.Gic(2, gicd, GicV2.DISTRIBUTOR_SIZE, gicc, GicV2.CPU_INTERFACE_SIZE);
        } else {
            long gicd = number(v, "gicd").or(() -> memoryLocation(v)).orElse(FVP_GICV3_GICD);
            long gicr = number(v, "gicr").orElse(FVP_GICV3_GICR);
            GicV3 gic = new GicV3(GIC_SPIS, pins);
            a.mapDevice(v, owner + " distributor", Space.MEM, gicd, GicV3.DISTRIBUTOR_SIZE, gic.distributor());
            a.mapDevice(v, owner + " redistributors", Space.MEM, gicr, gic.redistributorsSize(), gic.redistributors());
            a.addController(name, gic, owner, v.origin());
            connectTimers(a, gic::ppi);
            for (int i = 0; i < cpus; i++) {
                int cpu = i;
                a.onStart.add(p -> ((A64Vcpu) p.vm().vcpu(cpu)).attachSystemRegisters(gic.cpuInterface()));
            }
            a.board.gic = new Board.Gic(3, gicd, GicV3.DISTRIBUTOR_SIZE, gicr, gic.redistributorsSize());
        }
    }

    /** The board firmware: PSCI through HVC, as QEMU provides it when no EL2/EL3 firmware runs. */
    private static void psci(Assembly a, RunningPlatform p) {
        Psci psci = new Psci(a.vcpuCount(), p.runtime(), a.control);
        p.io().setHypercallHandler((vcpu, smc, imm, regs) -> {
            long[] x = {regs.get(0), regs.get(1), regs.get(2), regs.get(3)};
            Psci.Outcome outcome = psci.call(vcpu, x);
            regs.set(0, x[0]);
            // CPU_OFF, and SYSTEM_OFF/SYSTEM_RESET, never return to the caller: its vCPU stops at once
            return outcome == Psci.Outcome.RESUME;
        });
    }

    /** A GIC's per-CPU private interrupt input. */
    private interface PpiSource {
        IrqLine ppi(int cpu, int intid);
    }

    /** Each vCPU's generic-timer outputs go to its own timer PPIs on the GIC. */
    private static void connectTimers(Assembly a, PpiSource gic) {
        for (int i = 0; i < a.vcpuCount(); i++) {
            int cpu = i;
            a.onStart.add(p -> ((A64Vcpu) p.vm().vcpu(cpu)).connectTimers(gic.ppi(cpu, TIMER_PPI_PHYSICAL),
                    gic.ppi(cpu, TIMER_PPI_VIRTUAL)));
        }
    }

    private static void pl011(Assembly a, VdevSpec v, String owner) {
        long base = memoryLocation(v).orElse(0x1c090000L);
        IrqLine irq = interrupts(a, v, owner, "gic:37");
        CharBackend backend = HostDevices.open(a, v);
        Pl011 uart = new Pl011(irq, backend);
        a.mapDevice(v, owner, Space.MEM, base, PRIMECELL_WINDOW, uart);
        a.board.devices.add(new Board.Device(Board.Kind.PL011, base, PRIMECELL_WINDOW, firstIntid(v, 37)));
    }

    private static void pl031(Assembly a, VdevSpec v, String owner) {
        long base = memoryLocation(v).orElse(VEXPRESS_PL031);
        Pl031 rtc = new Pl031(interrupts(a, v, owner, null), DeviceClock.host());
        a.mapDevice(v, owner, Space.MEM, base, PRIMECELL_WINDOW, rtc);
        a.board.devices.add(new Board.Device(Board.Kind.PL031, base, PRIMECELL_WINDOW, firstIntid(v, Board.NOT_WIRED)));
    }

    private static void sp805(Assembly a, VdevSpec v, String owner) {
        long base = memoryLocation(v).orElseThrow();
        List<String> action = v.value("action", Value.Words.class).map(Value.Words::words).orElse(List.of("terminate"));
        Sp805.Action act = action.getLast().equals("fiq") ? Sp805.Action.FIQ
                : action.size() == 2 ? Sp805.Action.DUMP_AND_TERMINATE : Sp805.Action.TERMINATE;
        IrqLine fiq = IrqLine.NONE;
        if (act == Sp805.Action.FIQ) {
            fiq = a.deferredLine(line -> line.connect(((A64Vcpu) a.running.vm().vcpu(0)).fiqPin()));
        }
        long frequency = number(v, "frequency").orElse(Sp805.DEFAULT_FREQUENCY);
        Sp805 wdt = new Sp805(interrupts(a, v, owner, null), a.control, DeviceClock.host(), frequency, act, fiq);
        a.mapDevice(v, owner, Space.MEM, base, PRIMECELL_WINDOW, wdt);
        a.board.devices.add(new Board.Device(Board.Kind.SP805, base, PRIMECELL_WINDOW, firstIntid(v, Board.NOT_WIRED), frequency));
    }

    // ---- x86 ------------------------------------------------------------------------------------------
    // The IOAPIC, the 8259 pair and the 8254 are emulated by the accelerator (KVM's in-kernel irqchip and
    // PIT, as on every KVM VMM): their windows are claimed here so nothing else answers there, and their
    // interrupt lines are the accelerator's global system interrupts, connected when the VM starts.

    static final long IOAPIC_WINDOW = 0x1000;
    static final long LOCAL_APIC_BASE = io.jqvm.boot.acpi.AcpiPlatform.LOCAL_APIC_BASE;
    static final int IOAPIC_PINS = 24;
    static final int PIC_LINES = 8;

    private static void ioapic(Assembly a, VdevSpec v, String owner) {
        long base = memoryLocation(v).orElse(io.jqvm.boot.acpi.AcpiPlatform.DEFAULT_IOAPIC_BASE);
        if (a.x86IoapicBase != 0) {
            throw new ConfigException(v.origin(), "a second ioapic: the in-kernel irqchip emulates exactly one");
        }
        a.mapDevice(v, owner + " (in-kernel)", Space.MEM, base, IOAPIC_WINDOW, null);
        a.claim(new io.jqvm.memory.AddressMap.Claim(Space.MEM, LOCAL_APIC_BASE, 0x1000,
                io.jqvm.memory.AddressMap.Kind.DEVICE, "local APICs (in-kernel)", "implied by " + v.origin()), v.origin());
        a.x86IrqChip = true;
        a.x86IoapicBase = base;
        a.addController(v.name().orElse("ioapic"), ioapicPins(a), owner, v.origin());
    }

    private static void pic8259(Assembly a, VdevSpec v, String owner) {
        long base = ioLocation(v).orElse(0x20L);
        a.mapDevice(v, owner + " (in-kernel)", Space.IO, base, 2, null);
        a.x86IrqChip = true;
        // The secondary 8259 (conventionally at 0xa0) serves ISA IRQs 8-15.
        int firstGsi = base == 0xa0 ? PIC_LINES : 0;
        a.addController(v.name().orElse("8259"), platformLines(a, firstGsi, PIC_LINES), owner, v.origin());
    }

    private static void pit(Assembly a, VdevSpec v, String owner) {
        long base = ioLocation(v).orElse(0x40L);
        a.mapDevice(v, owner + " (in-kernel)", Space.IO, base, 4, null);
        a.x86Pit = true;
        for (Interrupt i : v.interrupts()) {
            // The PIT raises ISA IRQ 0, which the PC routing delivers to 8259 line 0 and IOAPIC pin 2.
            a.interrupt(owner, i, v.origin());
            String controller = i.controller().orElse("");
            boolean ioapic = a.spec.vdevs("ioapic").stream().anyMatch(x -> x.name().orElse("ioapic").equals(controller));
            if (ioapic ? i.line() != 2 : i.line() != 0) {
                throw new ConfigException(v.option("intr").orElseThrow().origin(), "timer8254 intr " + i
                        + ": the PIT raises ISA IRQ 0, which arrives on IOAPIC pin 2 and 8259 line 0; write intr "
                        + (ioapic ? controller + ":2" : controller + ":0"));
            }
        }
    }

    /**
     * The IOAPIC's input pins as lines. The PC routing puts ISA IRQ 0 (GSI 0) on pin 2 and every other GSI on
     * the pin of its number, so pin 2 is driven through GSI 0 and pin 0 is reached by nothing.
     */
    private static io.jqvm.device.InterruptController ioapicPins(Assembly a) {
        IrqLine[] pins = new IrqLine[IOAPIC_PINS];
        for (int pin = 0; pin < IOAPIC_PINS; pin++) {
            int gsi = pin == 2 ? 0 : pin;
            pins[pin] = pin == 0 ? IrqLine.NONE
                    : a.deferredLine(line -> line.connect(a.running.vm().platformInterrupts().line(gsi)));
        }
        return fixedLines(pins);
    }

    private static io.jqvm.device.InterruptController fixedLines(IrqLine[] lines) {
        return new io.jqvm.device.InterruptController() {
            @Override
            public int lineCount() {
                return lines.length;
            }

            @Override
            public IrqLine line(int n) {
                return lines[n];
            }
        };
    }

    /** Lines [first, first+count) of the accelerator's global system interrupts, connected at start. */
    private static io.jqvm.device.InterruptController platformLines(Assembly a, int first, int count) {
        IrqLine[] lines = new IrqLine[count];
        for (int i = 0; i < count; i++) {
            int gsi = first + i;
            lines[i] = a.deferredLine(line -> line.connect(a.running.vm().platformInterrupts().line(gsi)));
        }
        return fixedLines(lines);
    }

    private static void ser8250(Assembly a, VdevSpec v, String owner) {
        long base = ioLocation(v).orElse((long) Uart16550.DEFAULT_IO_BASE);
        IrqLine irq = interrupts(a, v, owner, null);
        Uart16550 uart = new Uart16550(owner + " at io:" + io.jqvm.common.Hex.of(base), irq, HostDevices.open(a, v));
        a.mapDevice(v, owner, Space.IO, base, Uart16550.WINDOW_SIZE, uart);
        a.onStart.add(p -> uart.start());
    }

    private static void keyboard(Assembly a, VdevSpec v, String owner) {
        long data = ioLocation(v).orElse((long) PcKeyboardController.DATA_PORT);
        PcKeyboardController kbc = new PcKeyboardController(interrupts(a, v, owner, null), a.control);
        a.mapDevice(v, owner + " data", Space.IO, data, 1, kbc.dataPort());
        a.mapDevice(v, owner + " command", Space.IO, data + (PcKeyboardController.COMMAND_PORT - PcKeyboardController.DATA_PORT),
                1, kbc.commandPort());
    }

    private static void rtc(Assembly a, VdevSpec v, String owner) {
        long base = ioLocation(v).orElse((long) Mc146818.DEFAULT_IO_BASE);
        final long fourGiB = 1L << 32;
        long below = 0;
        long above = 0;
        for (io.jqvm.memory.GuestRegion r : a.memory.regions()) {
            if (!r.readOnly()) {
                if (Long.compareUnsigned(r.base(), fourGiB) < 0) {
                    below = Math.max(below, Math.min(r.end(), fourGiB));
                }
                if (Long.compareUnsigned(r.end(), fourGiB) > 0) {
                    above += r.end() - Math.max(r.base(), fourGiB);
                }
            }
        }
        DeviceClock clock = DeviceClock.host();
        Mc146818 rtc = new Mc146818(interrupts(a, v, owner, null), java.time.Clock.systemUTC(),
                clock::schedule, below, above);
        for (Value.Pair reg : v.all("reg", Value.Pair.class)) {
            try {
                rtc.preset((int) reg.first(), (int) reg.second());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(v.origin(), "vdev mc146818 reg " + reg.first() + "," + reg.second() + ": " + e.getMessage());
            }
        }
        a.mapDevice(v, owner, Space.IO, base, Mc146818.WINDOW_SIZE, rtc);
    }

    /**
     * The HPET: each {@code intr controller:N} makes IOAPIC input N available to the timers' route
     * registers; legacy replacement drives ISA IRQs 0 and 8 (the PIT's and the RTC's lines).
     */
    private static void hpet(Assembly a, VdevSpec v, String owner) {
        long base = memoryLocation(v).orElse(Hpet.DEFAULT_BASE);
        IrqLine[] routes = new IrqLine[IOAPIC_PINS];
        for (Interrupt i : v.interrupts()) {
            if (i.line() >= IOAPIC_PINS) {
                throw new ConfigException(v.option("intr").orElseThrow().origin(), "hpet intr " + i
                        + ": HPET timers reach IOAPIC inputs 0-" + (IOAPIC_PINS - 1));
            }
            routes[(int) i.line()] = a.interrupt(owner, i, v.option("intr").orElseThrow().origin());
        }
        io.jqvm.device.InterruptController legacy = a.x86IoapicBase != 0 ? ioapicPins(a) : null;
        IrqLine irq0 = legacy != null ? legacy.line(2) : IrqLine.NONE;
        IrqLine irq8 = legacy != null ? legacy.line(8) : IrqLine.NONE;
        long frequency = number(v, "frequency").orElse(Hpet.DEFAULT_FREQUENCY);
        DeviceClock clock = DeviceClock.host();
        Hpet hpet;
        try {
            hpet = new Hpet(Hpet.DEFAULT_TIMERS, frequency, HPET_VENDOR_INTEL, routes, irq0, irq8, System::nanoTime,
                    clock::schedule);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(v.option("frequency").map(o -> o.origin()).orElse(v.origin()), "vdev hpet: " + e.getMessage());
        }
        a.mapDevice(v, owner, Space.MEM, base, Hpet.WINDOW_SIZE, hpet);
        a.hpet = new io.jqvm.boot.acpi.AcpiPlatform.Hpet(base, Hpet.DEFAULT_TIMERS, HPET_VENDOR_INTEL);
    }

    /** The PCI vendor ID the HPET reports, Intel's, as QEMU's does. */
    static final int HPET_VENDOR_INTEL = 0x8086;

    private static void acpiPm(Assembly a, VdevSpec v, String owner) {
        long control = ioLocation(v).orElse((long) AcpiPmBlock.DEFAULT_CONTROL_PORT);
        long base = AcpiPmBlock.windowBaseForControlPort((int) control);
        AcpiPmBlock pm = new AcpiPmBlock(interrupts(a, v, owner, null), a.control);
        a.mapDevice(v, owner, Space.IO, base, AcpiPmBlock.WINDOW_SIZE, pm);
        a.acpiPm = new Assembly.AcpiPmPorts((int) base, (int) control, (int) base + 8);
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    static Optional<Long> number(VdevSpec v, String option) {
        return v.value(option, Value.Number.class).map(Value.Number::value);
    }

    /** The vdev's {@code loc} as a guest-physical address, or empty when it has none. */
    static Optional<Long> memoryLocation(VdevSpec v) {
        return v.location().map(l -> switch (l) {
            case Location.Memory m -> m.address();
            default -> throw new ConfigException(v.option("loc").map(o -> o.origin()).orElse(v.origin()),
                    "vdev " + v.type() + " sits in guest-physical memory; " + Quote.of(l.toString()) + " is not a memory location");
        });
    }

    /** The vdev's {@code loc} as an I/O port, or empty when it has none. */
    static Optional<Long> ioLocation(VdevSpec v) {
        return v.location().map(l -> switch (l) {
            case Location.Io io -> io.port();
            default -> throw new ConfigException(v.option("loc").map(o -> o.origin()).orElse(v.origin()),
                    "vdev " + v.type() + " sits in I/O space; " + Quote.of(l.toString()) + " is not an io: location");
        });
    }

    /**
     * The device's single interrupt output: its first {@code intr}, else {@code defaultIntr} when given and
     * that controller exists, else unconnected.
     */
    static IrqLine interrupts(Assembly a, VdevSpec v, String owner, String defaultIntr) {
        List<Interrupt> intrs = v.interrupts();
        if (!intrs.isEmpty()) {
            Interrupt first = intrs.getFirst();
            return a.interrupt(owner, first, v.option("intr").map(o -> o.origin()).orElse(v.origin()));
        }
        if (defaultIntr != null) {
            String[] parts = defaultIntr.split(":");
            if (a.controllers.containsKey(parts[0])) {
                return a.interrupt(owner, new Interrupt(Optional.of(parts[0]), Long.parseLong(parts[1])), v.origin());
            }
        }
        return IrqLine.NONE;
    }

    /** The GIC INTID of the device's interrupt, as the device tree describes it. */
    static int firstIntid(VdevSpec v, int defaultIntid) {
        List<Interrupt> intrs = v.interrupts();
        return intrs.isEmpty() ? defaultIntid : (int) intrs.getFirst().line();
    }
}
