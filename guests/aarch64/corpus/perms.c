/* Stage 1 permissions of the EL1&0 regime, every AP[2:1] x UXN x PXN combination: instruction fetch at EL1
   and EL0 (EL0 may execute what it cannot read: execute-only memory; EL1 may not execute what EL0 can
   write), data reads and writes at EL1 and, through LDTR/STTR, as EL0; then the same through a table
   descriptor's PXNTable, UXNTable and APTable bits. Each line gives "ok" or the ESR of the fault.
   (SCTLR_EL1.WXN is not covered: the program runs from writable memory, which WXN would make
   non-executable at EL1.) */
#include "rt.h"

#define EC(esr) (((esr) >> 26) & 0x3f)
#define EC_SVC64 0x15
#define EC_IABT_SAME 0x21
#define CODE_VA 0x20000000UL
#define DATA_VA 0x20100000UL
#define TABLE_CODE_VA 0x20400000UL /* under a level 2 table descriptor of its own */
#define TABLE_DATA_VA 0x20600000UL
#define PXN_TABLE (1UL << 59)
#define UXN_TABLE (1UL << 60)
#define AP_TABLE_NO_EL0 (1UL << 61)
#define AP_TABLE_RO (1UL << 62)

extern char perm_code[];
static u64 data[512] __attribute__((aligned(4096)));
static volatile u64 fault_esr;
static volatile u64 fault_far;

static int on_exception(struct exc_frame *f, unsigned kind)
{
    if (kind == EXC_EL0_64_SYNC) {
        if (!(EC(f->esr) == EC_SVC64 && (f->esr & 0xffff) == EL0_EXIT)) {
            fault_esr = f->esr;
            fault_far = f->far;
        }
        el0_return(f);
        return 1;
    }
    if (kind != EXC_SPX_SYNC)
        return 0;
    fault_esr = f->esr;
    fault_far = f->far;
    /* a fetch fault returns to the caller of blr, a data fault skips the access */
    f->elr = EC(f->esr) == EC_IABT_SAME ? f->x[30] : f->elr + 4;
    return 1;
}

static void show(const char *what, u64 va)
{
    if (!fault_esr)
        printf(" %s=ok", what);
    else if (fault_far == va)
        printf(" %s=%08lx", what, fault_esr);
    else
        printf(" %s=%08lx FAR=%lx", what, fault_esr, fault_far);
    fault_esr = 0;
    fault_far = 0;
}

static void probe(u64 code, u64 data_va)
{
    __asm__ volatile("blr %0" :: "r"(code + 4) : "x30", "memory");
    show("EL1-x", code + 4);
    el0_run(code, 0, 0x3c0, 0);
    show("EL0-x", code);
    __asm__ volatile("ldr x9, [%0]" :: "r"(data_va) : "x9", "memory");
    show("EL1-r", data_va);
    __asm__ volatile("str xzr, [%0]" :: "r"(data_va) : "memory");
    show("EL1-w", data_va);
    __asm__ volatile("ldtr x9, [%0]" :: "r"(data_va) : "x9", "memory");
    show("EL0-r", data_va);
    __asm__ volatile("sttr xzr, [%0]" :: "r"(data_va) : "memory");
    show("EL0-w", data_va);
    putc('\n');
}

/* The level 2 entry (a table descriptor) above va. */
static u64 *level2_entry(u64 *root, u64 va)
{
    u64 *l1 = (u64 *)(root[(va >> 39) & 511] & PTE_ADDR_MASK);
    u64 *l2 = (u64 *)(l1[(va >> 30) & 511] & PTE_ADDR_MASK);
    return &l2[(va >> 21) & 511];
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    exception_hook = on_exception;
    u64 *root = pt_identity_root();
    for (unsigned n = 0; n < 16; n++) {
        u64 attrs = PT_NORMAL | ((u64)(n >> 2) << 6) | (n & 2 ? PTE_UXN : 0) | (n & 1 ? PTE_PXN : 0);
        pt_map_page(root, CODE_VA + n * 0x1000, (u64)perm_code, attrs);
        pt_map_page(root, DATA_VA + n * 0x1000, (u64)data, attrs);
    }
    /* EL0 read/write, executable everywhere at the leaf: only the table bits restrict */
    u64 open = PT_NORMAL | PTE_AP_EL0;
    pt_map_page(root, TABLE_CODE_VA, (u64)perm_code, open);
    pt_map_page(root, TABLE_DATA_VA, (u64)data, open);
    pt_map_page(root, TABLE_CODE_VA + 0x1000, (u64)perm_code, PT_NORMAL | PTE_AP_RO | PTE_AP_EL0);
    pt_map_page(root, TABLE_DATA_VA + 0x1000, (u64)data, PT_NORMAL | PTE_AP_RO | PTE_AP_EL0);
    mmu_enable(root, NULL, 0);

    for (unsigned n = 0; n < 16; n++) {
        printf("AP=%u UXN=%u PXN=%u:", n >> 2, (n >> 1) & 1, n & 1);
        probe(CODE_VA + n * 0x1000, DATA_VA + n * 0x1000);
    }

    u64 *code_table = level2_entry(root, TABLE_CODE_VA);
    u64 *data_table = level2_entry(root, TABLE_DATA_VA);
    u64 code_descriptor = *code_table, data_descriptor = *data_table;
    static const struct { const char *name; u64 bits; } table_bits[] = {
        {"none", 0}, {"PXNTable", PXN_TABLE}, {"UXNTable", UXN_TABLE}, {"APTable=01 (no EL0)", AP_TABLE_NO_EL0},
        {"APTable=10 (read-only)", AP_TABLE_RO}, {"APTable=11", AP_TABLE_NO_EL0 | AP_TABLE_RO},
    };
    for (unsigned i = 0; i < sizeof table_bits / sizeof table_bits[0]; i++) {
        *code_table = code_descriptor | table_bits[i].bits;
        *data_table = data_descriptor | table_bits[i].bits;
        tlb_flush_all();
        printf("table %s, leaf AP=1:", table_bits[i].name);
        probe(TABLE_CODE_VA, TABLE_DATA_VA);
    }
    *code_table = code_descriptor;
    *data_table = data_descriptor;
    tlb_flush_all();
    printf("leaf AP=3 (read-only for both):");
    probe(TABLE_CODE_VA + 0x1000, TABLE_DATA_VA + 0x1000);
}

/* One page: EL0 enters at its start and leaves through svc; EL1 calls the ret after it. */
__asm__(".section .text.el0, \"ax\"\n"
        ".balign 4096\n"
        ".global perm_code\n"
        "perm_code:\n"
        "    svc #0x99\n"
        "    ret\n"
        ".balign 4096\n"
        ".previous\n");
