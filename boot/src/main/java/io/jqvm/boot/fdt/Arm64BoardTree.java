package io.jqvm.boot.fdt;

import io.jqvm.common.Mpidr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the device tree of an {@link Arm64Board}, shaped like QEMU's {@code virt} tree (the one the Linux
 * arm64 kernel is most tested with) minus what the board lacks: no flash, fw-cfg, GPIO or PMU.
 *
 * <p>CPU {@code n} has MPIDR affinity Aff1 = n / 16, Aff0 = n mod 16; the vCPUs, PSCI and the GICv3 use the
 * same numbering (see {@code io.jqvm.devices.arm.Mpidr}).
 */
public final class Arm64BoardTree {
    static final int APB_CLOCK_PHANDLE = 0x8000;
    static final int GIC_PHANDLE = 0x8001;
    static final int MSI_FRAME_PHANDLE = 0x8002;
    static final int GPIO_PHANDLE = 0x8004;
    static final long APB_CLOCK_HZ = 24_000_000;
    private static final int GIC_SPI = 0;
    private static final int GIC_PPI = 1;
    private static final int IRQ_EDGE_RISING = 1;
    private static final int IRQ_LEVEL_HIGH = 4;
    private static final int MAX_GICV2_CPUS = 8;

    private Arm64BoardTree() {
    }

    public static Fdt build(Arm64Board board) {
        validate(board);
        FdtNode root = new FdtNode("");
        root.setStrings("compatible", "linux,dummy-virt");
        root.setStrings("model", "jqvm arm64 virtual board");
        root.setCells("#address-cells", 2);
        root.setCells("#size-cells", 2);
        root.setCells("interrupt-parent", GIC_PHANDLE);

        chosen(root.child("chosen"), board);
        for (Arm64Board.Range r : board.ram()) {
            root.child("memory@" + Long.toHexString(r.base()))
                    .setStrings("device_type", "memory")
                    .setLongs("reg", r.base(), r.size());
        }
        cpus(root.child("cpus"), board.cpus());
        root.child("psci")
                .setStrings("compatible", "arm,psci-1.0", "arm,psci-0.2")
                .setStrings("method", "hvc");
        timer(root.child("timer"), board);
        gic(root, board);
        root.child("apb-pclk")
                .setStrings("compatible", "fixed-clock")
                .setCells("#clock-cells", 0)
                .setCells("clock-frequency", (int) APB_CLOCK_HZ)
                .setStrings("clock-output-names", "clk24mhz")
                .setCells("phandle", APB_CLOCK_PHANDLE);
        Map<Long, Integer> functionalClocks = functionalClocks(root, board);
        for (Arm64Board.Peripheral p : board.peripherals()) {
            peripheral(root, p, functionalClocks);
        }
        if (board.pci() != null) {
            pci(root, board.pci(), gicAddressCells(board));
        }
        return new Fdt(root, List.of(), 0);
    }

    private static void validate(Arm64Board board) {
        if (board.ram().isEmpty()) {
            throw new IllegalArgumentException("board has no RAM");
        }
        if (board.cpus() < 1) {
            throw new IllegalArgumentException("board needs at least one CPU, got " + board.cpus());
        }
        if (board.gic() instanceof Arm64Board.GicV2 && board.cpus() > MAX_GICV2_CPUS) {
            throw new IllegalArgumentException("a GICv2 serves at most 8 CPUs; " + board.cpus() + " need a GICv3");
        }
        for (Arm64Board.Peripheral p : board.peripherals()) {
            if (p.spi() < 0 || p.spi() > 987) {
                throw new IllegalArgumentException(unitName(p) + ": SPI " + p.spi() + " is outside 0-987");
            }
            if (p.functionalClockHz() < 0 || p.functionalClockHz() > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException(unitName(p) + ": clock of " + p.functionalClockHz()
                        + " Hz does not fit the 32-bit clock-frequency cell");
            }
        }
    }

    private static void chosen(FdtNode chosen, Arm64Board board) {
        if (board.bootargs() != null) {
            chosen.setStrings("bootargs", board.bootargs());
        }
        if (board.initrd() != null) {
            chosen.setLongs("linux,initrd-start", board.initrd().base());
            chosen.setLongs("linux,initrd-end", board.initrd().end());
        }
        String stdout = board.stdoutPath();
        if (stdout == null) {
            stdout = board.peripherals().stream().filter(p -> p.compatible().contains("arm,pl011"))
                    .findFirst().map(p -> "/" + unitName(p)).orElse(null);
        }
        if (stdout != null) {
            chosen.setStrings("stdout-path", stdout);
        }
        if (board.rngSeed() != null) {
            chosen.set("rng-seed", board.rngSeed());
        }
    }

