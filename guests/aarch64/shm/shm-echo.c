/* The echo side of the shared-memory ping-pong (guests/shared/shm_pingpong.h) on the virt board, with the
   factory page where factory.h finds it, as shm-ping (each VM has its own). */
#include "rt.h"
#include "shm_pingpong.h"
#include "factory.h"

static void report(const char *what, uint32_t n)
{
    printf("%s %u\n", what, (u64)n);
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    u64 factory = shm_factory();
    const char *failure = !factory ? "no shmem function on PCI bus 0" : pingpong_echo(factory, report);
    if (failure)
        printf("FAIL shm-echo: %s\n", failure);
    else
        puts("PASS shm-echo\n");
}
