/* The self-hosted debug architecture: hardware breakpoints (address, linked to a context-ID breakpoint,
   privilege filters, MDSCR_EL1.MDE/KDE, PSTATE.D, the OS lock), watchpoints (every BAS pattern against
   aligned byte, halfword, word and doubleword loads and stores, MASK, LSC, EL0 and unprivileged accesses), and
   software step of EL0 code through branches, an SVC, WFI, a load-exclusive and an UNDEFINED instruction, and
   of EL1 code entered by ERET. Each debug exception prints its ESR and where it was taken.
   Not compared, because QEMU 7.2 departs from the architecture there: the OS lock (QEMU ignores OSLSR.OSLK
   for breakpoints and watchpoints) and watchpoints on unaligned accesses (QEMU matches the bytes of the
   aligned blocks around the access, not those it accesses). */
#include "rt.h"

#define EC(esr) (((esr) >> 26) & 0x3f)
#define EC_SVC64 0x15
#define EC_BREAKPOINT_LOWER 0x30
#define EC_BREAKPOINT_SAME 0x31
#define EC_STEP_LOWER 0x32
#define EC_STEP_SAME 0x33
#define EC_WATCHPOINT_LOWER 0x34
#define EC_WATCHPOINT_SAME 0x35
#define MDSCR_SS (1UL << 0)
#define MDSCR_KDE (1UL << 13)
#define MDSCR_MDE (1UL << 15)
#define SPSR_SS (1UL << 21)
#define SCTLR_NTWI (1UL << 16)
#define SCTLR_NTWE (1UL << 18)
#define BCR_E 1UL
#define PMC_EL1 (1UL << 1)
#define PMC_EL0 (1UL << 2)
#define BAS_A64 (0xfUL << 5)
#define BT_LINKED_ADDRESS (1UL << 20)
#define BT_LINKED_CONTEXT (3UL << 20)
#define LBN(n) ((u64)(n) << 16)
#define LSC_LOAD (1UL << 3)
#define LSC_STORE (2UL << 3)
#define BAS(b) ((u64)(b) << 5)
#define MASK(m) ((u64)(m) << 24)
#define EL0_CODE_VA 0x10000000UL
#define EL0_DATA_VA 0x10010000UL

extern char bp_target[], el0_code[], el0_step[], el1_step[];
static u8 wbuf[4096] __attribute__((aligned(4096)));
static volatile u64 hit_esr, hit_far, hit_elr;
static volatile int step_keep_going;

#define SET_BP(n) case n: WRITE_SYSREG(dbgbvr##n##_el1, bvr); WRITE_SYSREG(dbgbcr##n##_el1, bcr); break;
#define SET_WP(n) case n: WRITE_SYSREG(dbgwvr##n##_el1, wvr); WRITE_SYSREG(dbgwcr##n##_el1, wcr); break;
static void set_bp(unsigned n, u64 bvr, u64 bcr)
{
    switch (n) { SET_BP(0) SET_BP(1) SET_BP(2) SET_BP(3) SET_BP(4) SET_BP(5) }
    ISB();
}
static void set_wp(unsigned n, u64 wvr, u64 wcr)
{
    switch (n) { SET_WP(0) SET_WP(1) SET_WP(2) SET_WP(3) }
    ISB();
}
static void clear_all(void)
{
    for (unsigned n = 0; n < 6; n++)
        set_bp(n, 0, 0);
    for (unsigned n = 0; n < 4; n++)
        set_wp(n, 0, 0);
}

static const char *where(u64 elr)
{
    static char text[48];
    const char *base = "?";
    u64 from = 0;
    if (elr >= (u64)bp_target && elr < (u64)bp_target + 64) { base = "bp_target"; from = (u64)bp_target; }
    else if (elr >= EL0_CODE_VA && elr < EL0_CODE_VA + 4096) { base = "el0_page"; from = EL0_CODE_VA; }
    else if (elr >= (u64)el1_step && elr < (u64)el1_step + 64) { base = "el1_step"; from = (u64)el1_step; }
    else { base = "elsewhere"; from = elr; }
    char *p = text;
    while (*base)
        *p++ = *base++;
    *p++ = '+';
    u64 off = elr - from;
    char digits[8];
    int k = 0;
    do { digits[k++] = (char)('0' + off % 10); off /= 10; } while (off);
    while (k)
        *p++ = digits[--k];
    *p = 0;
    return text;
}

