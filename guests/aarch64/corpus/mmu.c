/* Stage 1 translation with 4 KiB granules and 48-bit VAs: TTBR0 and TTBR1 mappings, 4 KiB pages, 2 MiB
   and 1 GiB blocks, translation faults at each level, permission faults (read-only, EL1-only through
   LDTR/STTR, execute-never), access-flag faults, AT S1E1R/S1E1W/S1E0R into PAR_EL1, TLBI after a
   descriptor change, and top-byte-ignore (TCR_EL1.TBI0). */
#include "rt.h"

#define TCR_TBI0 (1UL << 37)
#define PAGE_VA 0x0000000020000000UL         /* TTBR0 test pages start here */
#define HIGH_VA 0xffffff8000002000UL         /* a TTBR1 page */
#define GIB_BLOCK_VA 0x0000004000000000UL    /* a 1 GiB block onto RAM */
#define TAG(va, tag) ((va) | ((u64)(tag) << 56))

static u64 page_a[512] __attribute__((aligned(4096)));
static u64 page_b[512] __attribute__((aligned(4096)));
static u64 *root0;

static volatile u32 faults;
static volatile u64 last_esr, last_far;
static volatile int resume_at_link;

static int on_exception(struct exc_frame *f, unsigned kind)
{
    if (kind != EXC_SPX_SYNC)
        return 0;
    faults++;
    last_esr = f->esr;
    last_far = f->far;
    if (resume_at_link) {
        resume_at_link = 0;
        f->elr = f->x[30];
    } else {
        f->elr += 4;
    }
    return 1;
}

static const char *fault_type(u64 fsc)
{
    switch (fsc >> 2) {
    case 0: return "address size";
    case 1: return "translation";
    case 2: return "access flag";
    case 3: return "permission";
    default: return fsc == 0x21 ? "alignment" : "other";
    }
}

static void report(const char *what, u64 value, u32 faults_before, int show_far)
{
    printf("%-34s ", what);
    if (faults == faults_before) {
        printf("ok %016lx\n", value);
        return;
    }
    u64 fsc = last_esr & 0x3f;
    printf("fault ESR=%08lx %s level %u%s", last_esr, fault_type(fsc), fsc & 3, (last_esr >> 6) & 1 ? " write" : "");
    if (show_far)
        printf(" FAR=%016lx", last_far);
    putc('\n');
}

static void load(const char *what, u64 va)
{
    u32 before = faults;
    u64 v = 0;
    __asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(va) : "memory");
    report(what, v, before, 1);
}

static void store(const char *what, u64 va, u64 value)
{
    u32 before = faults;
    __asm__ volatile("str %0, [%1]" :: "r"(value), "r"(va) : "memory");
    report(what, value, before, 1);
}

/* LDTR/STTR at EL1 check permissions as an EL0 access would. */
static void load_unprivileged(const char *what, u64 va)
{
    u32 before = faults;
    u64 v = 0;
    __asm__ volatile("ldtr %0, [%1]" : "+r"(v) : "r"(va) : "memory");
    report(what, v, before, 1);
}

static void store_unprivileged(const char *what, u64 va, u64 value)
{
    u32 before = faults;
    __asm__ volatile("sttr %0, [%1]" :: "r"(value), "r"(va) : "memory");
    report(what, value, before, 1);
}

static void call(const char *what, u64 va)
{
    u32 before = faults;
    u64 result = 0;
    resume_at_link = 1;
    __asm__ volatile("mov x0, #0\n\tblr %1\n\tmov %0, x0" : "=r"(result) : "r"(va) : "x0", "x30", "memory");
    resume_at_link = 0;
    report(what, result, before, 1);
}

