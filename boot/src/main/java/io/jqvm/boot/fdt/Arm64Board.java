package io.jqvm.boot.fdt;

import java.util.List;

/**
 * What the device tree of an arm64 board describes: RAM, CPUs, the GIC, the generic timer's PPIs, the
 * memory-mapped peripherals and the kernel's {@code /chosen} parameters. Plain data; {@link Arm64BoardTree}
 * turns it into a tree.
 *
 * @param initrd the initrd's guest-physical range, or null without one
 * @param stdoutPath the console node's path, or null for the first PL011
 * @param rngSeed bytes for {@code /chosen/rng-seed}, which Linux credits as entropy so its random pool is
 *     ready at once instead of after a slow jitter collection; null for none
 * @param pci the PCI host bridge, or null when the board has no PCI
 */
public record Arm64Board(List<Range> ram, int cpus, Gic gic, TimerPpis timer, List<Peripheral> peripherals,
        String bootargs, Range initrd, String stdoutPath, byte[] rngSeed, PciHost pci) {

    public Arm64Board {
        ram = List.copyOf(ram);
        peripherals = List.copyOf(peripherals);
        rngSeed = rngSeed == null ? null : rngSeed.clone();
    }

    /** A board without PCI. */
    public Arm64Board(List<Range> ram, int cpus, Gic gic, TimerPpis timer, List<Peripheral> peripherals,
            String bootargs, Range initrd, String stdoutPath, byte[] rngSeed) {
        this(ram, cpus, gic, timer, peripherals, bootargs, initrd, stdoutPath, rngSeed, null);
    }

    /** A board without an rng-seed. */
    public Arm64Board(List<Range> ram, int cpus, Gic gic, TimerPpis timer, List<Peripheral> peripherals,
            String bootargs, Range initrd, String stdoutPath) {
        this(ram, cpus, gic, timer, peripherals, bootargs, initrd, stdoutPath, null, null);
    }

    @Override
    public byte[] rngSeed() {
        return rngSeed == null ? null : rngSeed.clone();
    }

    /** A guest-physical range. */
    public record Range(long base, long size) {
        public long end() {
            return base + size;
        }
    }

    /** The interrupt controller's layout. */
    public sealed interface Gic permits GicV2, GicV3 {
        long distributorBase();
    }

    /** GICv2: 4 KiB distributor, 8 KiB CPU interface. */
    public record GicV2(long distributorBase, long cpuInterfaceBase) implements Gic {
    }

    /** GICv3: 64 KiB distributor, one 128 KiB redistributor per CPU from {@code redistributorBase}. */
    public record GicV3(long distributorBase, long redistributorBase) implements Gic {
    }

    /** The generic timer's PPI numbers (INTID - 16), in the binding's order. */
    public record TimerPpis(int securePhysical, int nonSecurePhysical, int virtual, int hypervisor) {
        /** The architecture's recommended PPIs, as on QEMU virt: INTIDs 29, 30, 27, 26. */
        public static final TimerPpis STANDARD = new TimerPpis(13, 14, 11, 10);
    }

    /** The PL061 line QEMU virt wires its power button to. */
    public static final int POWER_KEY_LINE = 3;
    /** Linux's KEY_POWER (include/uapi/linux/input-event-codes.h), the power key's {@code linux,code}. */
    public static final int KEY_POWER = 116;

    /**
     * A memory-mapped peripheral on an interrupt of the GIC.
     *
     * @param node the node name before the unit address ({@code pl011} gives {@code pl011@9000000})
     * @param spi the SPI number (INTID - 32)
     * @param clockNames the names of its {@code clocks} (AMBA PrimeCells need {@code apb_pclk} to probe)
     * @param functionalClockHz the rate of the clocks other than {@code apb_pclk}; 0 means the APB clock's
     */
    public record Peripheral(String node, List<String> compatible, long base, long size, int spi, boolean edgeTriggered,
            List<String> clockNames, long functionalClockHz) {

        public Peripheral {
            compatible = List.copyOf(compatible);
            clockNames = List.copyOf(clockNames);
        }

        public static Peripheral pl011(long base, int spi) {
            return new Peripheral("pl011", List.of("arm,pl011", "arm,primecell"), base, 0x1000, spi, false,
                    List.of("uartclk", "apb_pclk"), 0);
        }

        public static Peripheral pl031(long base, int spi) {
            return new Peripheral("pl031", List.of("arm,pl031", "arm,primecell"), base, 0x1000, spi, false,
                    List.of("apb_pclk"), 0);
        }

        /**
         * The PL061 GPIO controller, with QEMU virt's {@code gpio-keys} power key on line {@link #POWER_KEY_LINE}:
         * Linux's gpio-keys driver reports KEY_POWER from it, which acpid or systemd-logind turn into a poweroff.
         */
        public static Peripheral pl061(long base, int spi) {
            return new Peripheral("pl061", List.of("arm,pl061", "arm,primecell"), base, 0x1000, spi, false,
                    List.of("apb_pclk"), 0);
        }

        /** The SP805 driver takes its counting rate from the first clock, so it gets one of {@code frequencyHz}. */
        public static Peripheral sp805(long base, int spi, long frequencyHz) {
            return new Peripheral("watchdog", List.of("arm,sp805", "arm,primecell"), base, 0x1000, spi, false,
                    List.of("wdog_clk", "apb_pclk"), frequencyHz);
        }

        /**
         * qvm's shared-memory factory page, which Linux drivers for QNX's {@code guest_shm.h} match by
         * {@code qvm,guest_shm}: one page, a level interrupt (it stays raised until the guest reads the status).
         */
        public static Peripheral guestShm(long base, int spi) {
            return new Peripheral("shmem", List.of("qvm,guest_shm"), base, 0x1000, spi, false, List.of(), 0);
        }

        /** A virtio-mmio transport: 0x200 bytes, edge-triggered as on QEMU virt. */
        public static Peripheral virtioMmio(long base, int spi) {
            return new Peripheral("virtio_mmio", List.of("virtio,mmio"), base, 0x200, spi, true, List.of(), 0);
        }
    }

    /**
     * A generic ECAM PCI host bridge ({@code pci-host-ecam-generic}) with its windows.
     *
     * @param buses the ECAM decodes buses 0 to buses - 1 (1 MiB each)
     * @param io the I/O window in CPU space; PCI port 0 is at its base
     * @param intx where each device's INTx pins go
     * @param msiFrame the GICv2m frame MSIs go to (a child of the GIC node), or null without MSI
     */
    public record PciHost(long ecam, int buses, Range mmio32, Range io, List<Intx> intx, Range msiFrame) {
        public PciHost {
            intx = List.copyOf(intx);
        }
    }

    /** INTx pin {@code pin} (1-4 for INTA#-INTD#) of PCI device {@code device} on bus 0 raises SPI {@code spi}. */
    public record Intx(int device, int pin, int spi) {
    }
}
