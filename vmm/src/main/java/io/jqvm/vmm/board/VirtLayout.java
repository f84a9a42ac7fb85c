package io.jqvm.vmm.board;

/**
 * The AArch64 board's address map and interrupt numbers: the only home of their defaults. Two maps share the
 * board: QEMU {@code virt}'s (so images and configurations written for {@code qemu-system-aarch64 -M virt}
 * work unchanged) and the Arm Versatile Express / FVP addresses qvm uses when a vdev has no {@code loc}.
 *
 * <pre>
 *  guest physical          QEMU virt                              qvm defaults (no loc)
 *  0x0000_0000 +---------------------------------+
 *              | flash (not emulated)            |
 *  0x0800_0000 +---------------------------------+
 *              | GIC distributor     64 KiB      |
 *  0x0801_0000 | GICv2 CPU interface 64 KiB      |
 *  0x0802_0000 | GICv2m MSI frame 4 KiB:         |
 *              | SPIs 48-111 (INTIDs 80-143)     |
 *  0x080a_0000 | GICv3 redistributors            |
 *  0x0900_0000 +---------------------------------+
 *              | PL011 UART   SPI 1 (INTID 33)   |
 *  0x0901_0000 | PL031 RTC    SPI 2 (INTID 34)   |
 *  0x0903_0000 | PL061 GPIO   SPI 7 (INTID 39)   |  the power key on line 3 (gpio-keys)
 *  0x0a00_0000 +---------------------------------+
 *              | virtio-mmio: 32 slots x 0x200,  |
 *              | slot n on SPI 16+n (INTID 48+n) |
 *  0x0a00_4000 +---------------------------------+
 *  0x1000_0000 +---------------------------------+
 *              | PCI MMIO window (32-bit BARs)   |  0x1c09_0000 PL011, INTID 37
 *              |                                 |  0x1c0f_0000 SP805 (the language's default loc)
 *              |                                 |  0x1c17_0000 PL031
 *              |                                 |  0x2c00_1000 GICv2 distributor
 *              |                                 |  0x2c00_2000 GICv2 CPU interface
 *              |                                 |  0x2f00_0000 GICv3 distributor
 *              |                                 |  0x2f10_0000 GICv3 redistributors
 *  0x3eff_0000 | PCI I/O window 64 KiB           |
 *  0x3f00_0000 | PCI ECAM 16 MiB (buses 0-15)    |
 *  0x4000_0000 +---------------------------------+
 *              | RAM                             |
 *              +---------------------------------+
 *
 *  0x100_0000_0000 (1 TiB)  shmem vdev n's connection window: 1 GiB at 1 TiB + n GiB (above any RAM QEMU virt allows)
 *
 *  per-CPU interrupts (PPIs): virtual timer INTID 27, non-secure physical timer INTID 30
 *  shared interrupts (SPIs): INTIDs 32-287
 *  PCI INTx: INTA#-INTD# of device d, pin p on SPI 3 + (d + p - 1) mod 4 (INTIDs 35-38), as QEMU virt swizzles
 * </pre>
 */
public final class VirtLayout {
    private VirtLayout() {
    }

    /** QEMU virt's first RAM byte. */
    public static final long RAM_BASE = 0x4000_0000L;

    /** The first shared peripheral interrupt's INTID; an SPI number is INTID - 32. */
    public static final int FIRST_SPI_INTID = 32;
    /** 256 shared peripheral interrupts (INTIDs 32-287), as QEMU's virt board has. */
    public static final int GIC_SPIS = 256;
    /** The generic timer's PPIs, as the architecture recommends and QEMU virt uses. */
    public static final int TIMER_PPI_VIRTUAL = 27;
    public static final int TIMER_PPI_PHYSICAL = 30;

