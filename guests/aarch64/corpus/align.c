/* Alignment checking with SCTLR_EL1.A set: every class of ordinary load and store to a misaligned address
   takes an alignment fault (DFSC 0x21, FAR the access's address, WnR for stores) at EL1 and at EL0, before
   any writeback; aligned accesses, byte accesses, PRFM and DC ZVA never do; with A clear only the
   exclusive and acquire/release forms do. Normal memory, MMU on. */
#include "rt.h"

#define EC(esr) (((esr) >> 26) & 0x3f)
#define EC_SVC64 0x15
#define SCTLR_A (1UL << 1)
#define EL0_CODE_VA 0x10000000UL
#define EL0_DATA_VA 0x10010000UL
#define EL0_STACK_VA 0x10020000UL

extern char el0_align[];
static u8 data[8192] __attribute__((aligned(4096)));
static u8 el0_stack[4096] __attribute__((aligned(4096)));
static volatile u64 faulting_insn;

static int on_exception(struct exc_frame *f, unsigned kind)
{
    if (kind == EXC_EL0_64_SYNC && EC(f->esr) == EC_SVC64 && (f->esr & 0xffff) == EL0_EXIT) {
        el0_return(f);
        return 1;
    }
    if (kind != EXC_SPX_SYNC && kind != EXC_EL0_64_SYNC)
        return 0;
    if (kind == EXC_EL0_64_SYNC)
        printf("  EL0 ESR=%08lx FAR=%016lx ELR=el0_align+%u\n", f->esr, f->far, f->elr - EL0_CODE_VA);
    else
        printf("  EL1 ESR=%08lx FAR=%016lx ELR=insn%+d\n", f->esr, f->far, (s64)(f->elr - faulting_insn));
    f->elr += 4;
    return 1;
}

/* Runs INSN with x10 = data + OFFSET, x11 = INDEX, x9 = 0x5a5a; prints x9 and x10 (writeback) after. */
#define TRY(name, offset, index, insn)                                                              \
    do {                                                                                            \
        u64 x9_, x10_;                                                                              \
        puts(name "\n");                                                                            \
        __asm__ volatile("mov x10, %[base]\n\tmov x11, %[idx]\n\tadr x9, 1f\n\tstr x9, [%[fi]]\n\t" \
                         "mov x9, #0x5a5a\n"                                                        \
                         "1: " insn "\n\t"                                                          \
                         "mov %[o9], x9\n\tmov %[o10], x10"                                         \
                         : [o9] "=&r"(x9_), [o10] "=&r"(x10_)                                       \
                         : [base] "r"((u64)data + (offset)), [idx] "r"((u64)(index)),               \
                           [fi] "r"(&faulting_insn)                                                 \
                         : "x9", "x10", "x11", "v0", "v1", "memory");                                     \
        printf("  x9=%016lx base=data+%ld\n", x9_, (s64)(x10_ - (u64)data));                       \
    } while (0)

static void loads_and_stores(void)
{
    TRY("ldrb +1", 1, 0, "ldrb w9, [x10]");
    TRY("ldrh +1", 1, 0, "ldrh w9, [x10]");
    TRY("ldrh +2", 2, 0, "ldrh w9, [x10]");
    TRY("ldrsh +3", 3, 0, "ldrsh x9, [x10]");
    TRY("ldr w +2", 2, 0, "ldr w9, [x10]");
    TRY("ldrsw +6", 6, 0, "ldrsw x9, [x10]");
    TRY("ldr x +4", 4, 0, "ldr x9, [x10]");
    TRY("ldr x +8", 8, 0, "ldr x9, [x10]");
    TRY("ldur x +0 #1", 0, 0, "ldur x9, [x10, #1]");
    TRY("ldr x pre-index +1 #8", 1, 0, "ldr x9, [x10, #8]!");
    TRY("ldr x post-index +1 #8", 1, 0, "ldr x9, [x10], #8");
    TRY("ldr x register offset +0 x11=3", 0, 3, "ldr x9, [x10, x11]");
    TRY("ldr w register offset lsl +0 x11=1", 0, 1, "ldr w9, [x10, x11, lsl #2]");
    TRY("strb +1", 1, 0, "strb w9, [x10]");
    TRY("strh +1", 1, 0, "strh w9, [x10]");
    TRY("str w +2", 2, 0, "str w9, [x10]");
    TRY("str x +4", 4, 0, "str x9, [x10]");
    TRY("stur w +0 #3", 0, 0, "stur w9, [x10, #3]");
    TRY("str x pre-index +2 #-8", 18, 0, "str x9, [x10, #-8]!");
    TRY("str h post-index +1", 1, 0, "strh w9, [x10], #2");
    TRY("ldp w +2", 2, 0, "ldp w9, w11, [x10]");
    TRY("ldp w +4", 4, 0, "ldp w9, w11, [x10]");
    TRY("ldp x +4", 4, 0, "ldp x9, x11, [x10]");
    TRY("ldp x +8 (8-byte elements need 8)", 8, 0, "ldp x9, x11, [x10]");
    TRY("ldpsw +2", 2, 0, "ldpsw x9, x11, [x10]");
    TRY("ldp x pre-index +4", 4, 0, "ldp x9, x11, [x10, #16]!");
    TRY("stp w +6", 6, 0, "stp w9, w11, [x10]");
    TRY("stp x +4", 4, 0, "stp x9, x11, [x10]");
    TRY("stp x post-index +12", 12, 0, "stp x9, x11, [x10], #16");
    TRY("ldnp x +4", 4, 0, "ldnp x9, x11, [x10]");
    TRY("stnp w +2", 2, 0, "stnp w9, w11, [x10]");
    TRY("ldtr x +4", 4, 0, "ldtr x9, [x10]");
    TRY("sttrh +1", 1, 0, "sttrh w9, [x10]");
    TRY("ldtrsw +2", 2, 0, "ldtrsw x9, [x10]");
    TRY("ldxr w +2", 2, 0, "ldxr w9, [x10]");
    TRY("ldaxr x +4", 4, 0, "ldaxr x9, [x10]");
    TRY("ldar w +1", 1, 0, "ldar w9, [x10]");
    TRY("stlr x +4", 4, 0, "stlr x9, [x10]");
    TRY("ldxp x +8", 8, 0, "ldxp x9, x11, [x10]");
    TRY("prfm +1", 1, 0, "prfm pldl1keep, [x10]");
    TRY("dc zva +136", 136, 0, "dc zva, x10");
    TRY("ldr x crossing a page +4092", 4092, 0, "ldr x9, [x10]");
    TRY("str w crossing a page +4094", 4094, 0, "str w9, [x10]");
    TRY("ldr s +2", 2, 0, "ldr s0, [x10]\n\tfmov w9, s0");
    TRY("ldr d +4", 4, 0, "ldr d0, [x10]\n\tfmov x9, d0");
    TRY("str d +12", 12, 0, "str d0, [x10]");
    TRY("ldr q +8", 8, 0, "ldr q0, [x10]\n\tfmov x9, d0");
    TRY("str q +8", 8, 0, "str q0, [x10]");
    TRY("ldp q +16", 16, 0, "ldp q0, q1, [x10]\n\tfmov x9, d0");
    TRY("ld1 {v0.4s} +2", 2, 0, "ld1 {v0.4s}, [x10]\n\tfmov x9, d0");
    TRY("ld1 {v0.16b} +1", 1, 0, "ld1 {v0.16b}, [x10]\n\tfmov x9, d0");
    TRY("st1 {v0.2d} +4", 4, 0, "st1 {v0.2d}, [x10]");
}

