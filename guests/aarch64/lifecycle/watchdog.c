/* Arms the SP805 watchdog at qvm's default address (0x1c0f0000, 25 MHz) to fire after two one-second
   counts. With KICKS > 0 (watchdog-kick.c) it kicks every half second KICKS times, stops the watchdog and
   powers off; otherwise it stops kicking and waits in wait_for_watchdog() for the VMM's action. */
#include "rt.h"

#ifndef KICKS
#define KICKS 0
#endif

#define SP805_BASE 0x1c0f0000UL
#define WDOGLOAD 0x000
#define WDOGCONTROL 0x008
#define WDOGINTCLR 0x00C
#define WDOGLOCK 0xC00
#define UNLOCK_KEY 0x1ACCE551
#define INTEN 1
#define RESEN 2
#define SP805_HZ 25000000

static void delay_ms(u64 ms)
{
    u64 start = READ_SYSREG(cntpct_el0);
    u64 ticks = READ_SYSREG(cntfrq_el0) * ms / 1000;
    while (READ_SYSREG(cntpct_el0) - start < ticks)
        ;
}

/* Not inlined, so a guest core's backtrace names it. */
__attribute__((noinline)) static void wait_for_watchdog(void)
{
    for (;;)
        __asm__ volatile("yield");
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    mmio_write32(SP805_BASE + WDOGLOCK, UNLOCK_KEY);
    mmio_write32(SP805_BASE + WDOGLOAD, SP805_HZ);
    mmio_write32(SP805_BASE + WDOGCONTROL, INTEN | RESEN);
    printf("watchdog armed: 2 s, %d kicks\n", KICKS);
    for (int i = 0; i < KICKS; i++) {
        delay_ms(500);
        mmio_write32(SP805_BASE + WDOGINTCLR, 1);
    }
    if (KICKS == 0) {
        puts("not kicking any more\n");
        wait_for_watchdog();
    }
    mmio_write32(SP805_BASE + WDOGCONTROL, 0);
    puts("PASS watchdog\n");
    system_off();
}
