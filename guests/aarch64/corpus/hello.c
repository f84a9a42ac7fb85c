/* Smoke test: console output, the entry state (x0, exception level, stack select, interrupt masks), the
   device tree at the start of RAM, PSCI SYSTEM_OFF. QEMU passes x0 = 0 to an ELF kernel, which it does
   not boot as Linux. */
#include "rt.h"

#define RAM_BASE 0x40000000UL

static u32 load_be32(u64 addr)
{
    u32 v = *(volatile u32 *)addr;
    return __builtin_bswap32(v);
}

void main(u64 x0_at_entry)
{
    puts("Hello from AArch64\n");
    printf("x0 at entry %lx\n", x0_at_entry);
    printf("dtb magic %08x\n", (u64)load_be32(RAM_BASE));
    printf("current EL %u, SPSel %u, DAIF %x\n", (READ_SYSREG(CurrentEL) >> 2) & 3, READ_SYSREG(spsel),
           READ_SYSREG(daif));
    printf("cpu %u\n", cpu_index());
}