static void literal_load(void)
{
    u64 value;
    puts("ldr x literal at a 4-byte aligned address\n");
    __asm__ volatile("adr x9, 1f\n\tstr x9, [%[fi]]\n\tmov x9, #0x5a5a\n\t"
                     "b 2f\n\t"
                     ".balign 8\n\t"
                     ".word 0\n"
                     "3: .quad 0x1122334455667788\n"
                     "2:\n"
                     "1: ldr x9, 3b\n\t"
                     "mov %[v], x9"
                     : [v] "=r"(value)
                     : [fi] "r"(&faulting_insn)
                     : "x9", "memory");
    printf("  x9=%016lx\n", value);
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    exception_hook = on_exception;
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (u8)(i * 7 + 1);
    u64 *root = pt_identity_root();
    pt_map_page(root, EL0_CODE_VA, (u64)el0_align, PT_NORMAL | PTE_AP_EL0 | PTE_AP_RO | PTE_PXN);
    pt_map_page(root, EL0_DATA_VA, (u64)data, PT_NORMAL | PTE_AP_EL0 | PTE_PXN | PTE_UXN);
    pt_map_page(root, EL0_STACK_VA, (u64)el0_stack, PT_NORMAL | PTE_AP_EL0 | PTE_PXN | PTE_UXN);
    mmu_enable(root, NULL, 0);
    u64 sctlr = READ_SYSREG(sctlr_el1);

    puts("SCTLR_EL1.A clear\n");
    loads_and_stores();
    WRITE_SYSREG(sctlr_el1, sctlr | SCTLR_A);
    ISB();
    puts("SCTLR_EL1.A set\n");
    loads_and_stores();
    literal_load();

    puts("EL0 with SCTLR_EL1.A set\n");
    u64 x0 = el0_run(EL0_CODE_VA, EL0_STACK_VA + 4096, 0x3c0, EL0_DATA_VA);
    printf("  back at EL1, x0 from EL0 %016lx\n", x0);
    WRITE_SYSREG(sctlr_el1, sctlr);
    ISB();
    puts("EL0 with SCTLR_EL1.A clear\n");
    x0 = el0_run(EL0_CODE_VA, EL0_STACK_VA + 4096, 0x3c0, EL0_DATA_VA);
    printf("  back at EL1, x0 from EL0 %016lx\n", x0);
    u64 sum = 0;
    for (unsigned i = 0; i < sizeof data; i++)
        sum = sum * 31 + data[i];
    printf("data checksum %016lx\n", sum);
}

/* At EL0 with x1 = the data page: one access of each kind, misaligned, then an aligned one. */
__asm__(".section .text.el0, \"ax\"\n"
        ".balign 4096\n"
        ".global el0_align\n"
        "el0_align:\n"
        "    mov x2, #0x77\n"
        "    ldrh w2, [x1, #1]\n"
        "    ldr w2, [x1, #2]\n"
        "    ldr x2, [x1, #4]\n"
        "    str x2, [x1, #12]\n"
        "    add x4, x1, #4\n"
        "    ldp x2, x3, [x4]\n"
        "    ldr x2, [x1, #4]!\n"
        "    ldtr x2, [x1, #4]\n"
        "    add x4, x1, #2\n"
        "    ldxr w2, [x4]\n"
        "    add x4, x1, #1\n"
        "    stlrh w2, [x4]\n"
        "    ldrb w3, [x1, #1]\n"
        "    ldr x2, [x1, #8]\n"
        "    add x0, x2, x3\n"
        "    add x0, x0, x1\n"
        "    svc #0x99\n"
        "    b .\n"
        ".balign 4096\n"
        ".previous\n");
