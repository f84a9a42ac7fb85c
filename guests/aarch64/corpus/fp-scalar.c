/* Scalar floating point, printed as bit patterns with FPSR after each operation: arithmetic under each
   FPCR rounding mode, flush-to-zero (FZ) and default-NaN (DN), NaN propagation and operand order,
   conversions between integer, half, single and double precision with saturation, compares. */
#include "rt.h"

#define FPCR_RMODE(m) ((u64)(m) << 22)
#define FPCR_FZ (1UL << 24)
#define FPCR_DN (1UL << 25)
#define FPCR_AHP (1UL << 26)
static const char *const mode_names[4] = {"RN", "RP", "RM", "RZ"};

/* Double-precision operands. */
#define D_ONE 0x3ff0000000000000UL
#define D_ONE_ULP 0x3ff0000000000001UL
#define D_THREE 0x4008000000000000UL
#define D_TENTH 0x3fb999999999999aUL
#define D_MINUS_HALF 0xbfe0000000000000UL
#define D_TWO_POW_M53 0x3ca0000000000000UL
#define D_MIN_SUB 0x0000000000000001UL
#define D_MAX_SUB 0x000fffffffffffffUL
#define D_MIN_NORM 0x0010000000000000UL
#define D_MAX 0x7fefffffffffffffUL
#define D_INF 0x7ff0000000000000UL
#define D_NINF 0xfff0000000000000UL
#define D_ZERO 0x0000000000000000UL
#define D_NZERO 0x8000000000000000UL
#define D_QNAN1 0x7ff8000000000001UL
#define D_QNAN2 0xfff8000000000002UL
#define D_SNAN1 0x7ff0000000000003UL
#define D_SNAN2 0xfff0000000000004UL
/* Single-precision operands. */
#define S_ONE 0x3f800000UL
#define S_THIRD 0x3eaaaaabUL
#define S_MIN_SUB 0x00000001UL
#define S_MIN_NORM 0x00800000UL
#define S_MAX 0x7f7fffffUL
#define S_QNAN 0x7fc00011UL
#define S_SNAN 0x7f800022UL

static void start(u64 fpcr)
{
    WRITE_SYSREG(fpcr, fpcr);
    WRITE_SYSREG(fpsr, 0);
}

static void print_fpsr(void)
{
    u64 fpsr = READ_SYSREG(fpsr);
    static const char flags[] = "IDOUX";
    printf(" fpsr %c", fpsr & (1UL << 7) ? 'D' : '-'); /* IDC: input denormal */
    for (int i = 0; i < 5; i++)
        putc(fpsr & (1UL << i) ? flags[i] : '-');
    putc('\n');
}

/* INSN operates on d0 (result) from d1, d2, d3 (or s registers); A, B, C are bit patterns. */
#define FP_OP(name, fpcr, insn, a_, b_, c_)                                                  \
    do {                                                                                     \
        u64 r_;                                                                              \
        start(fpcr);                                                                         \
        __asm__ volatile("fmov d1, %[a]\n\tfmov d2, %[b]\n\tfmov d3, %[c]\n\t" insn          \
                         "\n\tfmov %[r], d0"                                                 \
                         : [r] "=r"(r_)                                                      \
                         : [a] "r"((u64)(a_)), [b] "r"((u64)(b_)), [c] "r"((u64)(c_))        \
                         : "v0", "v1", "v2", "v3");                                          \
        printf("%-8s %s%s%s %016lx %016lx %016lx = %016lx", name, mode_names[((fpcr) >> 22) & 3], \
               (fpcr) & FPCR_FZ ? " FZ" : "", (fpcr) & FPCR_DN ? " DN" : "", (u64)(a_), (u64)(b_), \
               (u64)(c_), r_);                                                              \
        print_fpsr();                                                                        \
    } while (0)

/* INSN converts from d1/s1 or x1/w1 (loaded from A) into x0/w0 or d0/s0 (result read with fmov or mov). */
#define CVT(name, fpcr, insn, a_)                                                            \
    do {                                                                                     \
        u64 r_;                                                                              \
        start(fpcr);                                                                         \
        __asm__ volatile("mov x1, %[a]\n\tfmov d1, x1\n\tmov x0, xzr\n\tfmov d0, xzr\n\t" insn \
                         "\n\tfmov x2, d0\n\torr %[r], x0, x2"                               \
                         : [r] "=r"(r_)                                                      \
                         : [a] "r"((u64)(a_))                                                \
                         : "x0", "x1", "x2", "v0", "v1");                                    \
        printf("%-18s %s %016lx = %016lx", name, mode_names[((fpcr) >> 22) & 3], (u64)(a_), r_); \
        print_fpsr();                                                                        \
    } while (0)

