/* The board's PrimeCell devices as a guest probes them: PL011 UART and PL031 RTC identification
   registers (what Linux's AMBA bus matches drivers against), the UART's flag and control registers and
   its transmit interrupt, and the RTC's load/data/match registers and match interrupt through the GIC.
   No clock values are printed, only differences and flags. */
#include "rt.h"

#define UART_BASE 0x09000000UL
#define RTC_BASE 0x09010000UL
#define UART_SPI_INTID 33
#define RTC_SPI_INTID 34

#define UART_DR 0x000
#define UART_FR 0x018
#define UART_IBRD 0x024
#define UART_FBRD 0x028
#define UART_LCR_H 0x02c
#define UART_CR 0x030
#define UART_IMSC 0x038
#define UART_RIS 0x03c
#define UART_MIS 0x040
#define UART_ICR 0x044
#define UART_TX_INTERRUPT (1u << 5)

#define RTC_DR 0x000
#define RTC_MR 0x004
#define RTC_LR 0x008
#define RTC_CR 0x00c
#define RTC_IMSC 0x010
#define RTC_RIS 0x014
#define RTC_MIS 0x018
#define RTC_ICR 0x01c

static void print_ids(const char *device, u64 base)
{
    u32 periph = 0, cell = 0;
    for (int i = 0; i < 4; i++) {
        periph |= (mmio_read32(base + 0xfe0 + 4 * i) & 0xff) << (8 * i);
        cell |= (mmio_read32(base + 0xff0 + 4 * i) & 0xff) << (8 * i);
    }
    printf("%s PeriphID %08x PCellID %08x\n", device, (u64)periph, (u64)cell);
}

static volatile u32 uart_irqs, rtc_irqs;

static int on_irq(struct exc_frame *frame, unsigned kind)
{
    (void)frame;
    if (kind != EXC_SPX_IRQ)
        return 0;
    u32 iar = gic_ack();
    u32 intid = iar & 0x3ff;
    if (intid == UART_SPI_INTID) {
        uart_irqs++;
        mmio_write32(UART_BASE + UART_IMSC, 0); /* one is enough: the transmitter stays empty */
    } else if (intid == RTC_SPI_INTID) {
        rtc_irqs++;
        mmio_write32(RTC_BASE + RTC_ICR, 1);
    }
    if (intid != GIC_SPURIOUS)
        gic_eoi(iar);
    return 1;
}

static void uart(void)
{
    print_ids("PL011", UART_BASE);
    /* The console has been written to: the transmitter is empty, nothing was received. */
    printf("PL011 FR %03x CR %04x\n", (u64)(mmio_read32(UART_BASE + UART_FR) & 0x1ff),
           (u64)mmio_read32(UART_BASE + UART_CR));
    mmio_write32(UART_BASE + UART_IBRD, 0x27);
    mmio_write32(UART_BASE + UART_FBRD, 0x04);
    mmio_write32(UART_BASE + UART_LCR_H, 0x70);
    printf("PL011 IBRD %x FBRD %x LCR_H %x read back\n", (u64)mmio_read32(UART_BASE + UART_IBRD),
           (u64)mmio_read32(UART_BASE + UART_FBRD), (u64)mmio_read32(UART_BASE + UART_LCR_H));
    printf("PL011 RIS TX %u MIS TX %u with TX masked\n", (u64)!!(mmio_read32(UART_BASE + UART_RIS) & UART_TX_INTERRUPT),
           (u64)!!(mmio_read32(UART_BASE + UART_MIS) & UART_TX_INTERRUPT));
    gic_enable_irq(UART_SPI_INTID, 0x80);
    irq_enable();
    mmio_write32(UART_BASE + UART_IMSC, UART_TX_INTERRUPT);
    putc('.');
    putc('\n');
    while (uart_irqs == 0)
        __asm__ volatile("wfi");
    irq_disable();
    printf("PL011 TX interrupts taken %u, IMSC now %x\n", (u64)uart_irqs, (u64)mmio_read32(UART_BASE + UART_IMSC));
    gic_disable_irq(UART_SPI_INTID);
}

static void rtc(void)
{
    print_ids("PL031", RTC_BASE);
    printf("PL031 CR %x\n", (u64)mmio_read32(RTC_BASE + RTC_CR));
    u32 load = 0x12345678;
    mmio_write32(RTC_BASE + RTC_LR, load);
    u32 read = mmio_read32(RTC_BASE + RTC_DR);
    printf("PL031 DR right after LR = load + %s\n", read - load <= 1 ? "0 or 1" : "more");
    printf("PL031 LR reads back %s\n", mmio_read32(RTC_BASE + RTC_LR) == load ? "the value loaded" : "something else");

    /* A match one second ahead: the raw status rises, and with IMSC set the interrupt is taken. */
    gic_enable_irq(RTC_SPI_INTID, 0x80);
    mmio_write32(RTC_BASE + RTC_ICR, 1);
    mmio_write32(RTC_BASE + RTC_IMSC, 1);
    mmio_write32(RTC_BASE + RTC_MR, mmio_read32(RTC_BASE + RTC_DR) + 1);
    irq_enable();
    while (rtc_irqs == 0)
        __asm__ volatile("wfi");
    irq_disable();
    printf("PL031 match interrupts taken %u, RIS after clearing %x, IMSC %x\n", (u64)rtc_irqs,
           (u64)mmio_read32(RTC_BASE + RTC_RIS), (u64)mmio_read32(RTC_BASE + RTC_IMSC));
    mmio_write32(RTC_BASE + RTC_IMSC, 0);
    gic_disable_irq(RTC_SPI_INTID);
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    exception_hook = on_irq;
    gic_init();
    uart();
    rtc();
}
