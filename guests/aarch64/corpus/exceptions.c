/* Synchronous exceptions at EL1 and from EL0: for each, the vector it arrived at, ESR_EL1, the return
   address relative to the faulting instruction, FAR_EL1 where the architecture defines it, and SPSR_EL1.
   Also ERET into EL1 with chosen PSTATE bits and into EL0 (through an alias mapping of a code page).
   No SP alignment fault: QEMU, the reference, does not implement SCTLR_EL1.SA checking. */
#include "rt.h"

#define EC(esr) (((esr) >> 26) & 0x3f)
#define EC_SVC64 0x15
#define EC_IABT_LOWER 0x20
#define EC_IABT_SAME 0x21
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOWER 0x24
#define EC_DABT_SAME 0x25

#define SPSR_EL1H_MASKED 0x3c5UL
#define SPSR_EL0_MASKED 0x3c0UL
#define FLAGS_ZC 0x60000000UL
#define EL0_SVC_EXIT 0x99
#define SCTLR_UMA (1UL << 9)
#define SCTLR_UCT (1UL << 15)
#define SCTLR_NTWI (1UL << 16)

#define EL0_CODE_VA 0x10000000UL
#define EL0_STACK_VA 0x10010000UL
#define UNMAPPED_VA 0x80000000UL
/* Between QEMU virt's virtio-mmio transports and its platform bus: no device, no RAM. */
#define NO_DEVICE_PA 0x0b000000UL

extern char el0_program[];
static u8 el0_stack[4096] __attribute__((aligned(4096)));

/* Address of the instruction expected to fault, stored by each test right before it runs. */
static volatile u64 faulting_insn;
/* Where a fetch-fault test continues: the link register of its blr. */
static volatile int resume_at_link;
static volatile unsigned exceptions_taken;

static int has_far(u64 ec)
{
    return ec == EC_IABT_LOWER || ec == EC_IABT_SAME || ec == EC_PC_ALIGN || ec == EC_DABT_LOWER
           || ec == EC_DABT_SAME;
}

static int on_exception(struct exc_frame *f, unsigned kind)
{
    if (kind != EXC_SPX_SYNC && kind != EXC_EL0_64_SYNC)
        return 0;
    exceptions_taken++;
    u64 ec = EC(f->esr);
    printf("  %s ESR=%08lx EC=%02x SPSR=%08lx", kind == EXC_EL0_64_SYNC ? "EL0 sync" : "EL1h sync", f->esr, ec,
           f->spsr);
    if (ec == EC_IABT_SAME || ec == EC_PC_ALIGN) /* the fault is at the branch target, not at the branch */
        printf(" ELR=%016lx", f->elr);
    else if (kind == EXC_EL0_64_SYNC)
        printf(" ELR=el0_program+%u", f->elr - EL0_CODE_VA);
    else
        printf(" ELR=insn%+d", (s64)(f->elr - faulting_insn));
    if (has_far(ec))
        printf(" FAR=%016lx", f->far);
    putc('\n');
    if (kind == EXC_EL0_64_SYNC && ec == EC_SVC64 && (f->esr & 0xffff) == EL0_SVC_EXIT) {
        el0_return(f);
    } else if (resume_at_link) {
        resume_at_link = 0;
        f->elr = f->x[30];
    } else if (ec != EC_SVC64) { /* SVC returns past itself already */
        f->elr += 4;
    }
    return 1;
}

/* Runs INSN with NZCV = Z and C set; "1:" labels the instruction expected to fault. */
#define TRAP(name, insn, ...)                                                                  \
    do {                                                                                       \
        puts(name "\n");                                                                       \
        __asm__ volatile("adr x9, 1f\n\tstr x9, [%[fi]]\n\tmsr nzcv, %[flags]\n"              \
                         "1: " insn                                                            \
                         :: [fi] "r"(&faulting_insn), [flags] "r"(FLAGS_ZC), ##__VA_ARGS__     \
                         : "x9", "x30", "memory", "cc");                                       \
    } while (0)

