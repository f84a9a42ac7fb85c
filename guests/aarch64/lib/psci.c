#include "rt.h"

s64 psci_call(u64 function, u64 a1, u64 a2, u64 a3)
{
    register u64 x0 __asm__("x0") = function;
    register u64 x1 __asm__("x1") = a1;
    register u64 x2 __asm__("x2") = a2;
    register u64 x3 __asm__("x3") = a3;
    __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
    return (s64)x0;
}

void system_off(void)
{
    puts("PSCI SYSTEM_OFF\n");
    psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

u64 cpu_index(void)
{
    return READ_SYSREG(mpidr_el1) & 0xff;
}

/* Programs that start no secondary CPU need not define one. */
void __attribute__((weak)) secondary_main(u64 context_id)
{
    (void)context_id;
}
