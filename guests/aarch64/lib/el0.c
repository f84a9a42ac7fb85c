/* Running code at EL0 and coming back: see el0_run in rt.h. */
#include "rt.h"

static volatile u64 el0_continuation;

u64 el0_run(u64 entry, u64 stack, u64 spsr, u64 x1)
{
    u64 x0_at_exit;
    /* EL0 may clobber every register: keep the callee-saved ones (and the link register) on the EL1
       stack, which EL0 cannot touch and which the exception frames leave balanced. */
    __asm__ volatile("stp x19, x20, [sp, #-96]!\n\t"
                     "stp x21, x22, [sp, #16]\n\t"
                     "stp x23, x24, [sp, #32]\n\t"
                     "stp x25, x26, [sp, #48]\n\t"
                     "stp x27, x28, [sp, #64]\n\t"
                     "stp x29, x30, [sp, #80]\n\t"
                     "adr x9, 1f\n\t"
                     "str x9, [%[cont]]\n\t"
                     "msr sp_el0, %[stack]\n\t"
                     "msr elr_el1, %[entry]\n\t"
                     "msr spsr_el1, %[spsr]\n\t"
                     "mov x1, %[x1]\n\t"
                     "eret\n"
                     "1: ldp x29, x30, [sp, #80]\n\t"
                     "ldp x27, x28, [sp, #64]\n\t"
                     "ldp x25, x26, [sp, #48]\n\t"
                     "ldp x23, x24, [sp, #32]\n\t"
                     "ldp x21, x22, [sp, #16]\n\t"
                     "ldp x19, x20, [sp], #96\n\t"
                     "mov %[x0], x0"
                     : [x0] "=r"(x0_at_exit)
                     : [cont] "r"(&el0_continuation), [stack] "r"(stack), [entry] "r"(entry), [spsr] "r"(spsr),
                       [x1] "r"(x1)
                     : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
                       "x13", "x14", "x15", "x16", "x17", "x18", "memory", "cc");
    return x0_at_exit;
}

void el0_return(struct exc_frame *f)
{
    f->elr = el0_continuation;
    f->spsr = 0x3c5; /* EL1h, DAIF masked */
}
