/* Smoke test: console output, the entry state (x0, exception level, stack select, interrupt masks), the
   device tree at the start of RAM, PSCI SYSTEM_OFF. QEMU 7.2 passes x0 = 0 to an ELF kernel (it boots
   only Images as Linux); jqvm passes the device tree's address as the Linux boot protocol does. Both
   are accepted, nothing else. */
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
    printf("x0 at entry: %s\n", x0_at_entry == 0 || x0_at_entry == RAM_BASE ? "0 or the device tree" : "unexpected");
    printf("dtb magic %08x\n", (u64)load_be32(RAM_BASE));
    printf("current EL %u, SPSel %u, DAIF %x\n", (READ_SYSREG(CurrentEL) >> 2) & 3, READ_SYSREG(spsel),
           READ_SYSREG(daif));
    printf("cpu %u\n", cpu_index());
}
