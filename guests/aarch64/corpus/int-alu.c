/* Integer data processing: each operation is run on edge-case operands with NZCV preset, and its result
   and NZCV afterwards are printed as hex (for instructions that do not set flags, NZCV shows they left
   the preset value alone). */
#include "rt.h"

static const u64 values[] = {
    0, 1, 2, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0xffffffffffffffffUL,
    0x000000007fffffffUL, 0x0000000080000000UL, 0x00000000ffffffffUL, 0x123456789abcdef0UL,
};
#define NVALUES (sizeof values / sizeof values[0])

static void print_nzcv(u64 nzcv)
{
    putc(nzcv & (1UL << 31) ? 'N' : '-');
    putc(nzcv & (1UL << 30) ? 'Z' : '-');
    putc(nzcv & (1UL << 29) ? 'C' : '-');
    putc(nzcv & (1UL << 28) ? 'V' : '-');
}

static void report(const char *name, u64 a, u64 b, u64 result, u64 nzcv)
{
    printf("%s %016lx %016lx = %016lx ", name, a, b, result);
    print_nzcv(nzcv);
    putc('\n');
}

/* Runs TEXT (an instruction using %[r], %[a], %[b]) with NZCV preset to NZCV_IN, reports result and flags. */
#define RUN2(name, text, a_, b_, nzcv_in)                                                          \
    do {                                                                                         \
        u64 r_, f_;                                                                              \
        __asm__ volatile("msr nzcv, %[fin]\n\t" text "\n\tmrs %[f], nzcv"                        \
                         : [r] "=&r"(r_), [f] "=&r"(f_)                                          \
                         : [a] "r"((u64)(a_)), [b] "r"((u64)(b_)), [fin] "r"((u64)(nzcv_in))       \
                         : "cc");                                                                \
        report(name, a_, b_, r_, f_);                                                              \
    } while (0)

#define RUN3(name, text, a_, b_, c_)                                                                \
    do {                                                                                         \
        u64 r_;                                                                                  \
        __asm__ volatile(text : [r] "=&r"(r_) : [a] "r"((u64)(a_)), [b] "r"((u64)(b_)), [c] "r"((u64)(c_))); \
        printf("%s %016lx %016lx %016lx = %016lx\n", name, (u64)(a_), (u64)(b_), (u64)(c_), r_);    \
    } while (0)

#define CARRY (1UL << 29)

static void add_sub_flags(void)
{
    puts("-- add/sub/adc/sbc with flags\n");
    for (unsigned i = 0; i < NVALUES; i++) {
        for (unsigned j = 0; j < NVALUES; j++) {
            u64 a = values[i], b = values[j];
            RUN2("adds  x", "adds %[r], %[a], %[b]", a, b, 0);
            RUN2("subs  x", "subs %[r], %[a], %[b]", a, b, 0);
            RUN2("adds  w", "adds %w[r], %w[a], %w[b]", a, b, 0);
            RUN2("subs  w", "subs %w[r], %w[a], %w[b]", a, b, 0);
            RUN2("adcs0 x", "adcs %[r], %[a], %[b]", a, b, 0);
            RUN2("adcs1 x", "adcs %[r], %[a], %[b]", a, b, CARRY);
            RUN2("sbcs0 x", "sbcs %[r], %[a], %[b]", a, b, 0);
            RUN2("sbcs1 x", "sbcs %[r], %[a], %[b]", a, b, CARRY);
            RUN2("adcs1 w", "adcs %w[r], %w[a], %w[b]", a, b, CARRY);
            RUN2("sbcs0 w", "sbcs %w[r], %w[a], %w[b]", a, b, 0);
        }
    }
    for (unsigned i = 0; i < NVALUES; i++) {
        u64 a = values[i];
        RUN2("adc1  x", "adc %[r], %[a], %[b]", a, a, CARRY);
        RUN2("sbc0  w", "sbc %w[r], %w[a], %w[b]", a, 1, 0);
        RUN2("negs  x", "negs %[r], %[a]", a, 0, 0);
        RUN2("negs  w", "negs %w[r], %w[a]", a, 0, 0);
        RUN2("ngcs0 x", "ngcs %[r], %[a]", a, 0, 0);
        RUN2("ngcs1 w", "ngcs %w[r], %w[a]", a, 0, CARRY);
        RUN2("addsi x", "adds %[r], %[a], #4095", a, 0, 0);
        RUN2("subsi x", "subs %[r], %[a], #1, lsl #12", a, 0, 0);
        RUN2("cmni  w", "cmn %w[a], #1\n\tmov %[r], xzr", a, 0, 0);
        RUN2("addxb x", "adds %[r], %[a], %w[b], sxtb #2", a, 0x80, 0);
        RUN2("addxh x", "add %[r], %[a], %w[b], uxth #4", a, 0xffff8001, 0);
        RUN2("subxw x", "subs %[r], %[a], %w[b], sxtw", a, 0x80000000, 0);
        RUN2("addsl x", "adds %[r], %[a], %[b], lsl #63", a, 1, 0);
        RUN2("subas x", "subs %[r], %[a], %[b], asr #63", a, 0x8000000000000000UL, 0);
        RUN2("addsr w", "adds %w[r], %w[a], %w[b], lsr #31", a, 0x80000000, 0);
        RUN2("ands  x", "ands %[r], %[a], %[b]", a, 0x8000000000000001UL, CARRY | (1UL << 28));
        RUN2("bics  w", "bics %w[r], %w[a], %w[b]", a, 0x7fffffff, 0);
        RUN2("andsi x", "ands %[r], %[a], #0xff00ff00ff00ff00", a, 0, 0);
        RUN2("tst   w", "tst %w[a], #0x80000001\n\tmov %[r], xzr", a, 0, 0);
        RUN2("eon   x", "eon %[r], %[a], %[b], ror #7", a, 0x0123456789abcdefUL, 0);
        RUN2("orn   w", "orn %w[r], %w[a], %w[b], lsl #3", a, 0x0f0f0f0f, 0);
    }
}

