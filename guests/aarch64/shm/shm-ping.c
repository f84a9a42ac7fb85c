/* The ping side of the shared-memory ping-pong (guests/shared/shm_pingpong.h) on the virt board with a
   shmem factory page where factory.h finds it (loc, or PCI with -DSHM_PCI). ROUNDS == 0 pings until the VM is killed. */
#include "rt.h"
#include "shm_pingpong.h"
#include "factory.h"

static void report(const char *what, uint32_t n)
{
    printf("%s %u\n", what, (u64)n);
}

static uint64_t ticks(void)
{
    return READ_SYSREG(cntvct_el0);
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    printf("ping: counter frequency %u\n", READ_SYSREG(cntfrq_el0));
    u64 factory = shm_factory();
    const char *failure = !factory ? "no shmem function on PCI bus 0" : pingpong_ping(factory, ROUNDS, report, ticks);
    if (failure)
        printf("FAIL shm-ping: %s\n", failure);
    else
        puts("PASS shm-ping\n");
}
