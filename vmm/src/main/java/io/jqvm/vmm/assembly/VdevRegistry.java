package io.jqvm.vmm.assembly;

import io.jqvm.accel.aarch64.A64Vcpu;
import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.common.Arch;
import io.jqvm.common.Hex;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.IrqLine;
import io.jqvm.devices.arm.Psci;
import io.jqvm.vmm.board.VirtLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The one registration point for vdev types: every family jqvm can build ({@link #FAMILIES}, one file each)
 * and every type the configuration language knows that jqvm cannot build yet, with the reason
 * ({@link #NOT_IMPLEMENTED}). {@code VdevRegistryTest} holds the two against the language's catalog, so a
 * type without a factory fails a test.
 */
final class VdevRegistry {
    /** The INTID of a device whose interrupt is not connected. */
    static final int NOT_WIRED = -1;

    static final List<VdevFamily> FAMILIES = List.of(new GicVdev(), new Pl011Vdev(), new Pl031Vdev(), new Pl061Vdev(), new Sp805Vdev(),
            new Ib700Vdev(), new PcChipsetVdevs(), new Ser8250Vdev(), new PcKeyboardVdev(), new Mc146818Vdev(),
            new HpetVdev(), new AcpiPmVdev(), new VirtioMmioVdevs(), new PciDummyVdev(), new ShmemVdev());

    /** Types the language knows that jqvm does not build, and why: a configuration using one fails (65). */
    static final Map<String, String> NOT_IMPLEMENTED = Map.ofEntries(
            Map.entry("virtio-input", "it needs QNX Screen's display and input services, which jqvm does not have"),
            Map.entry("smmu", "the virtual SMMU is not implemented yet"),
            Map.entry("progress", "qvm's progress reporting is not documented enough to implement"));

    private static final Map<String, VdevFamily> BY_TYPE = byType();

    private VdevRegistry() {
    }

    private static Map<String, VdevFamily> byType() {
        Map<String, VdevFamily> map = new HashMap<>();
        for (VdevFamily f : FAMILIES) {
            for (String type : f.types()) {
                if (map.put(type, f) != null) {
                    throw new IllegalStateException("two vdev families build " + type);
                }
            }
        }
        return map;
    }

    /** The family that builds {@code type}, or empty. */
    static Optional<VdevFamily> family(String type) {
        return Optional.ofNullable(BY_TYPE.get(type));
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
        a.devices.add(label(v, owner));
        VdevFamily family = BY_TYPE.get(v.type());
        if (family == null) {
            throw new ConfigException(v.origin(), "vdev " + Quote.of(v.type()) + " is known but not implemented by jqvm yet: "
                    + NOT_IMPLEMENTED.getOrDefault(v.type(), "no factory"));
        }
        family.create(a, v, owner);
    }

    /** How a vdev is listed (dryrun, status report): its owner name and where the configuration made it. */
    static String label(VdevSpec v, String owner) {
        return owner + (v.explicit() ? " (" + v.origin() + ")" : " (implicit)");
    }

    /** The vdev's own status for the SIGUSR1 report (qvm's {@code VDEV_CTRL_STATUS}). */
    static void reportStatus(Assembly a, VdevSpec v, String owner, Supplier<String> status) {
        a.vdevStatus.put(label(v, owner), status);
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

    /**
     * Describes a device to an AArch64 guest as a device-tree node on its interrupt; a device without one is
     * left out (a node without interrupts would make its driver wait forever), with a note.
     */
    static void describe(Assembly a, String owner, long base, int intid, IntFunction<Arm64Board.Peripheral> nodeForSpi) {
        if (a.arch != Arch.AARCH64) {
            return;
        }
        if (intid == NOT_WIRED) {
            a.note(owner + " at " + Hex.of(base) + " has no interrupt; the device tree leaves it out");
            return;
        }
        a.board.peripherals.add(nodeForSpi.apply(intid - VirtLayout.FIRST_SPI_INTID));
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