static const u64 shift_amounts[] = {0, 1, 7, 31, 32, 33, 63, 64, 65, 127, 0xffffffffffffffffUL, 0x100000001UL};

static void variable_shifts(void)
{
    puts("-- shifts by register (amount taken modulo the width)\n");
    for (unsigned i = 0; i < NVALUES; i++) {
        for (unsigned j = 0; j < sizeof shift_amounts / sizeof shift_amounts[0]; j++) {
            u64 a = values[i], s = shift_amounts[j];
            RUN2("lslv x", "lslv %[r], %[a], %[b]", a, s, 0);
            RUN2("lsrv x", "lsrv %[r], %[a], %[b]", a, s, 0);
            RUN2("asrv x", "asrv %[r], %[a], %[b]", a, s, 0);
            RUN2("rorv x", "rorv %[r], %[a], %[b]", a, s, 0);
            RUN2("lslv w", "lslv %w[r], %w[a], %w[b]", a, s, 0);
            RUN2("lsrv w", "lsrv %w[r], %w[a], %w[b]", a, s, 0);
            RUN2("asrv w", "asrv %w[r], %w[a], %w[b]", a, s, 0);
            RUN2("rorv w", "rorv %w[r], %w[a], %w[b]", a, s, 0);
        }
    }
}

static void bitfields(void)
{
    puts("-- bitfield moves, extr, bit counting and reversal\n");
    for (unsigned i = 0; i < NVALUES; i++) {
        u64 a = values[i], old = 0x5555555555555555UL;
        RUN2("ubfx   x", "ubfx %[r], %[a], #60, #4", a, 0, 0);
        RUN2("sbfx   x", "sbfx %[r], %[a], #31, #2", a, 0, 0);
        RUN2("sbfx   w", "sbfx %w[r], %w[a], #0, #31", a, 0, 0);
        RUN2("ubfiz  x", "ubfiz %[r], %[a], #59, #5", a, 0, 0);
        RUN2("sbfiz  w", "sbfiz %w[r], %w[a], #4, #28", a, 0, 0);
        RUN2("bfi    x", "mov %[r], %[b]\n\tbfi %[r], %[a], #8, #16", a, old, 0);
        RUN2("bfxil  w", "mov %[r], %[b]\n\tbfxil %w[r], %w[a], #28, #4", a, old, 0);
        RUN2("bfm    x", "mov %[r], %[b]\n\tbfm %[r], %[a], #60, #3", a, old, 0);
        RUN2("bfi xzr x", "mov %[r], %[a]\n\tbfi %[r], xzr, #1, #62", a, 0, 0);
        RUN2("sxtb   x", "sxtb %[r], %w[a]", a, 0, 0);
        RUN2("sxth   w", "sxth %w[r], %w[a]", a, 0, 0);
        RUN2("sxtw   x", "sxtw %[r], %w[a]", a, 0, 0);
        RUN2("uxtb   w", "uxtb %w[r], %w[a]", a, 0, 0);
        RUN2("asr    x", "asr %[r], %[a], #63", a, 0, 0);
        RUN2("lsl    w", "lsl %w[r], %w[a], #31", a, 0, 0);
        RUN2("ror    x", "ror %[r], %[a], #13", a, 0, 0);
        RUN2("extr0  x", "extr %[r], %[a], %[b], #0", a, 0xfedcba9876543210UL, 0);
        RUN2("extr1  x", "extr %[r], %[a], %[b], #1", a, 0xfedcba9876543210UL, 0);
        RUN2("extr63 x", "extr %[r], %[a], %[b], #63", a, 0xfedcba9876543210UL, 0);
        RUN2("extr17 w", "extr %w[r], %w[a], %w[b], #17", a, 0xfedcba9876543210UL, 0);
        RUN2("clz    x", "clz %[r], %[a]", a, 0, 0);
        RUN2("clz    w", "clz %w[r], %w[a]", a, 0, 0);
        RUN2("cls    x", "cls %[r], %[a]", a, 0, 0);
        RUN2("cls    w", "cls %w[r], %w[a]", a, 0, 0);
        RUN2("rbit   x", "rbit %[r], %[a]", a, 0, 0);
        RUN2("rbit   w", "rbit %w[r], %w[a]", a, 0, 0);
        RUN2("rev    x", "rev %[r], %[a]", a, 0, 0);
        RUN2("rev    w", "rev %w[r], %w[a]", a, 0, 0);
        RUN2("rev16  x", "rev16 %[r], %[a]", a, 0, 0);
        RUN2("rev32  x", "rev32 %[r], %[a]", a, 0, 0);
        RUN2("rev16  w", "rev16 %w[r], %w[a]", a, 0, 0);
    }
}

