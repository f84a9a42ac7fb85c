/* Exit-latency workload: N one-byte writes to a port every VMM treats as a no-op.
 * N is the first all-digit word of the command line (default 1,000,000). */
#include "kit.h"

const char guest_name[] = "pio-loop";

/* The POST-code port: a write-only sink on PCs; QEMU handles it in userspace and drops it. */
#define NO_OP_PORT 0x80

const char *guest_main(void)
{
    uint64_t iterations = cmdline_number(1000000);
    printf("writing port %x %lu times\n", NO_OP_PORT, iterations);
    for (uint64_t i = 0; i < iterations; i++)
        outb(NO_OP_PORT, 0);
    print("done\n");
    return NULL;
}