    private static void cpus(FdtNode cpus, int count) {
        cpus.setCells("#address-cells", 1);
        cpus.setCells("#size-cells", 0);
        for (int c = 0; c < count; c++) {
            long affinity = Mpidr.affinity(c);
            cpus.child("cpu@" + Long.toHexString(affinity))
                    .setStrings("device_type", "cpu")
                    .setStrings("compatible", "arm,armv8")
                    .setCells("reg", (int) affinity)
                    .setStrings("enable-method", "psci");
        }
    }

    private static void timer(FdtNode timer, Arm64Board board) {
        // GICv2 PPI specifiers carry the mask of CPUs the PPI is wired to in bits [15:8].
        int flags = IRQ_LEVEL_HIGH;
        if (board.gic() instanceof Arm64Board.GicV2) {
            flags |= ((1 << board.cpus()) - 1) << 8;
        }
        Arm64Board.TimerPpis t = board.timer();
        timer.setStrings("compatible", "arm,armv8-timer")
                .setCells("interrupts", GIC_PPI, t.securePhysical(), flags, GIC_PPI, t.nonSecurePhysical(), flags,
                        GIC_PPI, t.virtual(), flags, GIC_PPI, t.hypervisor(), flags)
                .setEmpty("always-on");
    }

    private static void gic(FdtNode root, Arm64Board board) {
        FdtNode intc = root.child("intc@" + Long.toHexString(board.gic().distributorBase()));
        switch (board.gic()) {
            case Arm64Board.GicV2 v2 -> intc.setStrings("compatible", "arm,cortex-a15-gic")
                    .setLongs("reg", v2.distributorBase(), 0x1000, v2.cpuInterfaceBase(), 0x2000);
            case Arm64Board.GicV3 v3 -> intc.setStrings("compatible", "arm,gic-v3")
                    .setCells("#redistributor-regions", 1)
                    .setLongs("reg", v3.distributorBase(), 0x10000, v3.redistributorBase(), 0x20000L * board.cpus());
        }
        intc.setCells("#interrupt-cells", 3)
                .setEmpty("interrupt-controller")
                .setCells("#address-cells", gicAddressCells(board))
                .setCells("phandle", GIC_PHANDLE);
        Arm64Board.Range frame = board.pci() == null ? null : board.pci().msiFrame();
        if (frame != null) {
            // The frame is the GIC's child, as on QEMU virt: the GIC node then needs address cells and ranges.
            intc.setCells("#size-cells", 2).setEmpty("ranges");
            intc.child("v2m@" + Long.toHexString(frame.base()))
                    .setStrings("compatible", "arm,gic-v2m-frame")
                    .setEmpty("msi-controller")
                    .setLongs("reg", frame.base(), frame.size())
                    .setCells("phandle", MSI_FRAME_PHANDLE);
        }
    }

    /** The GIC node's address cells: 2 when it has an MSI frame child, else none. */
    private static int gicAddressCells(Arm64Board board) {
        return board.pci() != null && board.pci().msiFrame() != null ? 2 : 0;
    }

    private static final int PCI_SPACE_IO = 0x0100_0000;
    private static final int PCI_SPACE_MEM32 = 0x0200_0000;

