/* Exit-latency workload: N 32-bit writes to an address no device or RAM backs.
 * N is the first all-digit word of the command line (default 1,000,000). */
#include "kit.h"

const char guest_name[] = "mmio-loop";

/* Unassigned on a 128 MiB PC (QEMU and jqvm): every write exits to the VMM, which drops it. */
#define UNASSIGNED_MMIO_ADDRESS 0xD0000000u

const char *guest_main(void)
{
    uint64_t iterations = cmdline_number(1000000);
    printf("writing %x %lu times\n", UNASSIGNED_MMIO_ADDRESS, iterations);
    for (uint64_t i = 0; i < iterations; i++)
        mmio_write32(UNASSIGNED_MMIO_ADDRESS, 0);
    print("done\n");
    return NULL;
}
