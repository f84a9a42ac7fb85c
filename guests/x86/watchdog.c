/* Arms the IB700 watchdog (ports 0x441/0x443, as QEMU's -device ib700) with its 2-second timeout. With
   kick=N on the command line it kicks N times a second apart, stops the watchdog and passes; without,
   it stops kicking and waits in wait_for_watchdog() for the VMM's watchdog action. */
#include "kit.h"

const char guest_name[] = "watchdog";

#define IB700_STOP 0x441
#define IB700_START 0x443
#define IB700_TIMEOUT_2S 14 /* 30 - 2 * 14 seconds */

/* Not inlined, so a guest core's backtrace names it. */
__attribute__((noinline)) static void wait_for_watchdog(void)
{
    for (;;)
        cpu_pause();
}

const char *guest_main(void)
{
    uint64_t kicks = cmdline_option("kick", 0);
    outb(IB700_START, IB700_TIMEOUT_2S);
    printf("watchdog armed: 2 s, %u kicks\n", (unsigned)kicks);
    for (uint64_t i = 0; i < kicks; i++) {
        pit_delay_us(1000000);
        outb(IB700_START, IB700_TIMEOUT_2S);
    }
    if (kicks == 0) {
        print("not kicking any more\n");
        wait_for_watchdog();
    }
    outb(IB700_STOP, 0);
    return NULL;
}