static int on_exception(struct exc_frame *f, unsigned kind)
{
    if (kind != EXC_SPX_SYNC && kind != EXC_EL0_64_SYNC)
        return 0;
    u64 ec = EC(f->esr);
    if (kind == EXC_EL0_64_SYNC && ec == EC_SVC64 && (f->esr & 0xffff) == EL0_EXIT) {
        el0_return(f);
        return 1;
    }
    switch (ec) {
    case EC_BREAKPOINT_LOWER: case EC_BREAKPOINT_SAME:
        printf("  breakpoint ESR=%08lx ELR=%s\n", f->esr, where(f->elr));
        for (unsigned n = 0; n < 6; n++)
            set_bp(n, 0, 0); /* the instruction runs when we return */
        return 1;
    case EC_WATCHPOINT_LOWER: case EC_WATCHPOINT_SAME:
        hit_esr = f->esr;
        hit_far = f->far;
        hit_elr = f->elr;
        for (unsigned n = 0; n < 4; n++)
            set_wp(n, 0, 0); /* the access completes when we return */
        return 1;
    case EC_STEP_LOWER: case EC_STEP_SAME:
        printf("  step ESR=%08lx ELR=%s SPSR.SS=%lu\n", f->esr, where(f->elr), (f->spsr >> 21) & 1);
        if (step_keep_going)
            f->spsr |= SPSR_SS;
        else
            WRITE_SYSREG(mdscr_el1, 0); /* one step exception, then run freely */
        return 1;
    default:
        printf("  sync ESR=%08lx ELR=%s SPSR.SS=%lu\n", f->esr, where(f->elr), (f->spsr >> 21) & 1);
        if (ec != EC_SVC64)
            f->elr += 4;
        return 1;
    }
}

static void call_target(const char *what)
{
    printf("%s\n", what);
    u64 r;
    __asm__ volatile("blr %1\n\tmov %0, x0" : "=r"(r) : "r"(bp_target) : "x0", "x30", "memory");
    if (r != 3)
        printf("  bp_target returned %lu\n", r);
}

