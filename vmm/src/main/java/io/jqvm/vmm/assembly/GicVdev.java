package io.jqvm.vmm.assembly;

import io.jqvm.accel.aarch64.A64Vcpu;
import io.jqvm.config.ConfigException;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.IrqLine;
import io.jqvm.devices.arm.GicV2;
import io.jqvm.devices.arm.GicV3;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.VirtLayout;
import java.util.List;

import static io.jqvm.vmm.assembly.VdevRegistry.memoryLocation;
import static io.jqvm.vmm.assembly.VdevRegistry.number;

/**
 * The ARM GIC, version 2 or 3, where qvm puts it without {@code loc}. Each vCPU's generic-timer outputs go to
 * its own timer PPIs. Described to the guest as the device tree's interrupt controller.
 */
final class GicVdev implements VdevFamily {
    @Override
    public List<String> types() {
        return List.of("gic");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
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
            long gicd = number(v, "gicd").or(() -> memoryLocation(v)).orElse(VirtLayout.QVM_GICV2_DISTRIBUTOR);
            long gicc = number(v, "gicc").orElse(VirtLayout.QVM_GICV2_CPU_INTERFACE);
            GicV2 gic = new GicV2(VirtLayout.GIC_SPIS, pins);
            a.mapDevice(v, owner + " distributor", Space.MEM, gicd, GicV2.DISTRIBUTOR_SIZE, gic.distributor());
            a.mapDevice(v, owner + " CPU interface", Space.MEM, gicc, GicV2.CPU_INTERFACE_SIZE, gic.cpuInterface());
            a.addController(name, gic, owner, v.origin());
            connectTimers(a, gic::ppi);
            a.board.gic = new Board.Gic(2, gicd, GicV2.DISTRIBUTOR_SIZE, gicc, GicV2.CPU_INTERFACE_SIZE, gic);
        } else {
            long gicd = number(v, "gicd").or(() -> memoryLocation(v)).orElse(VirtLayout.QVM_GICV3_DISTRIBUTOR);
            long gicr = number(v, "gicr").orElse(VirtLayout.QVM_GICV3_REDISTRIBUTORS);
            GicV3 gic = new GicV3(VirtLayout.GIC_SPIS, pins);
            a.mapDevice(v, owner + " distributor", Space.MEM, gicd, GicV3.DISTRIBUTOR_SIZE, gic.distributor());
            a.mapDevice(v, owner + " redistributors", Space.MEM, gicr, gic.redistributorsSize(), gic.redistributors());
            a.addController(name, gic, owner, v.origin());
            connectTimers(a, gic::ppi);
            for (int i = 0; i < cpus; i++) {
                int cpu = i;
                a.onStart.add(p -> ((A64Vcpu) p.vm().vcpu(cpu)).attachSystemRegisters(gic.cpuInterface()));
            }
            a.board.gic = new Board.Gic(3, gicd, GicV3.DISTRIBUTOR_SIZE, gicr, gic.redistributorsSize(), gic);
        }
    }

    /** A GIC's per-CPU private interrupt input. */
    private interface PpiSource {
        IrqLine ppi(int cpu, int intid);
    }

    private static void connectTimers(Assembly a, PpiSource gic) {
        for (int i = 0; i < a.vcpuCount(); i++) {
            int cpu = i;
            a.onStart.add(p -> ((A64Vcpu) p.vm().vcpu(cpu)).connectTimers(gic.ppi(cpu, VirtLayout.TIMER_PPI_PHYSICAL),
                    gic.ppi(cpu, VirtLayout.TIMER_PPI_VIRTUAL)));
        }
    }
}
