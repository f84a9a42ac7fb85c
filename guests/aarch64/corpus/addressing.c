/* Loads and stores in every A64 addressing mode and size, on a patterned buffer in normal memory (the
   MMU is on with an identity map). Each line shows the value moved and where the base register ended,
   as an offset from the buffer. */
#include "rt.h"

static u8 buf[256] __attribute__((aligned(64)));
static u8 zva_area[512] __attribute__((aligned(256)));

static void fill_pattern(void)
{
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (u8)(i * 0x1d + 0x80);
}

static void dump_buf(const char *what, unsigned from, unsigned to)
{
    printf("%s [%u..%u):", what, from, to);
    for (unsigned i = from; i < to; i++)
        printf(" %02x", (u64)buf[i]);
    putc('\n');
}

/* TEXT uses %[v] (value loaded), %[p] (base, may write back) and %[i] (index register). */
#define LOAD(name, text, start, index)                                                        \
    do {                                                                                      \
        u64 v_ = 0;                                                                           \
        u8 *p_ = buf + (start);                                                               \
        __asm__ volatile(text : [v] "=&r"(v_), [p] "+r"(p_) : [i] "r"((u64)(index)) : "memory"); \
        printf("%-28s %016lx base %d\n", name, v_, (s64)(p_ - buf));                         \
    } while (0)

/* TEXT uses %[v] (value stored), %[p] and %[i] as above; the touched bytes are printed. */
#define STORE(name, text, start, index, value, from, to)                                      \
    do {                                                                                      \
        u8 *p_ = buf + (start);                                                               \
        __asm__ volatile(text : [p] "+r"(p_) : [v] "r"((u64)(value)), [i] "r"((u64)(index)) : "memory"); \
        printf("%-28s base %d", name, (s64)(p_ - buf));                                      \
        dump_buf("", from, to);                                                               \
    } while (0)

static void single_loads(void)
{
    puts("-- loads: immediate offsets and writeback\n");
    LOAD("ldr x [p,#16]", "ldr %[v], [%[p], #16]", 0, 0);
    LOAD("ldr x [p,#32760]", "sub %[p], %[p], #8, lsl #12\n\tadd %[p], %[p], #8\n\tldr %[v], [%[p], #32760]", 8, 0);
    LOAD("ldr w [p,#4]", "ldr %w[v], [%[p], #4]", 0, 0);
    LOAD("ldrh [p,#6]", "ldrh %w[v], [%[p], #6]", 0, 0);
    LOAD("ldrb [p,#255]", "ldrb %w[v], [%[p], #255]", 0, 0);
    LOAD("ldur x [p,#-3]", "ldur %[v], [%[p], #-3]", 19, 0);
    LOAD("ldur w [p,#255]", "sub %[p], %[p], #240\n\tldur %w[v], [%[p], #255]", 0, 0);
    LOAD("ldurh [p,#-256]", "add %[p], %[p], #257\n\tldurh %w[v], [%[p], #-256]", 0, 0);
    LOAD("ldr x [p,#24]!", "ldr %[v], [%[p], #24]!", 8, 0);
    LOAD("ldr w [p,#-4]!", "ldr %w[v], [%[p], #-4]!", 40, 0);
    LOAD("ldrb [p,#255]!", "ldrb %w[v], [%[p], #255]!", 0, 0);
    LOAD("ldr x [p],#-8", "ldr %[v], [%[p]], #-8", 64, 0);
    LOAD("ldrh [p],#3", "ldrh %w[v], [%[p]], #3", 10, 0);
    LOAD("ldr w [p],#-256", "ldr %w[v], [%[p]], #-256", 200, 0);
    puts("-- loads: register offsets\n");
    LOAD("ldr x [p,i]", "ldr %[v], [%[p], %[i]]", 0, 24);
    LOAD("ldr x [p,i,lsl#3]", "ldr %[v], [%[p], %[i], lsl #3]", 0, 5);
    LOAD("ldr w [p,i,lsl#2]", "ldr %w[v], [%[p], %[i], lsl #2]", 0, 7);
    LOAD("ldr w [p,wi,sxtw#2]", "ldr %w[v], [%[p], %w[i], sxtw #2]", 128, -3);
    LOAD("ldr x [p,wi,uxtw]", "ldr %[v], [%[p], %w[i], uxtw]", 0, 0xffffffff00000020UL);
    LOAD("ldrh [p,wi,sxtw#1]", "ldrh %w[v], [%[p], %w[i], sxtw #1]", 100, 0xfffffff0);
    LOAD("ldrb [p,wi,uxtw]", "ldrb %w[v], [%[p], %w[i], uxtw]", 0, 0x1000000c9UL);
    LOAD("ldrb [p,i,lsl#0]", "ldrb %w[v], [%[p], %[i], lsl #0]", 0, 77);
    LOAD("ldr x [p,i,sxtx]", "ldr %[v], [%[p], %[i], sxtx]", 128, -64);
    puts("-- sign-extending loads\n");
    for (unsigned off = 0; off < 16; off += 5) {
        LOAD("ldrsb w", "ldrsb %w[v], [%[p]]", off, 0);
        LOAD("ldrsb x", "ldrsb %[v], [%[p]]", off, 0);
        LOAD("ldrsh w", "ldrsh %w[v], [%[p]]", off * 2, 0);
        LOAD("ldrsh x", "ldrsh %[v], [%[p]]", off * 2, 0);
        LOAD("ldrsw x", "ldrsw %[v], [%[p]]", off * 4, 0);
    }
    LOAD("ldursb x [p,#-1]", "ldursb %[v], [%[p], #-1]", 1, 0);
    LOAD("ldrsw x [p,#8]!", "ldrsw %[v], [%[p], #8]!", 4, 0);
    LOAD("ldrsh w [p],#2", "ldrsh %w[v], [%[p]], #2", 14, 0);
    LOAD("ldrsb x [p,i,lsl#0]", "ldrsb %[v], [%[p], %[i]]", 0, 3);
    LOAD("ldrsw x [p,wi,sxtw#2]", "ldrsw %[v], [%[p], %w[i], sxtw #2]", 64, -1);
}