static void rounding(void)
{
    puts("-- rounding modes\n");
    for (u64 m = 0; m < 4; m++) {
        u64 c = FPCR_RMODE(m);
        FP_OP("fadd d", c, "fadd d0, d1, d2", D_ONE, D_TWO_POW_M53, 0);
        FP_OP("fadd d", c, "fadd d0, d1, d2", D_ONE_ULP, D_TWO_POW_M53, 0);
        FP_OP("fsub d", c, "fsub d0, d1, d2", D_NZERO, D_ZERO, 0);
        FP_OP("fsub d", c, "fsub d0, d1, d2", D_ONE, D_ONE, 0);
        FP_OP("fmul d", c, "fmul d0, d1, d2", D_TENTH, D_THREE, 0);
        FP_OP("fmul d", c, "fmul d0, d1, d2", D_MAX, D_THREE, 0);
        FP_OP("fmul d", c, "fmul d0, d1, d2", D_MAX | D_NZERO, D_THREE, 0);
        FP_OP("fmul d", c, "fmul d0, d1, d2", D_MIN_NORM, D_MINUS_HALF, 0);
        FP_OP("fdiv d", c, "fdiv d0, d1, d2", D_ONE, D_THREE, 0);
        FP_OP("fdiv d", c, "fdiv d0, d1, d2", D_MINUS_HALF, D_THREE, 0);
        FP_OP("fdiv d", c, "fdiv d0, d1, d2", D_ONE, D_ZERO, 0);
        FP_OP("fdiv d", c, "fdiv d0, d1, d2", D_ZERO, D_ZERO, 0);
        FP_OP("fsqrt d", c, "fsqrt d0, d1", D_THREE, 0, 0);
        FP_OP("fsqrt d", c, "fsqrt d0, d1", D_MINUS_HALF, 0, 0);
        FP_OP("fsqrt d", c, "fsqrt d0, d1", D_NZERO, 0, 0);
        FP_OP("fmadd d", c, "fmadd d0, d1, d2, d3", D_TENTH, D_THREE, D_MINUS_HALF);
        FP_OP("fmadd d", c, "fmadd d0, d1, d2, d3", D_ONE_ULP, D_ONE_ULP, D_ONE | D_NZERO);
        FP_OP("fmsub d", c, "fmsub d0, d1, d2, d3", D_ONE, D_ONE, D_ONE);
        FP_OP("fnmadd d", c, "fnmadd d0, d1, d2, d3", D_MAX, D_THREE, D_INF);
        FP_OP("fnmsub d", c, "fnmsub d0, d1, d2, d3", D_TENTH, D_TENTH, D_MIN_SUB);
        FP_OP("fadd s", c, "fadd s0, s1, s2", S_ONE, S_THIRD, 0);
        FP_OP("fmul s", c, "fmul s0, s1, s2", S_THIRD, S_THIRD, 0);
        FP_OP("fmul s", c, "fmul s0, s1, s2", S_MAX, S_THIRD | 0x40000000, 0);
        FP_OP("fdiv s", c, "fdiv s0, s1, s2", S_ONE, S_THIRD, 0);
        FP_OP("fsqrt s", c, "fsqrt s0, s1", S_THIRD, 0, 0);
        FP_OP("fmadd s", c, "fmadd s0, s1, s2, s3", S_THIRD, S_THIRD, S_ONE | 0x80000000);
        FP_OP("frintx d", c, "frintx d0, d1", 0x4004000000000000UL /* 2.5 */, 0, 0);
        FP_OP("frinti d", c, "frinti d0, d1", 0xc004000000000000UL /* -2.5 */, 0, 0);
        FP_OP("frintx s", c, "frintx s0, s1", 0x3fc00000UL /* 1.5 */, 0, 0);
    }
    puts("-- fixed-mode round to integral\n");
    static const u64 rint_inputs[] = {0x4004000000000000UL, 0xc004000000000000UL, 0x3fe0000000000000UL,
                                      D_MINUS_HALF, 0x4330000000000001UL, D_SNAN1, D_MIN_SUB};
    for (unsigned i = 0; i < sizeof rint_inputs / sizeof rint_inputs[0]; i++) {
        u64 v = rint_inputs[i];
        FP_OP("frintn d", 0, "frintn d0, d1", v, 0, 0);
        FP_OP("frinta d", 0, "frinta d0, d1", v, 0, 0);
        FP_OP("frintp d", 0, "frintp d0, d1", v, 0, 0);
        FP_OP("frintm d", 0, "frintm d0, d1", v, 0, 0);
        FP_OP("frintz d", 0, "frintz d0, d1", v, 0, 0);
    }
}

