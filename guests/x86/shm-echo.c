/* The echo side of the shared-memory ping-pong (guests/shared/shm_pingpong.h), on the PC board with a
   shmem factory page at SHM_FACTORY (it/.../system/ShmemExchangeTest's configuration). */
#include "kit.h"
#include "shm_pingpong.h"

#define SHM_FACTORY 0x90000000ull

const char guest_name[] = "shm-echo";

static void report(const char *what, uint32_t n)
{
    printf("%s %u\n", what, n);
}

const char *guest_main(void)
{
    return pingpong_echo(SHM_FACTORY, report);
}