    /**
     * The generic ECAM host as QEMU virt describes it: windows in {@code ranges} (PCI address = CPU address for
     * memory; I/O from port 0), {@code interrupt-map} entries per device and pin, MSIs to the GICv2m frame.
     */
    private static void pci(FdtNode root, Arm64Board.PciHost pci, int gicAddressCells) {
        FdtNode node = root.child("pcie@" + Long.toHexString(pci.mmio32().base()));
        node.setStrings("compatible", "pci-host-ecam-generic")
                .setStrings("device_type", "pci")
                .setCells("#address-cells", 3)
                .setCells("#size-cells", 2)
                .setCells("linux,pci-domain", 0)
                .setCells("bus-range", 0, pci.buses() - 1)
                .setEmpty("dma-coherent")
                .setLongs("reg", pci.ecam(), PCI_ECAM_BUS_BYTES * pci.buses());
        Arm64Board.Range io = pci.io();
        Arm64Board.Range mem = pci.mmio32();
        node.setCells("ranges",
                PCI_SPACE_IO, 0, 0, hi(io.base()), lo(io.base()), hi(io.size()), lo(io.size()),
                PCI_SPACE_MEM32, hi(mem.base()), lo(mem.base()), hi(mem.base()), lo(mem.base()), hi(mem.size()), lo(mem.size()));
        List<Integer> map = new ArrayList<>();
        for (Arm64Board.Intx i : pci.intx()) {
            map.addAll(List.of(i.device() << 11, 0, 0, i.pin(), GIC_PHANDLE));
            for (int c = 0; c < gicAddressCells; c++) {
                map.add(0);
            }
            map.addAll(List.of(GIC_SPI, i.spi(), IRQ_LEVEL_HIGH));
        }
        if (!map.isEmpty()) {
            node.setCells("#interrupt-cells", 1)
                    .setCells("interrupt-map-mask", 0xf800, 0, 0, 7)
                    .setCells("interrupt-map", map.stream().mapToInt(Integer::intValue).toArray());
        }
        if (pci.msiFrame() != null) {
            node.setCells("msi-map", 0, MSI_FRAME_PHANDLE, 0, 0x10000);
        }
    }

    private static final long PCI_ECAM_BUS_BYTES = 1L << 20;

    private static int hi(long v) {
        return (int) (v >>> 32);
    }

    private static int lo(long v) {
        return (int) v;
    }

    /** One fixed clock per functional rate other than the APB clock's, keyed by rate. */
    private static Map<Long, Integer> functionalClocks(FdtNode root, Arm64Board board) {
        Map<Long, Integer> phandles = new LinkedHashMap<>();
        for (Arm64Board.Peripheral p : board.peripherals()) {
            long hz = p.functionalClockHz();
            if (hz != 0 && hz != APB_CLOCK_HZ && !phandles.containsKey(hz)) {
                int phandle = APB_CLOCK_PHANDLE + 0x10 + phandles.size();
                phandles.put(hz, phandle);
                root.child("clk-" + hz)
                        .setStrings("compatible", "fixed-clock")
                        .setCells("#clock-cells", 0)
                        .setCells("clock-frequency", (int) hz)
                        .setCells("phandle", phandle);
            }
        }
        return phandles;
    }

    private static String unitName(Arm64Board.Peripheral p) {
        return p.node() + "@" + Long.toHexString(p.base());
    }

    private static void peripheral(FdtNode root, Arm64Board.Peripheral p, Map<Long, Integer> functionalClocks) {
        FdtNode node = root.child(unitName(p));
        node.setStrings("compatible", p.compatible().toArray(String[]::new))
                .setLongs("reg", p.base(), p.size())
                .setCells("interrupts", GIC_SPI, p.spi(), p.edgeTriggered() ? IRQ_EDGE_RISING : IRQ_LEVEL_HIGH);
        if (!p.clockNames().isEmpty()) {
            List<Integer> clocks = new ArrayList<>();
            for (String name : p.clockNames()) {
                long hz = p.functionalClockHz();
                boolean own = !name.equals("apb_pclk") && hz != 0 && hz != APB_CLOCK_HZ;
                clocks.add(own ? functionalClocks.get(hz) : APB_CLOCK_PHANDLE);
            }
            node.setCells("clocks", clocks.stream().mapToInt(Integer::intValue).toArray());
            node.setStrings("clock-names", p.clockNames().toArray(String[]::new));
        }
        if (p.compatible().contains("virtio,mmio")) {
            node.setEmpty("dma-coherent");
        }
        if (p.compatible().contains("arm,pl061")) {
            node.setEmpty("gpio-controller")
                    .setCells("#gpio-cells", 2)
                    .setCells("phandle", GPIO_PHANDLE);
            root.child("gpio-keys")
                    .setStrings("compatible", "gpio-keys")
                    .child("poweroff")
                    .setStrings("label", "GPIO Key Poweroff")
                    .setCells("linux,code", Arm64Board.KEY_POWER)
                    .setCells("gpios", GPIO_PHANDLE, Arm64Board.POWER_KEY_LINE, 0);
        }
    }
}