static void denormals(void)
{
    puts("-- denormals with FZ = 0 and FZ = 1\n");
    for (u64 fz = 0; fz <= FPCR_FZ; fz += FPCR_FZ) {
        FP_OP("fmul d", fz, "fmul d0, d1, d2", D_MIN_NORM, D_MINUS_HALF, 0);
        FP_OP("fadd d", fz, "fadd d0, d1, d2", D_MAX_SUB, D_MIN_SUB, 0);
        FP_OP("fadd d", fz, "fadd d0, d1, d2", D_MIN_SUB, D_ONE, 0);
        FP_OP("fmul d", fz, "fmul d0, d1, d2", D_MAX_SUB, D_MINUS_HALF, 0);
        FP_OP("fdiv d", fz, "fdiv d0, d1, d2", D_ONE, D_MAX_SUB, 0);
        FP_OP("fsqrt d", fz, "fsqrt d0, d1", D_MIN_SUB, 0, 0);
        FP_OP("fmax d", fz, "fmax d0, d1, d2", D_MIN_SUB, D_NZERO, 0);
        FP_OP("fmadd d", fz, "fmadd d0, d1, d2, d3", D_MIN_NORM, D_MINUS_HALF, D_MIN_SUB);
        FP_OP("fmul s", fz, "fmul s0, s1, s2", S_MIN_NORM, S_THIRD, 0);
        FP_OP("fadd s", fz, "fadd s0, s1, s2", S_MIN_SUB, S_MIN_SUB, 0);
        FP_OP("fcvt s<-d", fz, "fcvt s0, d1", D_MIN_NORM, 0, 0);
        FP_OP("fcvt d<-s", fz, "fcvt d0, s1", S_MIN_SUB, 0, 0);
        FP_OP("fabs d", fz, "fabs d0, d1", D_MIN_SUB | D_NZERO, 0, 0);
        FP_OP("fneg d", fz, "fneg d0, d1", D_MIN_SUB, 0, 0);
    }
}

static void nans(void)
{
    puts("-- NaN propagation (DN = 0, then DN = 1)\n");
    static const u64 operands[] = {D_QNAN1, D_QNAN2, D_SNAN1, D_SNAN2, D_ONE, D_INF};
    const unsigned n = sizeof operands / sizeof operands[0];
    for (u64 dn = 0; dn <= FPCR_DN; dn += FPCR_DN) {
        for (unsigned i = 0; i < n; i++) {
            for (unsigned j = 0; j < n; j++) {
                if (i >= 4 && j >= 4)
                    continue;
                u64 a = operands[i], b = operands[j];
                FP_OP("fadd d", dn, "fadd d0, d1, d2", a, b, 0);
                FP_OP("fmul d", dn, "fmul d0, d1, d2", a, b, 0);
                FP_OP("fmax d", dn, "fmax d0, d1, d2", a, b, 0);
                FP_OP("fminnm d", dn, "fminnm d0, d1, d2", a, b, 0);
                FP_OP("fmaxnm d", dn, "fmaxnm d0, d1, d2", a, b, 0);
            }
        }
        static const u64 fma[][3] = {
            {D_QNAN1, D_SNAN1, D_QNAN2}, {D_QNAN1, D_ONE, D_SNAN2}, {D_ONE, D_QNAN1, D_QNAN2},
            {D_INF, D_ZERO, D_QNAN1},    {D_ZERO, D_INF, D_ONE},    {D_SNAN1, D_INF, D_ZERO},
            {D_ONE, D_ONE, D_SNAN1},     {D_INF, D_ONE, D_NINF},
        };
        for (unsigned i = 0; i < sizeof fma / sizeof fma[0]; i++)
            FP_OP("fmadd d", dn, "fmadd d0, d1, d2, d3", fma[i][0], fma[i][1], fma[i][2]);
        FP_OP("fadd s", dn, "fadd s0, s1, s2", S_ONE, S_SNAN, 0);
        FP_OP("fmul s", dn, "fmul s0, s1, s2", S_QNAN, S_SNAN, 0);
        FP_OP("fsqrt s", dn, "fsqrt s0, s1", S_SNAN, 0, 0);
        FP_OP("fcvt s<-d", dn, "fcvt s0, d1", D_SNAN2, 0, 0);
        FP_OP("fcvt d<-s", dn, "fcvt d0, s1", S_SNAN, 0, 0);
        FP_OP("fabs d", dn, "fabs d0, d1", D_SNAN2, 0, 0);
        FP_OP("fneg s", dn, "fneg s0, s1", S_QNAN, 0, 0);
    }
}