static void single_stores(void)
{
    puts("-- stores\n");
    u64 v = 0xf1e2d3c4b5a69788UL;
    STORE("str x [p,#8]", "str %[v], [%[p], #8]", 0, 0, v, 8, 16);
    STORE("str w [p,#4]!", "str %w[v], [%[p], #4]!", 16, 0, v, 20, 24);
    STORE("strh [p],#-2", "strh %w[v], [%[p]], #-2", 30, 0, v, 28, 32);
    STORE("strb [p,#-1]", "sturb %w[v], [%[p], #-1]", 40, 0, v, 38, 40);
    STORE("stur x [p,#-7]", "stur %[v], [%[p], #-7]", 56, 0, v, 48, 58);
    STORE("str x [p,i,lsl#3]", "str %[v], [%[p], %[i], lsl #3]", 0, 8, v, 64, 72);
    STORE("strh [p,wi,sxtw#1]", "strh %w[v], [%[p], %w[i], sxtw #1]", 80, -2, v, 74, 80);
    STORE("strb [p,wi,uxtw]", "strb %w[v], [%[p], %w[i], uxtw]", 80, 0xffffffff00000003UL, v, 80, 84);
    STORE("str xzr [p,#88]", "str xzr, [%[p], #88]", 0, 0, v, 84, 100);
    STORE("str w [p,#1020]", "sub %[p], %[p], #1020\n\tstr %w[v], [%[p], #1020]", 100, 0, v, 96, 104);
}

