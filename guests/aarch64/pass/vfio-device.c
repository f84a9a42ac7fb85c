/* Drives a host PCI device passed through with VFIO (pass loc pci:) the way a driver does: finds it on bus 0
   through ECAM, places its BARs in the PCI memory window, turns memory decode and bus mastering on, reads its
   ID register in BAR 0 (mapped into guest memory, no exit), programs MSI-X vector 0 with the GICv2m doorbell
   and enables MSI-X; then, each round, rings the device's doorbell and waits for its MSI-X interrupt. The
   device is the simulated one behind the fake VFIO kernel of the vmm tests (FakeVfioKernel): 8086:10d3, a
   4 KiB register BAR 0, a 16 KiB 64-bit BAR 2 holding the MSI-X table at 0; the test thread that plays its
   host side answers each doorbell with a result and vector 0. */
#include "rt.h"

#define ECAM 0x3f000000UL        /* QEMU virt's PCIe ECAM */
#define WINDOW 0x10000000UL      /* the start of QEMU virt's 32-bit PCI memory window */
#define BAR0 WINDOW
#define BAR2 (WINDOW + 0x10000UL)
#define MSI_DOORBELL 0x08020040UL /* the GICv2m frame's MSI_SETSPI_NS */
#define MSI_SPI 81                /* the frame's second SPI */
#define DEVICE_IDS 0x10d38086u
#define REG_ID 0x0
#define REG_DOORBELL 0x4
#define REG_RESULT 0x8
#define GICD_ICFGR 0xc00
#define ROUNDS 3

static volatile u32 interrupts, others;

static int on_exception(struct exc_frame *f, unsigned kind)
{
    (void)f;
    if (kind != EXC_SPX_IRQ)
        return 0;
    u32 iar = gic_ack();
    if ((iar & 0x3ff) == MSI_SPI)
        interrupts++;
    else if ((iar & 0x3ff) != GIC_SPURIOUS)
        others++;
    if ((iar & 0x3ff) != GIC_SPURIOUS)
        gic_eoi(iar);
    return 1;
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    exception_hook = on_exception;
    u64 cfg = 0;
    for (u64 dev = 1; dev < 32 && !cfg; dev++)
        if (mmio_read32(ECAM + (dev << 15)) == DEVICE_IDS)
            cfg = ECAM + (dev << 15);
    if (!cfg) {
        puts("FAIL no device 8086:10d3 on bus 0\n");
        system_off();
    }
    printf("device at 00:%x.0\n", (cfg - ECAM) >> 15);
    mmio_write32(cfg + 0x10, BAR0);
    mmio_write32(cfg + 0x18, BAR2);
    mmio_write32(cfg + 0x1c, 0);
    mmio_write32(cfg + 0x04, 0x6); /* memory decode, bus master */
    printf("id %x\n", (u64)mmio_read32(BAR0 + REG_ID));

    u32 cap = mmio_read32(cfg + 0x34) & 0xff;
    u32 header = mmio_read32(cfg + cap);
    u32 table = mmio_read32(cfg + cap + 4);
    printf("capability %x: id %x, vectors %u, table in BAR %u at %x\n", (u64)cap, (u64)(header & 0xff),
           (u64)(((header >> 16) & 0x7ff) + 1), (u64)(table & 7), (u64)(table & ~7u));

    gic_init();
    u64 icfgr = GICD_BASE + GICD_ICFGR + (MSI_SPI / 16) * 4;
    mmio_write32(icfgr, mmio_read32(icfgr) | 2u << (2 * (MSI_SPI % 16))); /* edge-triggered, as Linux's v2m */
    gic_enable_irq(MSI_SPI, 0x80);
    mmio_write32(BAR2 + 0, (u32)MSI_DOORBELL);
    mmio_write32(BAR2 + 4, 0);
    mmio_write32(BAR2 + 8, MSI_SPI);
    mmio_write32(BAR2 + 12, 0); /* unmasked */
    mmio_write32(cfg + cap, (header & 0xffff) | 0x8000u << 16); /* MSI-X enable */
    irq_enable();

    for (u32 round = 1; round <= ROUNDS; round++) {
        u32 before = interrupts;
        mmio_write32(BAR0 + REG_DOORBELL, round);
        while (interrupts == before)
            __asm__ volatile("wfi");
        printf("round %u: interrupts %u, result %x\n", (u64)round, (u64)(interrupts - before),
               (u64)mmio_read32(BAR0 + REG_RESULT));
    }
    printf("others %u\n", (u64)others);
    puts("PASS vfio-device\n");
}