static void multiply_divide(void)
{
    puts("-- multiply\n");
    for (unsigned i = 0; i < NVALUES; i++) {
        for (unsigned j = 0; j < NVALUES; j += 2) {
            u64 a = values[i], b = values[j], c = 0x0123456789abcdefUL;
            RUN3("madd   x", "madd %[r], %[a], %[b], %[c]", a, b, c);
            RUN3("msub   x", "msub %[r], %[a], %[b], %[c]", a, b, c);
            RUN3("madd   w", "madd %w[r], %w[a], %w[b], %w[c]", a, b, c);
            RUN3("mneg   x", "mneg %[r], %[a], %[b]", a, b, c);
            RUN3("smulh  x", "smulh %[r], %[a], %[b]", a, b, c);
            RUN3("umulh  x", "umulh %[r], %[a], %[b]", a, b, c);
            RUN3("smaddl x", "smaddl %[r], %w[a], %w[b], %[c]", a, b, c);
            RUN3("umaddl x", "umaddl %[r], %w[a], %w[b], %[c]", a, b, c);
            RUN3("smsubl x", "smsubl %[r], %w[a], %w[b], %[c]", a, b, c);
            RUN3("umsubl x", "umsubl %[r], %w[a], %w[b], %[c]", a, b, c);
            RUN3("smnegl x", "smnegl %[r], %w[a], %w[b]", a, b, c);
        }
    }
    puts("-- divide (by zero gives 0; INT_MIN / -1 gives INT_MIN)\n");
    static const u64 divisors[] = {0, 1, 2, 3, 0xffffffffffffffffUL, 0x00000000ffffffffUL, 0x8000000000000000UL, 7};
    for (unsigned i = 0; i < NVALUES; i++) {
        for (unsigned j = 0; j < sizeof divisors / sizeof divisors[0]; j++) {
            u64 a = values[i], b = divisors[j];
            RUN2("udiv x", "udiv %[r], %[a], %[b]", a, b, 0);
            RUN2("sdiv x", "sdiv %[r], %[a], %[b]", a, b, 0);
            RUN2("udiv w", "udiv %w[r], %w[a], %w[b]", a, b, 0);
            RUN2("sdiv w", "sdiv %w[r], %w[a], %w[b]", a, b, 0);
        }
    }
}