static void conversions(void)
{
    puts("-- float to integer (saturating)\n");
    static const u64 doubles[] = {
        D_ONE, D_MINUS_HALF, 0x4004000000000000UL /* 2.5 */, 0xc004000000000000UL /* -2.5 */,
        0x41dfffffffc00000UL /* 2^31 - 1 */, 0x41e0000000000000UL /* 2^31 */, 0xc1e0000000200000UL /* -2^31 - 1 */,
        0x43e0000000000000UL /* 2^63 */, 0xc3e0000000000000UL /* -2^63 */, 0x43f0000000000000UL /* 2^64 */,
        D_INF, D_NINF, D_QNAN1, D_SNAN1, D_NZERO, D_MIN_SUB,
    };
    for (unsigned i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        u64 v = doubles[i];
        CVT("fcvtzs w<-d", 0, "fcvtzs w0, d1", v);
        CVT("fcvtzs x<-d", 0, "fcvtzs x0, d1", v);
        CVT("fcvtzu w<-d", 0, "fcvtzu w0, d1", v);
        CVT("fcvtzu x<-d", 0, "fcvtzu x0, d1", v);
        CVT("fcvtns x<-d", 0, "fcvtns x0, d1", v);
        CVT("fcvtas w<-d", 0, "fcvtas w0, d1", v);
        CVT("fcvtms x<-d", 0, "fcvtms x0, d1", v);
        CVT("fcvtpu w<-d", 0, "fcvtpu w0, d1", v);
        CVT("fcvtzs w<-d,#4", 0, "fcvtzs w0, d1, #4", v);
        CVT("fcvtzu x<-d,#60", 0, "fcvtzu x0, d1, #60", v);
    }
    static const u64 singles[] = {S_ONE, S_THIRD, 0x4f000000UL /* 2^31 */, 0xcf000000UL, 0x5f800000UL /* 2^64 */,
                                  S_QNAN, 0xff800000UL};
    for (unsigned i = 0; i < sizeof singles / sizeof singles[0]; i++) {
        CVT("fcvtzs w<-s", 0, "fcvtzs w0, s1", singles[i]);
        CVT("fcvtzu x<-s", 0, "fcvtzu x0, s1", singles[i]);
        CVT("fcvtzs x<-s,#33", 0, "fcvtzs x0, s1, #33", singles[i]);
    }
    puts("-- integer to float\n");
    static const u64 integers[] = {0, 1, 0x7fffffffUL, 0x80000000UL, 0xffffffffUL, 0x0020000000000001UL,
                                   0x7fffffffffffffffUL, 0x8000000000000000UL, 0xffffffffffffffffUL,
                                   0x0000000001000001UL};
    for (u64 m = 0; m < 4; m++) {
        for (unsigned i = 0; i < sizeof integers / sizeof integers[0]; i++) {
            u64 v = integers[i];
            CVT("scvtf d<-x", FPCR_RMODE(m), "scvtf d0, x1", v);
            CVT("ucvtf d<-x", FPCR_RMODE(m), "ucvtf d0, x1", v);
            CVT("scvtf s<-w", FPCR_RMODE(m), "scvtf s0, w1", v);
            CVT("ucvtf s<-x", FPCR_RMODE(m), "ucvtf s0, x1", v);
            CVT("scvtf d<-w,#8", FPCR_RMODE(m), "scvtf d0, w1, #8", v);
        }
    }
    puts("-- precision conversions\n");
    static const u64 to_half[] = {D_ONE, D_TENTH, 0x40effe0000000000UL /* 65520 */, 0x40effc0000000000UL /* 65504 */,
                                  0x3e70000000000000UL /* 2^-24 */, 0x3e60000000000000UL /* 2^-25 */, D_INF,
                                  D_QNAN1, D_SNAN2};
    for (u64 ahp = 0; ahp <= FPCR_AHP; ahp += FPCR_AHP) {
        for (unsigned i = 0; i < sizeof to_half / sizeof to_half[0]; i++) {
            CVT(ahp ? "fcvt h<-d AHP" : "fcvt h<-d", ahp, "fcvt h0, d1", to_half[i]);
            CVT(ahp ? "fcvt h<-s AHP" : "fcvt h<-s", ahp | FPCR_RMODE(3), "fcvt s1, d1\n\tfcvt h0, s1", to_half[i]);
        }
        static const u64 halves[] = {0x3c00, 0x7bff, 0x7c00, 0x7e01, 0x7c01, 0x0001, 0x8400, 0xfc00};
        for (unsigned i = 0; i < sizeof halves / sizeof halves[0]; i++) {
            CVT(ahp ? "fcvt s<-h AHP" : "fcvt s<-h", ahp, "fcvt s0, h1", halves[i]);
            CVT(ahp ? "fcvt d<-h AHP" : "fcvt d<-h", ahp, "fcvt d0, h1", halves[i]);
        }
    }
    for (u64 m = 0; m < 4; m++) {
        CVT("fcvt s<-d", FPCR_RMODE(m), "fcvt s0, d1", D_TENTH);
        CVT("fcvt s<-d", FPCR_RMODE(m), "fcvt s0, d1", D_MAX);
        CVT("fcvt s<-d", FPCR_RMODE(m), "fcvt s0, d1", D_MIN_NORM | D_NZERO);
        CVT("fcvtxn s<-d", FPCR_RMODE(m), "fcvtxn s0, d1", D_TENTH);
    }
}