static void pairs(void)
{
    puts("-- pairs\n");
    fill_pattern();
    for (unsigned start = 8; start < 56; start += 24) {
        u64 a, b;
        u8 *p = buf + start;
        __asm__ volatile("ldp %[a], %[b], [%[p], #8]" : [a] "=&r"(a), [b] "=&r"(b) : [p] "r"(p) : "memory");
        printf("ldp x [p,#8] %016lx %016lx\n", a, b);
        __asm__ volatile("ldp %w[a], %w[b], [%[p], #-8]!" : [a] "=&r"(a), [b] "=&r"(b), [p] "+r"(p) :: "memory");
        printf("ldp w [p,#-8]! %016lx %016lx base %d\n", a, b, (s64)(p - buf));
        __asm__ volatile("ldpsw %[a], %[b], [%[p]], #16" : [a] "=&r"(a), [b] "=&r"(b), [p] "+r"(p) :: "memory");
        printf("ldpsw [p],#16 %016lx %016lx base %d\n", a, b, (s64)(p - buf));
        __asm__ volatile("ldnp %[a], %[b], [%[p], #-16]" : [a] "=&r"(a), [b] "=&r"(b) : [p] "r"(p) : "memory");
        printf("ldnp x [p,#-16] %016lx %016lx\n", a, b);
    }
    u8 *p = buf + 128;
    __asm__ volatile("stp %[a], %[b], [%[p], #-16]!" : [p] "+r"(p) : [a] "r"(0x1111111111111111UL), [b] "r"(0x2222222222222222UL) : "memory");
    printf("stp x [p,#-16]! base %d", (s64)(p - buf));
    dump_buf("", 108, 132);
    __asm__ volatile("stp %w[a], %w[b], [%[p]], #-252" : [p] "+r"(p) : [a] "r"(0x33333333aaaaaaaaUL), [b] "r"(0x44444444bbbbbbbbUL) : "memory");
    printf("stp w [p],#-252 base %d", (s64)(p - buf));
    dump_buf("", 112, 120);
    p = buf + 160;
    __asm__ volatile("sub %[p], %[p], #504\n\tstnp %[a], %[b], [%[p], #504]" : [p] "+r"(p) : [a] "r"(0x5555555555555555UL), [b] "r"(0x6666666666666666UL) : "memory");
    dump_buf("stnp x [p,#504]", 156, 180);
}

static void literals(void)
{
    puts("-- PC-relative\n");
    u64 x, w, sw, adr_delta, adrp_low;
    __asm__ volatile("ldr %[x], 1f\n\t"
                     "ldr %w[w], 2f\n\t"
                     "ldrsw %[sw], 2f\n\t"
                     "b 3f\n\t"
                     ".balign 8\n"
                     "1: .quad 0x8877665544332211\n"
                     "2: .word 0xdeadbeef\n"
                     "3: adr %[ad], 1b\n\t"
                     "adr %[ap], 3b\n\t"
                     "sub %[ad], %[ap], %[ad]\n\t"
                     "adrp %[ap], 3b\n\t"
                     "and %[ap], %[ap], #0xfff"
                     : [x] "=&r"(x), [w] "=&r"(w), [sw] "=&r"(sw), [ad] "=&r"(adr_delta), [ap] "=&r"(adrp_low));
    printf("ldr x literal %016lx\n", x);
    printf("ldr w literal %016lx\n", w);
    printf("ldrsw literal %016lx\n", sw);
    printf("adr distance %u, adrp low bits %x\n", adr_delta, adrp_low);
}