static void el1_traps(void)
{
    u64 misaligned = (u64)el0_stack + 1;
    TRAP("svc #0x1234", "svc #0x1234");
    TRAP("svc #0", "svc #0");
    TRAP("brk #0x42", "brk #0x42");
    TRAP("udf #7", "udf #7");
    TRAP("smc #0 (no EL3: UNDEFINED)", "smc #0");
    TRAP("smc #0x42", "smc #0x42");
    TRAP("mrs hcr_el2 at EL1", "mrs x9, hcr_el2");
    TRAP("ldxr misaligned", "ldxr x9, [%[a]]", [a] "r"(misaligned));
    TRAP("ldr from unmapped VA", "ldr x9, [%[a]]", [a] "r"(UNMAPPED_VA + 0x123));
    TRAP("str to unmapped VA", "str xzr, [%[a], #8]", [a] "r"(UNMAPPED_VA));
    TRAP("ldp from a high unmapped VA", "ldp x9, x30, [%[a]]", [a] "r"(0x0000ff0000000000UL));
    pt_map_page((u64 *)READ_SYSREG(ttbr0_el1), NO_DEVICE_PA, NO_DEVICE_PA, PT_DEVICE);
    tlb_flush_all();
    TRAP("ldr from a PA with no device (synchronous external abort)", "ldr x9, [%[a], #8]", [a] "r"(NO_DEVICE_PA));
    TRAP("str to a PA with no device", "str x9, [%[a], #16]", [a] "r"(NO_DEVICE_PA));
    TRAP("ldrsh from a PA with no device", "ldrsh w9, [%[a]]", [a] "r"(NO_DEVICE_PA));
    TRAP("stlrb to a PA with no device", "stlrb w9, [%[a]]", [a] "r"(NO_DEVICE_PA));
    TRAP("ldp from a PA with no device", "ldp x9, x30, [%[a]]", [a] "r"(NO_DEVICE_PA));
    resume_at_link = 1;
    TRAP("blr to unmapped VA", "blr %[a]", [a] "r"(UNMAPPED_VA));
    resume_at_link = 1;
    TRAP("blr to misaligned PC", "blr %[a]", [a] "r"((u64)el1_traps + 2));

    puts("FP access with CPACR_EL1.FPEN = 0\n");
    u64 cpacr = READ_SYSREG(cpacr_el1);
    WRITE_SYSREG(cpacr_el1, 0);
    ISB();
    TRAP("fmov d0, x9", "fmov d0, x9");
    WRITE_SYSREG(cpacr_el1, cpacr);
    ISB();
}

static void eret_to_el1(void)
{
    puts("eret to EL1h with SPSR = NZCV | DAIF | EL1h\n");
    u64 nzcv, daif, el, spsel;
    __asm__ volatile("adr x9, 1f\n\t"
                     "msr elr_el1, x9\n\t"
                     "msr spsr_el1, %[spsr]\n\t"
                     "eret\n"
                     "1: mrs %[nzcv], nzcv\n\t"
                     "mrs %[daif], daif\n\t"
                     "mrs %[el], CurrentEL\n\t"
                     "mrs %[spsel], spsel"
                     : [nzcv] "=&r"(nzcv), [daif] "=&r"(daif), [el] "=&r"(el), [spsel] "=&r"(spsel)
                     : [spsr] "r"(0xf0000000UL | SPSR_EL1H_MASKED)
                     : "x9", "memory", "cc");
    printf("  NZCV=%08lx DAIF=%08lx CurrentEL=%lx SPSel=%lx\n", nzcv, daif, el, spsel);
    __asm__ volatile("msr nzcv, xzr" ::: "cc");
}

static void eret_to_el0(void)
{
    puts("eret to EL0: svc, privileged register read, EL1-only load, trapped CTR_EL0 read, WFI, DAIF write, exit svc\n");
    u64 *root = (u64 *)READ_SYSREG(ttbr0_el1);
    pt_map_page(root, EL0_CODE_VA, (u64)el0_program, PT_NORMAL | PTE_AP_EL0 | PTE_AP_RO | PTE_PXN);
    pt_map_page(root, EL0_STACK_VA, (u64)el0_stack, PT_NORMAL | PTE_AP_EL0 | PTE_PXN | PTE_UXN);
    tlb_flush_all();
    /* EL0 may write DAIF (UMA) but reading CTR_EL0 traps (UCT clear), and so does WFI with no interrupt
       pending (nTWI clear). Not trapping the DAIF write instead: QEMU 7.2 swaps Op1 and Op2 in that
       syndrome. No WFE: it traps only when it would wait, and the ERETs before it have set the event
       register. */
    u64 sctlr = READ_SYSREG(sctlr_el1);
    WRITE_SYSREG(sctlr_el1, (sctlr | SCTLR_UMA) & ~(SCTLR_UCT | SCTLR_NTWI));
    ISB();
    u64 x0_at_exit = el0_run(EL0_CODE_VA, EL0_STACK_VA + 4096, SPSR_EL0_MASKED, (u64)&exceptions_taken);
    WRITE_SYSREG(sctlr_el1, sctlr);
    ISB();
    printf("  back at EL1, x0 from EL0 %lx\n", x0_at_exit);
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    exception_hook = on_exception;
    mmu_enable(pt_identity_root(), NULL, 0);
    el1_traps();
    eret_to_el1();
    eret_to_el0();
    printf("exceptions taken %u\n", (u64)exceptions_taken);
}

/* The EL0 program: position independent, run from its alias at EL0_CODE_VA. x1 holds an EL1-only address,
   kept in x3 while x1 serves as scratch. */
__asm__(".section .text.el0, \"ax\"\n"
        ".balign 4096\n"
        ".global el0_program\n"
        "el0_program:\n"
        "    mov x3, x1\n"
        "    mov x0, #0x1111\n"
        "    svc #0x77\n"
        "    mrs x1, sctlr_el1\n"
        "    ldr x2, [x3]\n"
        "    mrs x1, ctr_el0\n"
        "    wfi\n"
        "    msr daifclr, #1\n"
        "    svc #0x78\n"
        "    stp x0, x1, [sp, #-16]!\n"
        "    ldp x4, x5, [sp], #16\n"
        "    add x0, x0, x4\n"
        "    msr nzcv, xzr\n"
        "    svc #0x99\n"
        "    b .\n"
        ".balign 4096\n"
        ".previous\n");
