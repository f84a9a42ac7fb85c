/* A reset through the keyboard controller (command 0xFE to port 0x64, as Linux's reboot=k): the VMM must
   restart the machine, which prints this banner again (under QEMU's -no-reboot, QEMU exits instead). */
#include "kit.h"

const char guest_name[] = "reset";

const char *guest_main(void)
{
    print("Resetting through the keyboard controller\n");
    outb(0x64, 0xFE);
    for (volatile uint32_t i = 0; i < 100000000; i++)
        cpu_pause();
    return "still running after the keyboard-controller reset";
}
