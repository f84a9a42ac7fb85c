/* Architectural constants shared by the assembly start-up code (entry.S, trampoline.S). */
#ifndef GUESTKIT_CPU_DEFS_H
#define GUESTKIT_CPU_DEFS_H

#define CR0_PE                 (1 << 0)
#define CR0_PG                 (1 << 31)
#define CR4_PAE                (1 << 5)
#define MSR_EFER               0xC0000080
#define EFER_LME               (1 << 8)

/* GDT layout (entry.S): null, 64-bit code, flat data, flat 32-bit code. */
#define GDT_ENTRY_COUNT        4
#define SELECTOR_CODE64        0x08
#define SELECTOR_DATA          0x10
#define SELECTOR_CODE32        0x18

#endif