static void translate(const char *what, u64 va, int op)
{
    switch (op) {
    case 0: __asm__ volatile("at s1e1r, %0" :: "r"(va)); break;
    case 1: __asm__ volatile("at s1e1w, %0" :: "r"(va)); break;
    default: __asm__ volatile("at s1e0r, %0" :: "r"(va)); break;
    }
    ISB();
    u64 par = READ_SYSREG(par_el1);
    if (par & 1)
        printf("%-34s PAR F=1 FST=%02x PTW=%u S=%u\n", what, (par >> 1) & 0x3f, (par >> 8) & 1, (par >> 9) & 1);
    else if (par >> 56) /* Normal memory; for Device memory the architecture lets SH read as 0b10 or as mapped */
        printf("%-34s PAR PA=%016lx ATTR=%02x SH=%u\n", what, par & PTE_ADDR_MASK, par >> 56, (par >> 7) & 3);
    else
        printf("%-34s PAR PA=%016lx ATTR=00\n", what, par & PTE_ADDR_MASK);
}

static void invalidate(u64 va)
{
    DSB(ishst);
    __asm__ volatile("tlbi vae1is, %0" :: "r"(va >> 12) : "memory");
    DSB(ish);
    ISB();
}

/* A position-independent function that returns 0x600d, copied into page_b to be run from an alias. */
extern const u32 returns_600d[2];
__asm__(".section .rodata\n.balign 4\nreturns_600d:\n    mov x0, #0x600d\n    ret\n.previous\n");

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    exception_hook = on_exception;
    for (int i = 0; i < 512; i++) {
        page_a[i] = 0xaaaa000000000000UL | (u64)i;
        page_b[i] = 0xbbbb000000000000UL | (u64)i;
    }
    root0 = pt_identity_root();
    u64 *root1 = pt_new_table();
    u64 a = (u64)page_a, b = (u64)page_b;
    pt_map_page(root0, PAGE_VA + 0x0000, a, PT_NORMAL);
    pt_map_page(root0, PAGE_VA + 0x1000, a, PT_NORMAL | PTE_AP_RO);
    pt_map_page(root0, PAGE_VA + 0x2000, a, PT_NORMAL | PTE_AP_EL0 | PTE_PXN);
    u64 *no_af = pt_map_page(root0, PAGE_VA + 0x3000, a, PT_NORMAL & ~PTE_AF);
    u64 *remap = pt_map_page(root0, PAGE_VA + 0x4000, a, PT_NORMAL);
    pt_map_page(root0, PAGE_VA + 0x5000, b, PT_NORMAL | PTE_PXN);
    pt_map_page(root0, PAGE_VA + 0x6000, b, PT_NORMAL | PTE_AP_RO);
    pt_map_block_1g(root0, GIB_BLOCK_VA, 0x40000000UL, PT_NORMAL | PTE_PXN);
    pt_map_page(root1, HIGH_VA, b, PT_NORMAL);
    memcpy(page_b + 16, returns_600d, sizeof returns_600d);
    mmu_enable(root0, root1, 0);
    printf("SCTLR_EL1.M %u\n", READ_SYSREG(sctlr_el1) & 1);

    puts("-- translated accesses\n");
    load("page alias of page_a [5]", PAGE_VA + 5 * 8);
    store("store page_a[6] via alias", PAGE_VA + 6 * 8, 0x1234);
    printf("%-34s %016lx\n", "page_a[6] via identity map", page_a[6]);
    load("TTBR1 page onto page_b [7]", HIGH_VA + 7 * 8);
    store("store page_b[8] via TTBR1", HIGH_VA + 8 * 8, 0x5678);
    load("page_b[8] via read-only alias", PAGE_VA + 0x6000 + 8 * 8);
    load("1 GiB block onto page_a [9]", GIB_BLOCK_VA + (a - 0x40000000UL) + 9 * 8);
    call("run code through an alias", PAGE_VA + 0x6000 + 16 * 8);

    puts("-- translation faults\n");
    load("L3 entry invalid", PAGE_VA + 0x7000);
    load("L2 entry invalid", PAGE_VA + 0x200000);
    load("L1 entry invalid", 0x0000000080000000UL);
    load("L0 entry invalid", 0x0000800000000000UL);
    load("above 48 bits (no TTBR)", 0x0001000000000000UL);
    load("TTBR1 L3 entry invalid", HIGH_VA + 0x1000);

    puts("-- permission and access-flag faults\n");
    store("store to read-only page", PAGE_VA + 0x1000, 1);
    load("load from read-only page", PAGE_VA + 0x1000 + 8);
    load_unprivileged("ldtr from EL1-only page", PAGE_VA);
    load_unprivileged("ldtr from EL0 page", PAGE_VA + 0x2000 + 8);
    store_unprivileged("sttr to EL0 page", PAGE_VA + 0x2000 + 16, 0x9999);
    store_unprivileged("sttr to read-only page", PAGE_VA + 0x1000, 1);
    call("branch to PXN page", PAGE_VA + 0x5000 + 16 * 8);
    call("branch to EL0-writable page", PAGE_VA + 0x2000 + 16 * 8);
    load("access flag clear", PAGE_VA + 0x3000);
    *no_af |= PTE_AF;
    invalidate(PAGE_VA + 0x3000);
    load("access flag set", PAGE_VA + 0x3000 + 3 * 8);

    puts("-- address translation instructions\n");
    translate("AT S1E1R page", PAGE_VA + 0x123, 0);
    translate("AT S1E1R TTBR1 page", HIGH_VA + 0x456, 0);
    translate("AT S1E1R 2 MiB block", (u64)page_a + 0x10, 0);
    translate("AT S1E1R device block", 0x09000000UL, 0);
    translate("AT S1E1R L3 invalid", PAGE_VA + 0x7000, 0);
    translate("AT S1E1R L1 invalid", 0x0000000080000000UL, 0);
    translate("AT S1E1W read-only page", PAGE_VA + 0x1000, 1);
    translate("AT S1E0R EL1-only page", PAGE_VA, 2);
    translate("AT S1E0R EL0 page", PAGE_VA + 0x2000, 2);

    puts("-- TLB maintenance\n");
    load("before remap", PAGE_VA + 0x4000 + 10 * 8);
    *remap = (b & PTE_ADDR_MASK) | PT_NORMAL | PTE_PAGE | PTE_VALID;
    invalidate(PAGE_VA + 0x4000);
    load("after remap + tlbi vae1is", PAGE_VA + 0x4000 + 10 * 8);
    *remap = 0;
    DSB(ishst);
    __asm__ volatile("tlbi vmalle1" ::: "memory");
    DSB(ish);
    ISB();
    load("after unmap + tlbi vmalle1", PAGE_VA + 0x4000 + 10 * 8);

    puts("-- top byte ignore\n");
    load("tagged address, TBI0 = 0", TAG(PAGE_VA + 11 * 8, 0x5a));
    u64 tcr = READ_SYSREG(tcr_el1);
    WRITE_SYSREG(tcr_el1, tcr | TCR_TBI0);
    ISB();
    tlb_flush_all();
    load("tagged address, TBI0 = 1", TAG(PAGE_VA + 11 * 8, 0x5a));
    store("tagged store, TBI0 = 1", TAG(PAGE_VA + 12 * 8, 0xff), 0x7777);
    printf("%-34s %016lx\n", "page_a[12] via identity map", page_a[12]);
    u32 before = faults;
    __asm__ volatile("ldr xzr, [%0]" :: "r"(TAG(PAGE_VA + 0x7000, 0x33)) : "memory");
    report("tagged fault, TBI0 = 1 (no FAR)", 0, before, 0);
    load("tagged TTBR1 address, TBI1 = 0", TAG(HIGH_VA, 0x00) & ~(1UL << 60));
    WRITE_SYSREG(tcr_el1, tcr);
    ISB();
    tlb_flush_all();
    printf("faults taken %u\n", (u64)faults);
}
