/* The echo side of the shared-memory ping-pong (guests/shared/shm_pingpong.h) on the virt board, with the
   factory page at the address shm-ping uses (each VM has its own). */
#include "rt.h"
#include "shm_pingpong.h"

#define SHM_FACTORY 0x0b000000UL

static void report(const char *what, uint32_t n)
{
    printf("%s %u\n", what, (u64)n);
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    const char *failure = pingpong_echo(SHM_FACTORY, report);
    if (failure)
        printf("FAIL shm-echo: %s\n", failure);
    else
        puts("PASS shm-echo\n");
}