static void breakpoints(void)
{
    u64 at = (u64)bp_target + 8;
    u64 el1 = BCR_E | PMC_EL1 | PMC_EL0 | BAS_A64;
    WRITE_SYSREG(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
    __asm__ volatile("msr daifclr, #8");
    ISB();
    set_bp(0, at, el1);
    call_target("breakpoint 0 at EL1, MDE, KDE, PSTATE.D clear");
    set_bp(5, at, el1);
    call_target("breakpoint 5");
    set_bp(2, at, BCR_E | PMC_EL0 | BAS_A64);
    call_target("breakpoint for EL0 only, at EL1");
    set_bp(2, 0, 0);
    set_bp(1, at, el1 & ~BCR_E);
    call_target("breakpoint not enabled");
    set_bp(1, 0, 0);
    WRITE_SYSREG(contextidr_el1, 0x42);
    set_bp(4, 0x42, BCR_E | PMC_EL1 | BAS_A64 | BT_LINKED_CONTEXT);
    set_bp(0, at, el1 | BT_LINKED_ADDRESS | LBN(4));
    call_target("breakpoint linked to a matching context-ID breakpoint");
    set_bp(4, 0x43, BCR_E | PMC_EL1 | BAS_A64 | BT_LINKED_CONTEXT);
    set_bp(0, at, el1 | BT_LINKED_ADDRESS | LBN(4));
    call_target("breakpoint linked to a context-ID breakpoint that does not match");
    clear_all();
    set_bp(3, at, el1);
    __asm__ volatile("msr daifset, #8");
    call_target("PSTATE.D set");
    __asm__ volatile("msr daifclr, #8");
    WRITE_SYSREG(mdscr_el1, MDSCR_MDE);
    ISB();
    call_target("MDSCR_EL1.KDE clear");
    WRITE_SYSREG(mdscr_el1, MDSCR_KDE);
    ISB();
    call_target("MDSCR_EL1.MDE clear");
    WRITE_SYSREG(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
    ISB();
    call_target("MDE and KDE set again");
    clear_all();

    puts("breakpoint at EL0, KDE clear\n");
    WRITE_SYSREG(mdscr_el1, MDSCR_MDE);
    set_bp(1, EL0_CODE_VA + 4, BCR_E | PMC_EL0 | BAS_A64);
    u64 x0 = el0_run(EL0_CODE_VA, 0, 0x3c0, EL0_DATA_VA);
    printf("  back at EL1, x0 %lx\n", x0);
    clear_all();
}

static void access(int store, int size, u64 address)
{
    if (store) {
        switch (size) {
        case 1: __asm__ volatile("strb wzr, [%0]" :: "r"(address) : "memory"); break;
        case 2: __asm__ volatile("strh wzr, [%0]" :: "r"(address) : "memory"); break;
        case 4: __asm__ volatile("str wzr, [%0]" :: "r"(address) : "memory"); break;
        default: __asm__ volatile("str xzr, [%0]" :: "r"(address) : "memory"); break;
        }
    } else {
        switch (size) {
        case 1: __asm__ volatile("ldrb w9, [%0]" :: "r"(address) : "x9", "memory"); break;
        case 2: __asm__ volatile("ldrh w9, [%0]" :: "r"(address) : "x9", "memory"); break;
        case 4: __asm__ volatile("ldr w9, [%0]" :: "r"(address) : "x9", "memory"); break;
        default: __asm__ volatile("ldr x9, [%0]" :: "r"(address) : "x9", "memory"); break;
        }
    }
}

/* One watchpoint, then one access; prints "." for no hit, else the FAR's offset from the watched doubleword. */
static void watch_once(u64 wvr, u64 wcr, int store, int size, u64 address)
{
    hit_esr = 0;
    set_wp(2, wvr, wcr);
    access(store, size, address);
    set_wp(2, 0, 0);
    if (!hit_esr)
        putc('.');
    else
        printf("%ld", (s64)(hit_far - wvr));
}

static void watchpoints(void)
{
    static const u8 patterns[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80,
                                  0x03, 0x0c, 0x30, 0xc0, 0x0f, 0xf0, 0xff};
    static const struct { int size; int offset; } accesses[] = {
        {1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 7}, {2, 0}, {2, 2}, {2, 4}, {2, 6},
        {4, 0}, {4, 4}, {8, 0},
    };
    u64 watched = (u64)wbuf + 64;
    WRITE_SYSREG(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
    __asm__ volatile("msr daifclr, #8");
    ISB();
    puts("watchpoint: BAS, then per access (size@offset) '.' or the FAR's offset from the WVR\n");
    puts("  accesses: b@0..b@7 h@0 h@2 h@4 h@6 w@0 w@4 d@0\n");
    for (int store = 0; store < 2; store++) {
        for (unsigned p = 0; p < sizeof patterns; p++) {
            printf("  %s BAS=%02x ", store ? "store" : "load ", patterns[p]);
            for (unsigned a = 0; a < sizeof accesses / sizeof accesses[0]; a++) {
                watch_once(watched, BCR_E | PMC_EL1 | (store ? LSC_STORE : LSC_LOAD) | BAS(patterns[p]), store,
                           accesses[a].size, watched + accesses[a].offset);
                putc(' ');
            }
            putc('\n');
        }
    }
    printf("  ESR of the last store hit %08lx, ELR in access %d\n", hit_esr, hit_elr != 0);
    puts("watchpoint with WVR bit 2 set (BAS[3:0] cover the word), BAS=0x36\n  ");
    for (int off = 0; off < 8; off++) {
        watch_once(watched + 4, BCR_E | PMC_EL1 | LSC_LOAD | BAS(0x36), 0, 1, watched + off);
        putc(' ');
    }
    puts("\nwatchpoint BAS=0x0b (not contiguous: the first run only)\n  ");
    for (int off = 0; off < 8; off++) {
        watch_once(watched, BCR_E | PMC_EL1 | LSC_LOAD | BAS(0x0b), 0, 1, watched + off);
        putc(' ');
    }
    puts("\nwatchpoint MASK=6 (64 bytes) at wbuf+64\n  ");
    static const int mask_offsets[] = {-1, 0, 17, 63, 64};
    for (unsigned i = 0; i < 5; i++) {
        watch_once(watched, BCR_E | PMC_EL1 | LSC_LOAD | LSC_STORE | BAS(0xff) | MASK(6), 1, 1, watched + mask_offsets[i]);
        putc(' ');
    }
    puts("\nwatchpoint for loads, a store; for stores, a load\n  ");
    watch_once(watched, BCR_E | PMC_EL1 | LSC_LOAD | BAS(0xff), 1, 8, watched);
    watch_once(watched, BCR_E | PMC_EL1 | LSC_STORE | BAS(0xff), 0, 8, watched);
    puts("\nwatchpoint for EL0 only: an EL1 load, then LDTR\n  ");
    watch_once(watched, BCR_E | PMC_EL0 | LSC_LOAD | BAS(0xff), 0, 8, watched);
    hit_esr = 0;
    set_wp(3, EL0_DATA_VA + 64, BCR_E | PMC_EL0 | LSC_LOAD | BAS(0xff));
    __asm__ volatile("ldtr x9, [%0]" :: "r"(EL0_DATA_VA + 64) : "x9", "memory");
    printf("%s ESR=%08lx\n", hit_esr ? "hit" : "no hit", hit_esr);
    puts("watchpoint on the second register of an ldp, then of an stp\n");
    hit_esr = 0;
    set_wp(0, watched + 8, BCR_E | PMC_EL1 | LSC_LOAD | LSC_STORE | BAS(0x01));
    __asm__ volatile("ldp x9, x10, [%0]" :: "r"(watched) : "x9", "x10", "memory");
    printf("  ldp: ESR=%08lx FAR=wvr%+ld\n", hit_esr, (s64)(hit_far - (watched + 8)));
    hit_esr = 0;
    set_wp(0, watched + 8, BCR_E | PMC_EL1 | LSC_LOAD | LSC_STORE | BAS(0x01));
    __asm__ volatile("stp xzr, xzr, [%0]" :: "r"(watched) : "memory");
    printf("  stp: ESR=%08lx FAR=wvr%+ld\n", hit_esr, (s64)(hit_far - (watched + 8)));
    puts("watchpoint at EL0 (KDE clear)\n");
    WRITE_SYSREG(mdscr_el1, MDSCR_MDE);
    hit_esr = 0;
    set_wp(1, EL0_DATA_VA + 16, BCR_E | PMC_EL0 | LSC_LOAD | BAS(0xff));
    el0_run(EL0_CODE_VA, 0, 0x3c0, EL0_DATA_VA);
    printf("  ESR=%08lx FAR=%lx ELR=%s\n", hit_esr, hit_far, where(hit_elr));
    clear_all();
}

static void software_step(void)
{
    puts("software step of EL0 code (KDE clear)\n");
    u64 sctlr = READ_SYSREG(sctlr_el1);
    WRITE_SYSREG(sctlr_el1, sctlr | SCTLR_NTWI | SCTLR_NTWE); /* EL0 may wait: a stepped WFI does not */
    WRITE_SYSREG(mdscr_el1, MDSCR_SS);
    ISB();
    step_keep_going = 1;
    u64 x0 = el0_run(EL0_CODE_VA + ((u64)el0_step - (u64)el0_code), 0, 0x3c0 | SPSR_SS, EL0_DATA_VA);
    printf("  back at EL1, x0 %lx\n", x0);
    puts("eret to EL0 with SPSR.SS clear: a step exception before the first instruction\n");
    step_keep_going = 0;
    x0 = el0_run(EL0_CODE_VA, 0, 0x3c0, EL0_DATA_VA);
    printf("  back at EL1, x0 %lx\n", x0);
    WRITE_SYSREG(mdscr_el1, 0);
    WRITE_SYSREG(sctlr_el1, sctlr);
    ISB();

    puts("software step of EL1 code entered by eret with SPSR.D clear and SPSR.SS set (KDE set)\n");
    WRITE_SYSREG(mdscr_el1, MDSCR_SS | MDSCR_KDE);
    __asm__ volatile("msr daifset, #8");
    ISB();
    step_keep_going = 1;
    u64 r;
    __asm__ volatile("adr x9, 1f\n\t"
                     "stp x9, x30, [sp, #-16]!\n\t"
                     "mov x30, x9\n\t"
                     "msr elr_el1, %[entry]\n\t"
                     "msr spsr_el1, %[spsr]\n\t"
                     "eret\n"
                     "1: ldp x9, x30, [sp], #16\n\t"
                     "mov %[r], x0"
                     : [r] "=r"(r)
                     : [entry] "r"(el1_step), [spsr] "r"(0x1c5UL | SPSR_SS)
                     : "x0", "x9", "memory", "cc");
    step_keep_going = 0;
    WRITE_SYSREG(mdscr_el1, 0);
    __asm__ volatile("msr daifset, #8");
    ISB();
    printf("  back, x0 %lx\n", r);
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    exception_hook = on_exception;
    u64 *root = pt_identity_root();
    pt_map_page(root, EL0_CODE_VA, (u64)el0_code, PT_NORMAL | PTE_AP_EL0 | PTE_AP_RO | PTE_PXN);
    pt_map_page(root, EL0_DATA_VA, (u64)wbuf, PT_NORMAL | PTE_AP_EL0 | PTE_PXN | PTE_UXN);
    mmu_enable(root, NULL, 0);
    printf("OSLSR_EL1 at reset %lx\n", READ_SYSREG(oslsr_el1));
    WRITE_SYSREG(oslar_el1, 0);
    ISB();
    breakpoints();
    watchpoints();
    software_step();
    WRITE_SYSREG(mdscr_el1, 0);
}

__asm__(".text\n"
        ".balign 64\n"
        ".global bp_target\n"
        "bp_target:\n"
        "    mov x0, #1\n"
        "    add x0, x0, #1\n"
        "    add x0, x0, #1\n"
        "    ret\n"
        ".balign 64\n"
        ".global el1_step\n"
        "el1_step:\n"
        "    mov x0, #1\n"
        "    b 1f\n"
        "    mov x0, #99\n"
        "1:  add x0, x0, #1\n"
        "    msr daifset, #8\n"       /* debug exceptions masked: stepping stops here */
        "    add x0, x0, #1\n"
        "    ret\n"
        ".section .text.el0, \"ax\"\n"
        ".balign 4096\n"
        ".global el0_code\n"
        "el0_code:\n"
        "    mov x0, #1\n"
        "    ldr x2, [x1, #16]\n"
        "    add x0, x0, #1\n"
        "    svc #0x99\n"
        ".global el0_step\n"
        "el0_step:\n"
        "    mov x2, #1\n"
        "    b 1f\n"
        "    nop\n"
        "1:  cbz x2, 2f\n"
        "    bl 3f\n"
        "    b 4f\n"
        "3:  ret\n"
        "4:  svc #0x77\n"
        "    wfi\n"
        "    ldr x3, [x1]\n"
        "    ldxr x4, [x1]\n"
        "    udf #0\n"
        "2:  mov x0, #5\n"
        "    svc #0x99\n"
        ".balign 4096\n"
        ".previous\n");