static void conditionals(void)
{
    puts("-- conditional select / compare over all 16 NZCV patterns\n");
    for (u64 flags = 0; flags < 16; flags++) {
        u64 nzcv = flags << 28, a = 0x1111, b = 0x2222;
        printf("flags ");
        print_nzcv(nzcv);
        putc('\n');
        RUN2("csel   eq", "csel %[r], %[a], %[b], eq", a, b, nzcv);
        RUN2("csel   cs", "csel %[r], %[a], %[b], cs", a, b, nzcv);
        RUN2("csel   mi", "csel %[r], %[a], %[b], mi", a, b, nzcv);
        RUN2("csel   vs", "csel %[r], %[a], %[b], vs", a, b, nzcv);
        RUN2("csinc  hi", "csinc %[r], %[a], %[b], hi", a, b, nzcv);
        RUN2("csinv  ge", "csinv %[r], %[a], %[b], ge", a, b, nzcv);
        RUN2("csneg  gt", "csneg %[r], %[a], %[b], gt", a, b, nzcv);
        RUN2("csinc  le", "csinc %w[r], %w[a], %w[b], le", a, 0xffffffff, nzcv);
        RUN2("csel   al", "csel %[r], %[a], %[b], al", a, b, nzcv);
        RUN2("csel   nv", "csel %[r], %[a], %[b], nv", a, b, nzcv);
        RUN2("cset   ls", "cset %[r], ls", a, b, nzcv);
        RUN2("csetm  lt", "csetm %w[r], lt", a, b, nzcv);
        RUN2("cinc   pl", "cinc %[r], %[a], pl", a, b, nzcv);
        RUN2("cneg   vc", "cneg %[r], %[a], vc", a, b, nzcv);
        RUN2("cinv   cc", "cinv %[r], %[a], cc", a, b, nzcv);
        RUN2("ccmp   eq", "ccmp %[a], %[b], #0b1010, eq\n\tmov %[r], xzr", a, a, nzcv);
        RUN2("ccmp   ne", "ccmp %[a], %[b], #0b0101, ne\n\tmov %[r], xzr", a, b, nzcv);
        RUN2("ccmpi  ge", "ccmp %w[a], #31, #0b1111, ge\n\tmov %[r], xzr", 0x80000000, b, nzcv);
        RUN2("ccmn   lt", "ccmn %[a], %[b], #0b0011, lt\n\tmov %[r], xzr", 0x7fffffffffffffffUL, 1, nzcv);
        RUN2("ccmni  hi", "ccmn %[a], #1, #0b1000, hi\n\tmov %[r], xzr", 0xffffffffffffffffUL, b, nzcv);
    }
}

static void crc(void)
{
    puts("-- crc32 / crc32c\n");
    for (unsigned i = 0; i < NVALUES; i++) {
        u64 acc = 0xffffffff, data = values[i];
        RUN2("crc32b  ", "crc32b %w[r], %w[a], %w[b]", acc, data, 0);
        RUN2("crc32h  ", "crc32h %w[r], %w[a], %w[b]", acc, data, 0);
        RUN2("crc32w  ", "crc32w %w[r], %w[a], %w[b]", acc, data, 0);
        RUN2("crc32x  ", "crc32x %w[r], %w[a], %[b]", acc, data, 0);
        RUN2("crc32cb ", "crc32cb %w[r], %w[a], %w[b]", data, 0x5a, 0);
        RUN2("crc32ch ", "crc32ch %w[r], %w[a], %w[b]", data, 0x5a5a, 0);
        RUN2("crc32cw ", "crc32cw %w[r], %w[a], %w[b]", data, acc, 0);
        RUN2("crc32cx ", "crc32cx %w[r], %w[a], %[b]", data, 0x0123456789abcdefUL, 0);
    }
}

static void moves(void)
{
    puts("-- wide moves\n");
    RUN2("movz    ", "movz %[r], #0xbeef, lsl #48", 0, 0, 0);
    RUN2("movn    ", "movn %[r], #0x1234, lsl #16", 0, 0, 0);
    RUN2("movn   w", "movn %w[r], #0xffff, lsl #16", 0, 0, 0);
    RUN2("movk    ", "mov %[r], %[a]\n\tmovk %[r], #0xcafe, lsl #32", 0x1111222233334444UL, 0, 0);
    RUN2("movk   w", "mov %[r], %[a]\n\tmovk %w[r], #0xcafe", 0x1111222233334444UL, 0, 0);
    RUN2("orri    ", "orr %[r], xzr, #0x5555555555555555", 0, 0, 0);
    RUN2("eori   w", "eor %w[r], %w[a], #0xfffffffe", 0x1111222233334444UL, 0, 0);
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    add_sub_flags();
    variable_shifts();
    bitfields();
    multiply_divide();
    conditionals();
    crc();
    moves();
}
