/* The generic timer through the GICv2: five virtual-timer interrupts (PPI 27) re-armed from the handler
   while the CPU waits in WFI, then one physical-timer interrupt (PPI 30), and the timer's status bits
   with the interrupt masked. Only counts and status bits are printed, never times. */
#include "rt.h"

#define PPI_VIRTUAL_TIMER 27
#define PPI_PHYSICAL_TIMER 30
#define CTL_ENABLE 1UL
#define CTL_IMASK 2UL
#define CTL_ISTATUS 4UL
#define WANTED_TICKS 5

static u64 period;
static volatile u32 virtual_ticks, physical_ticks, other_irqs;

static int on_irq(struct exc_frame *frame, unsigned kind)
{
    (void)frame;
    if (kind != EXC_SPX_IRQ)
        return 0;
    u32 iar = gic_ack();
    u32 intid = iar & 0x3ff;
    if (intid == PPI_VIRTUAL_TIMER) {
        if (++virtual_ticks < WANTED_TICKS)
            WRITE_SYSREG(cntv_tval_el0, period);
        else
            WRITE_SYSREG(cntv_ctl_el0, 0);
    } else if (intid == PPI_PHYSICAL_TIMER) {
        physical_ticks++;
        WRITE_SYSREG(cntp_ctl_el0, 0);
    } else if (intid != GIC_SPURIOUS) {
        other_irqs++;
    }
    ISB();
    if (intid != GIC_SPURIOUS)
        gic_eoi(iar);
    return 1;
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    period = READ_SYSREG(cntfrq_el0) / 1000; /* 1 ms */
    exception_hook = on_irq;
    gic_init();
    gic_enable_irq(PPI_VIRTUAL_TIMER, 0x80);
    gic_enable_irq(PPI_PHYSICAL_TIMER, 0x80);

    u64 before = READ_SYSREG(cntvct_el0);
    WRITE_SYSREG(cntv_tval_el0, period);
    WRITE_SYSREG(cntv_ctl_el0, CTL_ENABLE);
    ISB();
    irq_enable();
    while (virtual_ticks < WANTED_TICKS)
        __asm__ volatile("wfi");
    irq_disable();
    u64 after = READ_SYSREG(cntvct_el0);
    printf("virtual timer interrupts %u\n", (u64)virtual_ticks);
    printf("virtual count advanced by at least %u periods: %s\n", (u64)WANTED_TICKS,
           after - before >= WANTED_TICKS * period ? "yes" : "no");
    printf("CNTV_CTL after disable %lx, PPI 27 pending %u\n", READ_SYSREG(cntv_ctl_el0),
           (u64)gic_is_pending(PPI_VIRTUAL_TIMER));

    WRITE_SYSREG(cntp_tval_el0, period);
    WRITE_SYSREG(cntp_ctl_el0, CTL_ENABLE);
    ISB();
    irq_enable();
    while (physical_ticks == 0)
        __asm__ volatile("wfi");
    irq_disable();
    printf("physical timer interrupts %u\n", (u64)physical_ticks);

    /* Masked: the condition is met (ISTATUS) but the PPI stays low. 200 periods leave a loaded host
       time to read the status before the compare value is reached. */
    WRITE_SYSREG(cntv_cval_el0, READ_SYSREG(cntvct_el0) + 200 * period);
    WRITE_SYSREG(cntv_ctl_el0, CTL_ENABLE | CTL_IMASK);
    ISB();
    printf("masked, before the compare value: CNTV_CTL %lx\n", READ_SYSREG(cntv_ctl_el0));
    /* ISTATUS may follow the count with a delay (QEMU updates it from a host timer): wait for it, but
       give up a second later so a timer that never sets it still ends the run. */
    u64 give_up = READ_SYSREG(cntv_cval_el0) + 1000 * period;
    while (!(READ_SYSREG(cntv_ctl_el0) & CTL_ISTATUS) && READ_SYSREG(cntvct_el0) < give_up)
        ISB();
    printf("masked, after the compare value: CNTV_CTL %lx, PPI 27 pending %u\n", READ_SYSREG(cntv_ctl_el0),
           (u64)gic_is_pending(PPI_VIRTUAL_TIMER));
    printf("TVAL negative after expiry: %s\n", (s32)READ_SYSREG(cntv_tval_el0) < 0 ? "yes" : "no");
    WRITE_SYSREG(cntv_ctl_el0, CTL_ENABLE);
    ISB();
    DSB(sy);
    printf("unmasked: PPI 27 pending %u\n", (u64)gic_is_pending(PPI_VIRTUAL_TIMER));
    WRITE_SYSREG(cntv_ctl_el0, 0);
    ISB();
    printf("disabled: CNTV_CTL %lx, PPI 27 pending %u\n", READ_SYSREG(cntv_ctl_el0),
           (u64)gic_is_pending(PPI_VIRTUAL_TIMER));
    printf("other interrupts %u\n", (u64)other_irqs);
}
