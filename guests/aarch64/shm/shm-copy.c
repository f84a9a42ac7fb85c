/* Copy bandwidth through a shmem region (guests/shared/shm_copy.h) on the virt board, factory at SHM_FACTORY:
   built as shm-copy-send (-DSEND, ROUNDS chunks, timed with the generic timer) and shm-copy-receive. */
#include "rt.h"
#include "shm_copy.h"

#define SHM_FACTORY 0x0b000000UL

static void report(const char *what, uint32_t n)
{
    printf("%s %u\n", what, (u64)n);
}

#ifdef SEND
static uint64_t ticks(void)
{
    return READ_SYSREG(cntvct_el0);
}
#endif

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
#ifdef SEND
    printf("send: counter frequency %u\n", READ_SYSREG(cntfrq_el0));
    const char *failure = copy_send(SHM_FACTORY, ROUNDS, report, ticks);
#else
    const char *failure = copy_receive(SHM_FACTORY, report);
#endif
    if (failure)
        printf("FAIL shm-copy: %s\n", failure);
    else
        puts("PASS shm-copy\n");
}
