/* A register access round trip: N 32-bit loads and N stores to a pass-through register (pass loc 0x0c000000 of a
   host file or shared-memory object) against the same to an emulated one (a GIC distributor priority register
   of an unused SPI, which every access reaches through the VMM's device bus). Each is run twice and the second
   run reported (the first warms the software CPU's compiler). Times in guest counter ticks (CNTVCT_EL0);
   bench/pass/run turns them into ns per access. N is PASS_BENCH_N (default 200000). */
#include "rt.h"

#ifndef PASS_BENCH_N
#define PASS_BENCH_N 200000
#endif
#define PASS_REG 0x0c000000UL
#define EMULATED_REG (GICD_BASE + GICD_IPRIORITYR + 100) /* SPI 100's priority: read/write storage */

static u64 ticks(void)
{
    ISB();
    return READ_SYSREG(cntvct_el0);
}

static u64 loads(u64 address)
{
    u64 start = ticks();
    u32 sum = 0;
    for (u32 i = 0; i < PASS_BENCH_N; i++)
        sum += mmio_read32(address);
    u64 end = ticks();
    if (sum == 0x12345678u)
        puts("(unlikely sum)\n");
    return end - start;
}

static u64 stores(u64 address)
{
    u64 start = ticks();
    for (u32 i = 0; i < PASS_BENCH_N; i++)
        mmio_write32(address, i);
    return ticks() - start;
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    printf("frequency %u n %u\n", READ_SYSREG(cntfrq_el0), (u64)PASS_BENCH_N);
    for (int round = 0; round < 2; round++) {
        u64 pass_loads = loads(PASS_REG), pass_stores = stores(PASS_REG);
        u64 emulated_loads = loads(EMULATED_REG), emulated_stores = stores(EMULATED_REG);
        if (round == 1) {
            printf("pass loads %u stores %u\n", pass_loads, pass_stores);
            printf("emulated loads %u stores %u\n", emulated_loads, emulated_stores);
        }
    }
    puts("PASS pass-bench\n");
}