    // QEMU virt
    public static final long VIRT_GIC_DISTRIBUTOR = 0x0800_0000L;
    public static final long VIRT_GIC_CPU_INTERFACE = 0x0801_0000L;
    public static final long VIRT_GIC_REDISTRIBUTORS = 0x080a_0000L;
    public static final long VIRT_PL011 = 0x0900_0000L;
    public static final int VIRT_PL011_INTID = 33;
    public static final long VIRT_PL031 = 0x0901_0000L;
    public static final int VIRT_PL031_INTID = 34;
    public static final long VIRT_PL061 = 0x0903_0000L;
    public static final int VIRT_PL061_INTID = 39;

    /** QEMU virt's virtio-mmio window: slot n at {@code VIRTIO_MMIO_BASE + n * VIRTIO_MMIO_SLOT_SIZE}. */
    public static final long VIRTIO_MMIO_BASE = 0x0a00_0000L;
    /** One virtio-mmio transport's register window (virtio 1.2, 4.2.2: the registers end below 0x200). */
    public static final long VIRTIO_MMIO_SLOT_SIZE = 0x200;
    public static final int VIRTIO_MMIO_SLOTS = 32;
    /** Slot n raises INTID {@code VIRTIO_MMIO_FIRST_INTID + n} (SPI 16 + n). */
    public static final int VIRTIO_MMIO_FIRST_INTID = 48;

    /**
     * QEMU virt's PCI host (the low ECAM of {@code highmem=off}, which every QEMU since 2.x also decodes): the
     * ECAM for buses 0-15, the 32-bit MMIO window and the 64 KiB I/O window (port p at {@code PCIE_IO + p}).
     */
    public static final long PCIE_MMIO = 0x1000_0000L;
    public static final long PCIE_MMIO_SIZE = 0x2eff_0000L;
    public static final long PCIE_IO = 0x3eff_0000L;
    public static final long PCIE_IO_SIZE = 0x1_0000L;
    public static final long PCIE_ECAM = 0x3f00_0000L;
    public static final long PCIE_ECAM_SIZE = 0x100_0000L;
    /** INTA# of device 0 raises this INTID (SPI 3); the four INTx lines are SPIs 3-6. */
    public static final int PCIE_FIRST_INTX_INTID = 35;
    public static final int PCIE_INTX_LINES = 4;
    /** QEMU virt's GICv2m frame beside a GICv2, and the 64 SPIs from SPI 48 (INTID 80) its MSIs raise. */
    public static final long VIRT_GICV2M = 0x0802_0000L;
    public static final int GICV2M_FIRST_INTID = 80;
    public static final int GICV2M_SPIS = 64;

    // qvm's defaults for a vdev without loc (Versatile Express / FVP)
    public static final long QVM_GICV2_DISTRIBUTOR = 0x2c00_1000L;
    public static final long QVM_GICV2_CPU_INTERFACE = 0x2c00_2000L;
    public static final long QVM_GICV3_DISTRIBUTOR = 0x2f00_0000L;
    public static final long QVM_GICV3_REDISTRIBUTORS = 0x2f10_0000L;
    public static final long QVM_PL011 = 0x1c09_0000L;
    /** A pl011 without {@code intr} raises this INTID when a {@code gic} exists, as on qvm. */
    public static final int QVM_PL011_INTID = 37;
    public static final long QVM_PL031 = 0x1c17_0000L;

    /** The GIC INTID of virtio-mmio slot {@code n}'s transport. */
    public static int virtioMmioIntid(int slot) {
        return VIRTIO_MMIO_FIRST_INTID + slot;
    }

    /** The base of virtio-mmio slot {@code n}. */
    public static long virtioMmioBase(int slot) {
        return VIRTIO_MMIO_BASE + slot * VIRTIO_MMIO_SLOT_SIZE;
    }

    /**
     * Where the {@code shmem} vdevs place their connections (a control page, then the region's pages): vdev n
     * gets {@code SHMEM_WINDOWS + n * SHMEM_WINDOW_SIZE}. Above QEMU virt's largest RAM and high PCI windows,
     * within the 44-bit physical range the software CPU reports.
     */
    public static final long SHMEM_WINDOWS = 0x100_0000_0000L;
    public static final long SHMEM_WINDOW_SIZE = 0x4000_0000L;
    public static final int SHMEM_WINDOW_COUNT = 64;
}
