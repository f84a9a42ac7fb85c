/* PSCI SYSTEM_RESET: the VMM must restart the machine, which prints this banner again (under QEMU's
   -no-reboot, QEMU exits instead). Not in the corpus: the two VMMs differ here by design. */
#include "rt.h"

#define PSCI_SYSTEM_RESET 0x84000009UL

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    puts("Resetting through PSCI SYSTEM_RESET\n");
    psci_call(PSCI_SYSTEM_RESET, 0, 0, 0);
    puts("FAIL: still running after SYSTEM_RESET\n");
}
