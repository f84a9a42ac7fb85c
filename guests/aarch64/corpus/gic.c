/* GICv2 driven by polling the CPU interface with IRQs masked at PSTATE, then one interrupt taken through
   the vector table: spurious reads, SGIs to self, priority order, running priority and preemption, PMR
   masking, pending/active bits in the distributor, a disabled SPI made pending by software. */
#include "rt.h"

#define SPI_TEST 40

static void show_state(const char *when, u32 intid)
{
    printf("  %-24s INTID %u pending %u active %u RPR %02x\n", when, (u64)intid, (u64)gic_is_pending(intid),
           (u64)gic_is_active(intid), (u64)(mmio_read32(GICC_BASE + GICC_RPR) & 0xff));
}

static u32 ack(void)
{
    u32 iar = gic_ack();
    printf("  IAR -> %u (source cpu %u)\n", (u64)(iar & 0x3ff), (u64)((iar >> 10) & 7));
    return iar;
}

static void send_sgi(u32 intid)
{
    gic_send_sgi_self(intid);
    DSB(sy);
    ISB();
}

static volatile u32 irqs_handled, last_irq;

static int on_irq(struct exc_frame *frame, unsigned kind)
{
    (void)frame;
    if (kind != EXC_SPX_IRQ)
        return 0;
    u32 iar = gic_ack();
    last_irq = iar & 0x3ff;
    irqs_handled++;
    gic_eoi(iar);
    return 1;
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    gic_init();
    printf("GICD_TYPER lines %u cpus %u\n", (u64)((mmio_read32(GICD_BASE + GICD_TYPER) & 0x1f) + 1) * 32,
           (u64)((mmio_read32(GICD_BASE + GICD_TYPER) >> 5) & 7) + 1);

    puts("nothing pending\n");
    ack();

    puts("SGI 3 to self, priority 0x80\n");
    gic_enable_irq(3, 0x80);
    send_sgi(3);
    show_state("after send", 3);
    printf("  HPPIR %u\n", (u64)(mmio_read32(GICC_BASE + GICC_HPPIR) & 0x3ff));
    u32 iar = ack();
    show_state("after IAR", 3);
    gic_eoi(iar);
    show_state("after EOIR", 3);

    puts("priority order: SGI 5 (0xa0), SGI 7 (0x60), SGI 6 (0x40) sent in that order\n");
    gic_enable_irq(5, 0xa0);
    gic_enable_irq(6, 0x40);
    gic_enable_irq(7, 0x60);
    send_sgi(5);
    send_sgi(7);
    send_sgi(6);
    iar = ack();
    puts("  while 6 is active, lower priorities are not signalled\n");
    ack();
    gic_eoi(iar);
    for (int i = 0; i < 3; i++) {
        iar = ack();
        if ((iar & 0x3ff) != GIC_SPURIOUS)
            gic_eoi(iar);
    }

    puts("preemption: SGI 2 (0x60) active, then SGI 4 (0x40) arrives\n");
    gic_enable_irq(2, 0x60);
    gic_enable_irq(4, 0x40);
    send_sgi(2);
    u32 outer = ack();
    show_state("outer active", 2);
    send_sgi(4);
    u32 inner = ack();
    show_state("inner active", 4);
    gic_eoi(inner);
    show_state("inner EOIed", 4);
    show_state("outer still active", 2);
    gic_eoi(outer);
    show_state("outer EOIed", 2);

    puts("PMR 0x80 masks SGI 5 (0xa0)\n");
    mmio_write32(GICC_BASE + GICC_PMR, 0x80);
    send_sgi(5);
    ack();
    show_state("masked by PMR", 5);
    mmio_write32(GICC_BASE + GICC_PMR, 0xff);
    iar = ack();
    gic_eoi(iar);

    puts("SPI 40 disabled, made pending through ISPENDR\n");
    mmio_write8(GICD_BASE + GICD_IPRIORITYR + SPI_TEST, 0x90);
    mmio_write8(GICD_BASE + GICD_ITARGETSR + SPI_TEST, 1);
    mmio_write32(GICD_BASE + GICD_ISPENDR + (SPI_TEST / 32) * 4, 1u << (SPI_TEST % 32));
    show_state("pending, disabled", SPI_TEST);
    ack();
    gic_enable_irq(SPI_TEST, 0x90);
    iar = ack();
    show_state("acknowledged", SPI_TEST);
    gic_eoi(iar);
    show_state("EOIed", SPI_TEST);
    mmio_write32(GICD_BASE + GICD_ISPENDR + (SPI_TEST / 32) * 4, 1u << (SPI_TEST % 32));
    mmio_write32(GICD_BASE + GICD_ICPENDR + (SPI_TEST / 32) * 4, 1u << (SPI_TEST % 32));
    show_state("set then cleared", SPI_TEST);
    ack();
    gic_disable_irq(SPI_TEST);
    mmio_write32(GICD_BASE + GICD_ISPENDR + (SPI_TEST / 32) * 4, 1u << (SPI_TEST % 32));
    show_state("disabled again, pending", SPI_TEST);
    ack();
    mmio_write32(GICD_BASE + GICD_ICPENDR + (SPI_TEST / 32) * 4, 1u << (SPI_TEST % 32));

    puts("SGI 1 taken as an IRQ exception\n");
    exception_hook = on_irq;
    gic_enable_irq(1, 0x80);
    irq_enable();
    send_sgi(1);
    while (irqs_handled == 0)
        __asm__ volatile("wfi");
    irq_disable();
    printf("  handled %u, INTID %u\n", (u64)irqs_handled, (u64)last_irq);
    ack();
}