static void exclusives(void)
{
    puts("-- exclusives and acquire/release\n");
    static u64 word __attribute__((aligned(16))) = 100;
    static u64 pair[2] __attribute__((aligned(16))) = {7, 8};
    u64 old, status, lo, hi;
    __asm__ volatile("ldxr %[o], [%[a]]\n\tadd %[o], %[o], #1\n\tstxr %w[s], %[o], [%[a]]"
                     : [o] "=&r"(old), [s] "=&r"(status) : [a] "r"(&word) : "memory");
    printf("ldxr/stxr status %u word %u\n", status, word);
    __asm__ volatile("ldxr %[o], [%[a]]\n\tclrex\n\tstxr %w[s], %[o], [%[a]]"
                     : [o] "=&r"(old), [s] "=&r"(status) : [a] "r"(&word) : "memory");
    printf("ldxr/clrex/stxr status %u word %u\n", status, word);
    __asm__ volatile("ldaxr %w[o], [%[a]]\n\tadd %w[o], %w[o], #2\n\tstlxr %w[s], %w[o], [%[a]]"
                     : [o] "=&r"(old), [s] "=&r"(status) : [a] "r"(&word) : "memory");
    printf("ldaxr w/stlxr w status %u word %u\n", status, word);
    __asm__ volatile("ldxrb %w[o], [%[a]]\n\tstxrb %w[s], %w[v], [%[a]]"
                     : [o] "=&r"(old), [s] "=&r"(status) : [a] "r"(&word), [v] "r"(0xfe) : "memory");
    printf("ldxrb %x/stxrb status %u word %016lx\n", old, status, word);
    __asm__ volatile("ldaxrh %w[o], [%[a]]\n\tstlxrh %w[s], %w[v], [%[a]]"
                     : [o] "=&r"(old), [s] "=&r"(status) : [a] "r"(&word), [v] "r"(0xabcd) : "memory");
    printf("ldaxrh %x/stlxrh status %u word %016lx\n", old, status, word);
    __asm__ volatile("ldxp %[l], %[h], [%[a]]\n\tstxp %w[s], %[h], %[l], [%[a]]"
                     : [l] "=&r"(lo), [h] "=&r"(hi), [s] "=&r"(status) : [a] "r"(pair) : "memory");
    printf("ldxp %u %u/stxp swapped status %u pair %u %u\n", lo, hi, status, pair[0], pair[1]);
    __asm__ volatile("ldaxp %w[l], %w[h], [%[a]]\n\tstlxp %w[s], %w[l], %w[h], [%[a]]"
                     : [l] "=&r"(lo), [h] "=&r"(hi), [s] "=&r"(status) : [a] "r"(pair) : "memory");
    printf("ldaxp w %u %u/stlxp status %u pair %016lx\n", lo, hi, status, pair[0]);
    __asm__ volatile("clrex\n\tstxr %w[s], %[v], [%[a]]" : [s] "=&r"(status) : [a] "r"(&word), [v] "r"(0UL) : "memory");
    printf("stxr without ldxr status %u word %016lx\n", status, word);
    __asm__ volatile("stlr %[v], [%[a]]\n\tldar %[o], [%[a]]" : [o] "=&r"(old) : [a] "r"(&word), [v] "r"(0x1234567890UL) : "memory");
    printf("stlr/ldar %016lx\n", old);
    __asm__ volatile("stlrb %w[v], [%[a]]\n\tldarh %w[o], [%[a]]" : [o] "=&r"(old) : [a] "r"(&word), [v] "r"(0xffUL) : "memory");
    printf("stlrb/ldarh %016lx\n", old);
    __asm__ volatile("stlrh %w[v], [%[a]]\n\tldar %w[o], [%[a]]" : [o] "=&r"(old) : [a] "r"(&word), [v] "r"(0x8001UL) : "memory");
    printf("stlrh/ldar w %016lx\n", old);
}

static void zero_by_va(void)
{
    puts("-- dc zva\n");
    u64 dczid = READ_SYSREG(dczid_el0);
    u64 block = 4UL << (dczid & 0xf);
    printf("DCZID block size %u bytes, prohibited %u\n", block, (dczid >> 4) & 1);
    memset(zva_area, 0xff, sizeof zva_area);
    __asm__ volatile("dc zva, %0" :: "r"(zva_area + 3 * block - 5) : "memory");
    int first = -1, last = -1;
    for (int i = 0; i < (int)sizeof zva_area; i++) {
        if (zva_area[i] == 0) {
            if (first < 0)
                first = i;
            last = i;
        }
    }
    printf("zeroed bytes %d..%d\n", (s64)first, (s64)last);
    __asm__ volatile("prfm pldl1keep, [%0]\n\tprfm pstl2strm, [%0, #64]" :: "r"(buf));
    puts("prfm done\n");
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    mmu_enable(pt_identity_root(), NULL, 0);
    fill_pattern();
    dump_buf("pattern", 0, 32);
    single_loads();
    single_stores();
    pairs();
    literals();
    exclusives();
    zero_by_va();
}