static void compares(void)
{
    puts("-- compares (NZCV)\n");
    static const u64 operands[] = {D_ONE, D_THREE, D_NZERO, D_ZERO, D_INF, D_QNAN1, D_SNAN1};
    const unsigned n = sizeof operands / sizeof operands[0];
    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = 0; j < n; j++) {
            u64 a = operands[i], b = operands[j], nzcv, nzcv_e, sel;
            start(0);
            __asm__ volatile("fmov d1, %[a]\n\tfmov d2, %[b]\n\tfcmp d1, d2\n\tmrs %[f], nzcv\n\t"
                             "fcsel d0, d1, d2, gt\n\tfmov %[s], d0"
                             : [f] "=r"(nzcv), [s] "=r"(sel) : [a] "r"(a), [b] "r"(b) : "v0", "v1", "v2", "cc");
            printf("fcmp  %016lx %016lx nzcv %lx fcsel gt %016lx", a, b, nzcv >> 28, sel);
            print_fpsr();
            start(0);
            __asm__ volatile("fmov d1, %[a]\n\tfmov d2, %[b]\n\tfcmpe d1, d2\n\tmrs %[f], nzcv"
                             : [f] "=r"(nzcv_e) : [a] "r"(a), [b] "r"(b) : "v1", "v2", "cc");
            printf("fcmpe %016lx %016lx nzcv %lx", a, b, nzcv_e >> 28);
            print_fpsr();
        }
        u64 nzcv;
        start(0);
        __asm__ volatile("fmov s1, %w[a]\n\tfcmp s1, #0.0\n\tfccmp s1, s1, #0b0110, eq\n\tmrs %[f], nzcv"
                         : [f] "=r"(nzcv) : [a] "r"(operands[i] >> 32) : "v1", "cc");
        printf("fcmp s #0, fccmp eq %08lx nzcv %lx", operands[i] >> 32, nzcv >> 28);
        print_fpsr();
    }
    u64 imm;
    __asm__ volatile("fmov d0, #-1.25\n\tfmov %0, d0" : "=r"(imm) :: "v0");
    printf("fmov d #-1.25 %016lx\n", imm);
    __asm__ volatile("fmov s0, #31.0\n\tfmov %w0, s0" : "=r"(imm) :: "v0");
    printf("fmov s #31.0 %08lx\n", imm);
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    rounding();
    denormals();
    nans();
    conversions();
    compares();
    WRITE_SYSREG(fpcr, 0);
}
