package io.jqvm.vmm.assembly;

import io.jqvm.boot.acpi.AcpiPlatform;
import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.common.Arch;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.PassInterrupt;
import io.jqvm.config.model.PassLocation;
import io.jqvm.config.model.PassSpec;
import io.jqvm.config.model.ReserveSpec;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.IrqLine;
import io.jqvm.device.MsiController;
import io.jqvm.device.pci.PciBus;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.device.pci.PciFunction;
import io.jqvm.devices.arm.GicV2m;
import io.jqvm.devices.x86.LocalApicMsi;
import io.jqvm.memory.AddressMap;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.PcLayout;
import io.jqvm.vmm.board.VirtLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The VM's PCI host bridge and bus 0, made when the first PCI device is built, with qvm's rules: devices sit on
 * bus 0 at {@code loc pci:0:d[.f]} or, without one, at the lowest free device number (device 0 is the host
 * bridge, as on QEMU; {@code reserve loc pci:0:d} and other vdevs' slots are skipped); every device used has a
 * function 0 ({@code pci-dummy} fills one); INTA# goes to the device's {@code intr}, else to a line chosen as
 * the board swizzles it, passing over {@code reserve intr} lines and lines other vdevs name.
 *
 * <p>arm64: QEMU virt's generic ECAM host ({@link VirtLayout}) described in the device tree, INTx on SPIs 3-6,
 * and MSI (MSI-X for virtio-pci) through a GICv2m frame when the GIC is a GICv2. PC ({@link PcLayout}):
 * configuration mechanism #1 and the same ECAM announced in the MCFG table, INTx on IOAPIC pins announced in
 * the DSDT's {@code _PRT}, and MSI (MSI-X for virtio-pci) to the local APICs ({@link LocalApicMsi}); the
 * firmware's BAR assignment is done here, as SeaBIOS would, because the guest starts without one.
 */
final class PciHost {
    /** Red Hat's "QEMU PCIe host bridge" ID, which QEMU virt's host bridge at 00.0 shows. */
    static final int HOST_BRIDGE_VENDOR = 0x1b36;
    static final int HOST_BRIDGE_DEVICE = 0x0008;
    static final int CLASS_HOST_BRIDGE = 0x06_00_00;
    private static final int INTA = 1;

    final PciBus bus = new PciBus();
    private final Assembly a;
    private final MsiController msi;
    private final Set<Integer> heldSlots = new HashSet<>();
    private final Set<Long> takenLines = new HashSet<>();
    private final Map<Integer, Origin> devicesUsed = new HashMap<>();
    private final List<Arm64Board.Intx> intx = new ArrayList<>();
    private final List<AcpiPlatform.IntxRoute> pcRoutes = new ArrayList<>();
    private final String controllerName;
    /** The configuration line of the first PCI device, which made the host bridge. */
    private final Origin first;
    /** The memory window BARs go in, chosen by {@link #finish} once every other device is placed. */
    private Arm64Board.Range mmio;

    private PciHost(Assembly a, Origin first) {
        this.a = a;
        this.first = first;
        collectHeld(a.spec.vdevs(), a.spec.passes(), a.spec.reserves());
        PciConfigSpace bridge = new PciConfigSpace(HOST_BRIDGE_VENDOR, HOST_BRIDGE_DEVICE, CLASS_HOST_BRIDGE, 0,
                HOST_BRIDGE_VENDOR, 0x1100, 0);
        bus.add(0, 0, new ConfigOnly(bridge));
        devicesUsed.put(0, first);
        String owner = "PCI host bridge";
        if (a.arch == Arch.AARCH64) {
            a.mapDevice(first, owner + " ECAM", Space.MEM, VirtLayout.PCIE_ECAM, VirtLayout.PCIE_ECAM_SIZE, bus.ecam());
            a.mapDevice(first, owner + " I/O window", Space.MEM, VirtLayout.PCIE_IO, VirtLayout.PCIE_IO_SIZE, bus.ioWindow(0));
            Board.Gic gic = a.board.gic;
            controllerName = a.controllers.entrySet().stream().filter(e -> e.getValue().controller() == gic.controller())
                    .map(Map.Entry::getKey).findFirst().orElse("gic");
            if (gic.version() == 2) {
                GicV2m frame = new GicV2m(VirtLayout.VIRT_GICV2M, gic.controller(), VirtLayout.GICV2M_FIRST_INTID,
                        VirtLayout.GICV2M_SPIS);
                a.mapDevice(first, "GICv2m MSI frame", Space.MEM, VirtLayout.VIRT_GICV2M, GicV2m.FRAME_SIZE, frame);
                msi = frame;
            } else {
                msi = null;
                a.note("PCI: no MSI (the GICv3 has no ITS), PCI devices interrupt through INTx");
            }
        } else {
            a.mapDevice(first, owner + " configuration ports", Space.IO, PcLayout.PCI_CONFIG_PORT, PcLayout.PCI_CONFIG_PORTS,
                    bus.configPorts());
            a.mapDevice(first, owner + " ECAM", Space.MEM, PcLayout.PCI_ECAM, PcLayout.PCI_ECAM_SIZE, bus.ecam());
            a.mapDevice(first, owner + " I/O window", Space.IO, PcLayout.PCI_IO, PcLayout.PCI_IO_SIZE,
                    bus.ioWindow(PcLayout.PCI_IO));
            controllerName = "ioapic";
            msi = a.x86IrqChip ? pcMsi(a) : null;
            if (msi == null) {
                a.note("PCI: no MSI (without vdev ioapic or 8259 the accelerator emulates no local APICs)");
            }
        }
    }

    /**
     * MSI on the PC: messages to the local APICs, which the accelerator emulates (KVM's in-kernel irqchip) and
     * reaches once the VM runs; INTx on the IOAPIC stays every function's fallback.
     */
    private static MsiController pcMsi(Assembly a) {
        return new LocalApicMsi(() -> a.running.vm().platformInterrupts() instanceof MsiController apics ? apics : null);
    }

    /** The VM's host bridge, made for {@code v} when it is the first PCI device. */
    static PciHost of(Assembly a, VdevSpec v) {
        return of(a, v.origin());
    }

    /** The VM's host bridge, made for the device configured at {@code origin} when it is the first PCI device. */
    static PciHost of(Assembly a, Origin origin) {
        if (a.pci == null) {
            a.pci = new PciHost(a, origin);
        }
        return a.pci;
    }

    /** Whether {@code v} goes on PCI: no {@code loc}, or a {@code pci:} one. */
    static boolean wants(VdevSpec v) {
        return v.location().isEmpty() || v.location().get() instanceof Location.PciSlot;
    }

    /** The board's MSI controller, or null when PCI devices have only INTx. */
    MsiController msi() {
        return msi;
    }

    /** Slots and lines no automatic choice may take: other vdevs' explicit ones, pass-through slots, reserves. */
    private void collectHeld(List<VdevSpec> vdevs, List<PassSpec> passes, List<ReserveSpec> reserves) {
        for (VdevSpec v : vdevs) {
            v.location().filter(l -> l instanceof Location.PciSlot).ifPresent(l -> heldSlots.add(((Location.PciSlot) l).device()));
            for (Interrupt i : v.interrupts()) {
                takenLines.add(i.line());
            }
        }
        for (PassSpec p : passes) {
            for (PassLocation l : p.locations()) {
                if (l.guest() instanceof Location.PciSlot s) {
                    heldSlots.add(s.device());
                }
            }
            for (PassInterrupt i : p.interrupts()) {
                takenLines.add(i.guest().line());
            }
        }
        for (ReserveSpec r : reserves) {
            for (ReserveSpec.Range range : r.locations()) {
                if (range.location() instanceof Location.PciSlot s) {
                    heldSlots.add(s.device());
                }
            }
            for (Interrupt i : r.interrupts()) {
                takenLines.add(i.line());
            }
        }
    }

    /**
     * Puts the function {@code make} builds on the bus for vdev {@code v}, wiring its INTA# and describing it.
     *
     * @return where it went, for the report
     */
    String add(VdevSpec v, String owner, Function<IrqLine, PciFunction> make) {
        return addNumbered(v, owner, (line, number) -> make.apply(line));
    }

    /** What makes a function that also tells its guest the number of its INTx line (shmem's {@code vector}). */
    @FunctionalInterface
    interface NumberedIntx {
        PciFunction make(IrqLine line, int number);
    }

    /** Like {@link #add}, for a function that reports its INTA# line's number (the controller's, as {@code intr} names it). */
    String addNumbered(VdevSpec v, String owner, NumberedIntx make) {
        int[] slot = slot(v);
        Interrupt intr = intxLine(v, slot[0]);
        IrqLine line = intx(v, owner, slot[0], intr);
        return put(slot, make.make(line, (int) intr.line()));
    }

    /** Puts a function without an interrupt (INTx pin 0) on the bus for vdev {@code v}. */
    String addWithoutInterrupt(VdevSpec v, PciFunction function) {
        return put(slot(v), function);
    }

    /** A function that is no vdev, placed: where it went (for the report) and its INTA# line, if it has one. */
    record Placed(String where, Interrupt intx, IrqLine line) {
    }

    /**
     * Puts a host device passed through ({@code pass loc pci:}) on the bus: at {@code slot} (bus 0), or function 0 of
     * the lowest free device when null; its INTA#, when {@code pin}, on the line the board's swizzle picks.
     */
    Placed addPassThrough(Origin origin, Location.PciSlot slot, String owner, boolean pin, Function<IrqLine, PciFunction> make) {
        int device = slot == null ? freeDevice(origin, owner) : slot.device();
        int function = slot == null ? 0 : slot.function().orElse(0);
        if (slot != null && (slot.bus() != 0 || device == 0 || bus.occupied(device, function))) {
            throw new ConfigException(origin, owner + ": " + Quote.of(slot.toString()) + (slot.bus() != 0
                    ? ": PCI devices sit on bus 0 (qvm's rule)" : device == 0 ? ": device 0 is the host bridge" : " is taken"));
        }
        devicesUsed.putIfAbsent(device, origin);
        Interrupt intr = pin ? new Interrupt(Optional.of(controllerName), autoLine(origin, owner, device)) : null;
        IrqLine line = pin ? wireIntx(owner, intr, origin, device) : null;
        return new Placed(put(new int[] {device, function}, make.apply(line)), intr, line);
    }

    private String put(int[] slot, PciFunction f) {
        bus.add(slot[0], slot[1], f);
        PciConfigSpace c = f.config();
        return String.format("pci:0:%d.%d (%04x:%04x)", slot[0], slot[1], c.get(PciConfigSpace.VENDOR_ID, 2),
                c.get(PciConfigSpace.DEVICE_ID, 2));
    }

    /** The vdev's device and function: its {@code loc pci:0:d[.f]}, else function 0 of the lowest free device. */
    private int[] slot(VdevSpec v) {
        Origin locOrigin = v.option("loc").map(o -> o.origin()).orElse(v.origin());
        if (v.location().isEmpty()) {
            int device = freeDevice(v.origin(), "vdev " + v.type());
            devicesUsed.put(device, v.origin());
            return new int[] {device, 0};
        }
        if (!(v.location().get() instanceof Location.PciSlot slot)) {
            throw new ConfigException(locOrigin, "vdev " + v.type() + " is a PCI function; " + Quote.of(v.location().get().toString())
                    + " is not a PCI location (write pci:0:dev[.func])");
        }
        if (slot.bus() != 0) {
            throw new ConfigException(locOrigin, "vdev " + v.type() + " loc " + Quote.of(slot.toString())
                    + ": PCI devices sit on bus 0 (qvm's rule)");
        }
        int device = slot.device();
        int function = slot.function().orElse(0);
        if (device == 0) {
            throw new ConfigException(locOrigin, "vdev " + v.type() + " loc " + Quote.of(slot.toString()) + ": device 0 is the host bridge");
        }
        if (bus.occupied(device, function)) {
            throw new ConfigException(locOrigin, "vdev " + v.type() + " loc " + Quote.of(slot.toString()) + " is taken");
        }
        devicesUsed.putIfAbsent(device, v.origin());
        return new int[] {device, function};
    }

    private int freeDevice(Origin origin, String what) {
        for (int d = 1; d < PciBus.DEVICES; d++) {
            if (!bus.occupied(d, 0) && !heldSlots.contains(d) && !devicesUsed.containsKey(d)) {
                return d;
            }
        }
        throw new ConfigException(origin, what + ": no free PCI device number on bus 0 (1-31 are used or reserved)");
    }

    /** Wires INTA# of {@code device} to {@code intr} and records the route for the device tree or the _PRT. */
    private IrqLine intx(VdevSpec v, String owner, int device, Interrupt intr) {
        Origin at = v.option("intr").map(o -> o.origin()).orElse(v.origin());
        return wireIntx(owner, intr, at, device);
    }

    /** Connects INTA# of {@code device} to {@code intr} and records the route for the device tree or ACPI. */
    private IrqLine wireIntx(String owner, Interrupt intr, Origin at, int device) {
        IrqLine line = a.interrupt(owner + " INTA#", intr, at);
        if (a.arch == Arch.AARCH64) {
            intx.add(new Arm64Board.Intx(device, INTA, (int) intr.line() - VirtLayout.FIRST_SPI_INTID));
        } else {
            pcRoutes.add(new AcpiPlatform.IntxRoute(device, INTA, (int) intr.line()));
        }
        return line;
    }

    /** The line INTA# of {@code device} goes to: the vdev's {@code intr}, else the board's swizzle's choice. */
    private Interrupt intxLine(VdevSpec v, int device) {
        return v.interrupts().isEmpty()
                ? new Interrupt(Optional.of(controllerName), autoLine(v.origin(), "vdev " + v.type(), device))
                : v.interrupts().getFirst();
    }

    private long autoLine(Origin origin, String what, int device) {
        int first = a.arch == Arch.AARCH64 ? VirtLayout.PCIE_FIRST_INTX_INTID : PcLayout.PCI_FIRST_INTX_PIN;
        int count = a.arch == Arch.AARCH64 ? VirtLayout.PCIE_INTX_LINES : PcLayout.PCI_INTX_PINS;
        for (int i = 0; i < count; i++) {
            long line = first + (device + INTA - 1 + i) % count;
            if (!takenLines.contains(line)) {
                return line;
            }
        }
        throw new ConfigException(origin, what + ": every PCI INTx line (" + controllerName + ":" + first
                + "-" + (first + count - 1) + ") is reserved or used; give intr");
    }

    /**
     * Once every vdev is built: the memory window takes the largest part of the board's window no device
     * claimed (qvm's default addresses for the GIC and UARTs lie inside QEMU virt's PCI window), and qvm's rule
     * that a device with functions has a function 0 is checked.
     */
    void finish() {
        long windowBase = a.arch == Arch.AARCH64 ? VirtLayout.PCIE_MMIO : PcLayout.PCI_MMIO;
        long windowSize = a.arch == Arch.AARCH64 ? VirtLayout.PCIE_MMIO_SIZE : PcLayout.PCI_MMIO_SIZE;
        mmio = largestFreePart(windowBase, windowSize);
        if (mmio == null) {
            throw new ConfigException(first, "no room for PCI BARs: devices fill the PCI memory window "
                    + Assembly.describeWindow(windowBase, windowSize));
        }
        a.mapDevice(first, "PCI host bridge MMIO window", Space.MEM, mmio.base(), mmio.size(), bus.memoryWindow(mmio.base()));
        if (a.arch != Arch.AARCH64) {
            assignBars(first);
        }
        for (Map.Entry<Integer, Origin> e : devicesUsed.entrySet()) {
            if (!bus.occupied(e.getKey(), 0)) {
                throw new ConfigException(e.getValue(), "PCI device 0:" + e.getKey() + " has no function 0; add "
                        + "'vdev pci-dummy loc pci:0:" + e.getKey() + ".0' (qvm's rule: function 0 must exist)");
            }
        }
    }

    /** The device-tree description (arm64). */
    Arm64Board.PciHost deviceTreeNode() {
        return new Arm64Board.PciHost(VirtLayout.PCIE_ECAM, (int) (VirtLayout.PCIE_ECAM_SIZE / PciBus.ECAM_BYTES_PER_BUS),
                mmio,
                new Arm64Board.Range(VirtLayout.PCIE_IO, VirtLayout.PCIE_IO_SIZE), intx,
                msi == null ? null : new Arm64Board.Range(VirtLayout.VIRT_GICV2M, GicV2m.FRAME_SIZE));
    }

    /** The largest stretch of [base, base + size) no claim covers, in 64 KiB granules; null if none. */
    private Arm64Board.Range largestFreePart(long base, long size) {
        long end = base + size;
        long cursor = base;
        Arm64Board.Range best = null;
        List<AddressMap.Claim> claims = a.map.claims().stream().filter(c -> c.space() == Space.MEM)
                .sorted(java.util.Comparator.comparingLong(AddressMap.Claim::base)).toList();
        for (int i = 0; i <= claims.size(); i++) {
            long gapEnd = i < claims.size() ? Math.min(claims.get(i).base(), end) : end;
            long from = (cursor + GRANULE - 1) & -GRANULE;
            long to = gapEnd & -GRANULE;
            if (to > from && (best == null || to - from > best.size())) {
                best = new Arm64Board.Range(from, to - from);
            }
            if (i < claims.size()) {
                cursor = Math.max(cursor, claims.get(i).end());
            }
        }
        return best;
    }

    private static final long GRANULE = 0x1_0000; // 64 KiB: QEMU virt's window ends on one

    /** The PC's ECAM and INTx routes, for the MCFG table and the DSDT's _PRT. */
    AcpiPlatform.PciHost acpi() {
        return new AcpiPlatform.PciHost(PcLayout.PCI_ECAM, (int) (PcLayout.PCI_ECAM_SIZE / PciBus.ECAM_BYTES_PER_BUS), pcRoutes);
    }

    /**
     * The PC firmware's part, which no firmware runs to do: every BAR placed (naturally aligned, in slot order)
     * in the memory or I/O window, decoding enabled, and the interrupt line register set to the INTx GSI, as
     * SeaBIOS leaves them for the guest.
     */
    private void assignBars(Origin at) {
        long memory = mmio.base();
        long io = PcLayout.PCI_IO;
        for (int d = 1; d < PciBus.DEVICES; d++) {
            for (int fn = 0; fn < PciBus.FUNCTIONS; fn++) {
                PciFunction f = bus.function(d, fn);
                if (f == null) {
                    continue;
                }
                int devfn = d * PciBus.FUNCTIONS + fn;
                int command = 0;
                for (int b = 0; b < PciConfigSpace.BARS; b++) {
                    PciConfigSpace.Bar bar = f.config().bar(b);
                    if (bar == null) {
                        continue;
                    }
                    boolean isIo = bar.kind() == PciConfigSpace.BarKind.IO;
                    long place = ((isIo ? io : memory) + bar.size() - 1) & -bar.size();
                    long limit = isIo ? PcLayout.PCI_IO + PcLayout.PCI_IO_SIZE : mmio.base() + mmio.size();
                    if (place + bar.size() > limit) {
                        throw new ConfigException(at, "the PCI " + (isIo ? "I/O" : "memory") + " window is too small "
                                + "for the BARs of the configured devices");
                    }
                    bus.writeConfig(0, devfn, PciConfigSpace.BAR0 + 4 * b, 4, place);
                    if (bar.kind() == PciConfigSpace.BarKind.MEMORY64) {
                        bus.writeConfig(0, devfn, PciConfigSpace.BAR0 + 4 * b + 4, 4, place >>> 32);
                    }
                    if (isIo) {
                        io = place + bar.size();
                        command |= PciConfigSpace.COMMAND_IO;
                    } else {
                        memory = place + bar.size();
                        command |= PciConfigSpace.COMMAND_MEMORY;
                    }
                }
                for (AcpiPlatform.IntxRoute r : pcRoutes) {
                    if (r.device() == d) {
                        bus.writeConfig(0, devfn, PciConfigSpace.INTERRUPT_LINE, 1, r.gsi());
                    }
                }
                bus.writeConfig(0, devfn, PciConfigSpace.COMMAND, 2, command);
            }
        }
    }

    /** A function that is its configuration space only (the host bridge, {@code pci-dummy}): no BARs. */
    record ConfigOnly(PciConfigSpace config) implements PciFunction {
        @Override
        public long readBar(int vcpu, int bar, long offset, int size) {
            return 0;
        }

        @Override
        public void writeBar(int vcpu, int bar, long offset, int size, long value) {
        }
    }
}
