package io.jqvm.vmm.board;

import io.jqvm.boot.acpi.AcpiPlatform;

/**
 * The PC board's address map, I/O ports and interrupt routing (what {@code qemu-system-x86_64 -machine pc}
 * presents): the only home of their defaults.
 *
 * <pre>
 *  guest physical                                   I/O ports
 *  0x0000_0000 +------------------------------+     0x020  8259 primary     (ISA IRQ 0-7)
 *              | RAM (below 4 GiB)            |     0x040  8254 PIT         (ISA IRQ 0 -> IOAPIC pin 2)
 *  0x000e_0000 | BIOS area: ACPI tables       |     0x060  keyboard data    (ISA IRQ 1)
 *  0x0010_0000 +------------------------------+     0x064  keyboard command (0xfe: reset)
 *              | RAM                          |     0x070  MC146818 RTC     (ISA IRQ 8)
 *              +------------------------------+     0x0a0  8259 secondary   (ISA IRQ 8-15)
 *  0xa000_0000 | shmem connection windows     |     0x3f8  COM1 16550       (ISA IRQ 4)
 *              | 4 x 64 MiB                   |     0x600  ACPI PM1a event block
 *  0xb000_0000 | PCI ECAM 16 MiB (buses 0-15) |     0x604  ACPI PM1a control (SCI: ISA IRQ 9)
 *  0xc000_0000 | PCI MMIO window (32-bit BARs)|     0x608  ACPI PM timer
 *  0xfeb0_0000 | virtio-mmio: 8 slots x 0x200,|     0xcf8  PCI configuration address
 *              | slot n on IOAPIC pin 16+n    |     0xcfc  PCI configuration data
 *  0xfec0_0000 | IOAPIC (24 pins)             |     0xc000 PCI I/O window (16 KiB)
 *  0xfed0_0000 | HPET                         |
 *  0xfee0_0000 | local APICs                  |
 *              +------------------------------+
 *
 *  PCI INTx: INTA# of device d on IOAPIC pin 20 + d mod 4 (pins 20-23, announced in the DSDT's _PRT)
 * </pre>
 *
 * The virtio-mmio window is QEMU microvm's; Linux finds the transports through
 * {@code virtio_mmio.device=512@0xfeb00000:16} on its command line.
 */
public final class PcLayout {
    private PcLayout() {
    }

    /** Where the PC firmware leaves the ACPI RSDP, to be found by scanning. */
    public static final long BIOS_AREA = 0xe_0000L;
    public static final long BIOS_AREA_END = 0x10_0000L;

    public static final long IOAPIC_BASE = 0xfec0_0000L;
    public static final long IOAPIC_WINDOW = 0x1000;
    public static final int IOAPIC_PINS = 24;
    /** The local APIC window every x86 CPU decodes at reset (an architectural address, not a board choice). */
    public static final long LOCAL_APIC_BASE = AcpiPlatform.LOCAL_APIC_BASE;
    public static final long LOCAL_APIC_WINDOW = 0x1000;
    public static final long HPET_BASE = 0xfed0_0000L;

    public static final int PIC_PRIMARY_PORT = 0x20;
    public static final int PIC_SECONDARY_PORT = 0xa0;
    public static final int PIC_LINES = 8;
    public static final int PIT_PORT = 0x40;
    public static final int PIT_WINDOW = 4;
    /** The PIT raises ISA IRQ 0, which the PC routes to 8259 line 0 and IOAPIC pin 2. */
    public static final int PIT_IOAPIC_PIN = 2;
    public static final int KEYBOARD_DATA_PORT = 0x60;
    public static final int KEYBOARD_COMMAND_PORT = 0x64;
    /** Writing this to the keyboard controller's command port pulses the reset line; the FADT announces it. */
    public static final int KEYBOARD_RESET_VALUE = 0xfe;
    public static final int RTC_PORT = 0x70;
    public static final int COM1_PORT = 0x3f8;

    /** QEMU's PC machines put the PM1a event block, control register and PM timer here. */
    public static final int ACPI_PM1A_EVENT_PORT = 0x600;
    public static final int ACPI_PM1A_CONTROL_PORT = 0x604;
    public static final int ACPI_PM_TIMER_PORT = 0x608;
    /** The ACPI system control interrupt's ISA IRQ. */
    public static final int ACPI_SCI = 9;

    /** QEMU microvm's virtio-mmio window. */
    public static final long VIRTIO_MMIO_BASE = 0xfeb0_0000L;
    public static final long VIRTIO_MMIO_SLOT_SIZE = 0x200;
    public static final int VIRTIO_MMIO_SLOTS = 8;
    /** Slot n raises IOAPIC pin {@code VIRTIO_MMIO_FIRST_PIN + n}: pins 16-23 carry no ISA interrupt. */
    public static final int VIRTIO_MMIO_FIRST_PIN = 16;

    /** Configuration mechanism #1: the address register at 0xCF8, the data window at 0xCFC-0xCFF. */
    public static final int PCI_CONFIG_PORT = 0xcf8;
    public static final int PCI_CONFIG_PORTS = 8;
    /** The ECAM the MCFG table announces: QEMU q35's address, buses 0-15. */
    public static final long PCI_ECAM = 0xb000_0000L;
    public static final long PCI_ECAM_SIZE = 0x100_0000L;
    /** Where the firmware (jqvm, here) places 32-bit memory BARs: up to the virtio-mmio window. */
    public static final long PCI_MMIO = 0xc000_0000L;
    public static final long PCI_MMIO_SIZE = VIRTIO_MMIO_BASE - PCI_MMIO;
    public static final int PCI_IO = 0xc000;
    public static final int PCI_IO_SIZE = 0x4000;
    /** PCI INTx lines: IOAPIC pins 20-23, the upper half of the pins no ISA device uses. */
    public static final int PCI_FIRST_INTX_PIN = 20;
    public static final int PCI_INTX_PINS = 4;
    /**
     * Where the {@code shmem} vdevs place their connections: vdev n gets {@code SHMEM_WINDOWS + n *
     * SHMEM_WINDOW_SIZE}, below 4 GiB (32-bit guests and 4 GiB identity maps reach them) and below the PCI holes.
     */
    public static final long SHMEM_WINDOWS = 0xa000_0000L;
    public static final long SHMEM_WINDOW_SIZE = 0x400_0000L;
    public static final int SHMEM_WINDOW_COUNT = 4;
}
