/* FP/SIMD registers for a debugger to read and write (it/.../a64/GdbStubTest): known values in v0-v7, FPCR and
   FPSR, a function to break at, then the guest prints what v8 and FPCR hold, which the debugger may have set. */
#include "rt.h"

volatile u64 reached;

__attribute__((noinline)) void checkpoint(void)
{
    reached = reached + 1;
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    __asm__ volatile(
        "fmov d0, #1.5\n"
        "fmov s1, #-2.0\n"
        "movi v2.16b, #0x5a\n"
        "mov x9, #0x7788\n"
        "movk x9, #0x5566, lsl #16\n"
        "movk x9, #0x3344, lsl #32\n"
        "movk x9, #0x1122, lsl #48\n"
        "mov v3.d[0], x9\n"
        "mvn x9, x9\n"
        "mov v3.d[1], x9\n"
        "fmov d6, #1.0\n"
        "fmov d7, #3.0\n"
        "fdiv d6, d6, d7\n"          /* 1/3 is inexact: FPSR.IXC */
        "mov x9, #(1 << 24)\n"
        "msr fpcr, x9\n"             /* FZ */
        "movi v8.2d, #0\n"
        ::: "x9", "v0", "v1", "v2", "v3", "v6", "v7", "v8", "memory");
    checkpoint();
    u64 v8, fpcr;
    __asm__ volatile("fmov %0, d8\n mrs %1, fpcr" : "=r"(v8), "=r"(fpcr));
    printf("v8 %x fpcr %x\n", v8, fpcr);
}
