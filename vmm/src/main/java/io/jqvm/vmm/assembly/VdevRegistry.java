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
import io.jqvm.devices.arm.GicV2;
import io.jqvm.devices.arm.Pl011;
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
    /** GICv2 serves up to 8 CPUs and, here, 96 shared peripheral interrupts (INTIDs 32-127). */
    static final int GIC_SPIS = 96;
    static final int TIMER_PPI_PHYSICAL = 30;
    static final int TIMER_PPI_VIRTUAL = 27;
    static final long PRIMECELL_WINDOW = 0x1000;

    private VdevRegistry() {
    }

    static void createAll(Assembly a) {
        List<VdevSpec> vdevs = new ArrayList<>(a.spec.vdevs());
        if (a.arch == Arch.AARCH64 && a.spec.vdevs("gic").isEmpty()) {
            vdevs.addFirst(VdevSpec.implicit("gic")); // qvm: the GIC is implicit on ARM
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
            default -> throw new ConfigException(v.origin(), "vdev " + Quote.of(v.type())
                    + " is known but not implemented by jqvm yet");
        }
    }

    // ---- AArch64 -------------------------------------------------------------------------------------

    private static void gic(Assembly a, VdevSpec v, String owner) {
        long version = number(v, "version").orElse(2L);
        if (version != 2) {
            throw new ConfigException(v.option("version").orElseThrow().origin(), "gic version 3 is not implemented yet; use version 2");
        }
        long gicd = number(v, "gicd").or(() -> memoryLocation(v)).orElse(QNX_GICD);
        long gicc = number(v, "gicc").orElse(QNX_GICC);
        int cpus = a.vcpuCount();
        IrqLine[] pins = new IrqLine[cpus];
        for (int i = 0; i < cpus; i++) {
            int cpu = i;
            pins[i] = a.deferredLine(pin -> pin.connect(((A64Vcpu) a.running.vm().vcpu(cpu)).irqPin()));
        }
        GicV2 gic = new GicV2(GIC_SPIS, pins, VcpuThread::currentIndex);
        a.mapDevice(v, owner + " distributor", Space.MEM, gicd, GicV2.DISTRIBUTOR_SIZE, gic.distributor());
        a.mapDevice(v, owner + " CPU interface", Space.MEM, gicc, GicV2.CPU_INTERFACE_SIZE, gic.cpuInterface());
        a.addController(v.name().orElse("gic"), gic, owner, v.origin());
        connectTimers(a, gic);
        a.board.gic = new Board.Gic(2, gicd, GicV2.DISTRIBUTOR_SIZE, gicc, GicV2.CPU_INTERFACE_SIZE);
    }

    /** Each vCPU's generic-timer outputs go to its own timer PPIs on the GIC. */
    private static void connectTimers(Assembly a, GicV2 gic) {
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
