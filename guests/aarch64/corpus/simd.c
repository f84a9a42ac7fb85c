/* Advanced SIMD, printed lane by lane: integer arithmetic and compares, shifts and narrowing, pairwise
   and across-lane reductions, dup/ins/movi/mvni, bitwise selects, ext, tbl/tbx, permutes, saturating
   arithmetic with FPSR.QC, a few FP vector operations, and structure loads/stores. */
#include "rt.h"

typedef struct {
    u8 b[16];
} __attribute__((aligned(16))) vec;

static const vec A = {{0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x20, 0x81, 0x7e, 0x55, 0xaa, 0x33, 0xcc, 0x0f, 0xf0}};
static const vec B = {{0xff, 0x01, 0x01, 0x80, 0x01, 0x7f, 0x90, 0x20, 0x80, 0x82, 0xaa, 0x55, 0x03, 0x0c, 0xf0, 0x0f}};
static const vec C = {{0x13, 0x26, 0x39, 0x4c, 0x5f, 0x72, 0x85, 0x98, 0xab, 0xbe, 0xd1, 0xe4, 0xf7, 0x0a, 0x1d, 0x30}};
static const vec INDICES = {{0, 31, 15, 16, 1, 17, 32, 255, 8, 3, 30, 2, 64, 7, 9, 14}};
/* Single-precision lanes: 1.5, -2.0, 1e-40 (subnormal), a quiet NaN; and 4.0, -1.0, +inf, -0.0. */
static const vec FLOATS = {{0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0xc2, 0x16, 0x01, 0x00, 0x01, 0x00, 0xc0, 0x7f}};
static const vec FLOATS2 = {{0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0x80, 0xbf, 0x00, 0x00, 0x80, 0x7f, 0x00, 0x00, 0x00, 0x80}};


/* Prints NAME and the lanes of a 16-byte vector, leaving the line open. */
static void print_lanes(const char *name, const u8 *bytes, unsigned esize)
{
    printf("%-26s", name);
    for (unsigned i = 0; i < 16; i += esize) {
        u64 lane = 0;
        for (unsigned k = 0; k < esize; k++)
            lane |= (u64)bytes[i + k] << (8 * k);
        switch (esize) {
        case 1: printf(" %02x", lane); break;
        case 2: printf(" %04x", lane); break;
        case 4: printf(" %08x", lane); break;
        default: printf(" %016x", lane); break;
        }
    }
}

/* INSN computes v0 from v1 = X, v2 = Y; v0 starts as Z (for accumulating and inserting forms). */
#define VOP3(name, esize, insn, x, y, z)                                                           \
    do {                                                                                           \
        vec r_;                                                                                    \
        u64 fpsr_;                                                                                 \
        __asm__ volatile("ld1 {v1.16b}, [%[xp]]\n\tld1 {v2.16b}, [%[yp]]\n\tld1 {v0.16b}, [%[zp]]\n\t" \
                         "msr fpsr, xzr\n\t" insn "\n\tst1 {v0.16b}, [%[rp]]\n\tmrs %[f], fpsr"   \
                         : [f] "=r"(fpsr_)                                                         \
                         : [xp] "r"(x), [yp] "r"(y), [zp] "r"(z), [rp] "r"(&r_)                   \
                         : "x9", "x10", "v0", "v1", "v2", "v3", "memory");                        \
        print_lanes(name, r_.b, esize);                                                            \
        printf(" fpsr %08x\n", fpsr_);                                                            \
    } while (0)
#define VOP(name, esize, insn) VOP3(name, esize, insn, &A, &B, &C)

static void arithmetic(void)
{
    puts("-- integer arithmetic\n");
    VOP("add 16b", 1, "add v0.16b, v1.16b, v2.16b");
    VOP("add 8h", 2, "add v0.8h, v1.8h, v2.8h");
    VOP("add 4s", 4, "add v0.4s, v1.4s, v2.4s");
    VOP("add 2d", 8, "add v0.2d, v1.2d, v2.2d");
    VOP("sub 8b (upper zeroed)", 1, "sub v0.8b, v1.8b, v2.8b");
    VOP("mul 16b", 1, "mul v0.16b, v1.16b, v2.16b");
    VOP("mul 8h", 2, "mul v0.8h, v1.8h, v2.8h");
    VOP("mul 4s by element 3", 4, "mul v0.4s, v1.4s, v2.s[3]");
    VOP("mla 8h", 2, "mla v0.8h, v1.8h, v2.8h");
    VOP("mls 4s", 4, "mls v0.4s, v1.4s, v2.4s");
    VOP("umull 8h<-8b", 2, "umull v0.8h, v1.8b, v2.8b");
    VOP("smull2 4s<-8h", 4, "smull2 v0.4s, v1.8h, v2.8h");
    VOP("pmul 16b", 1, "pmul v0.16b, v1.16b, v2.16b");
    VOP("uabd 16b", 1, "uabd v0.16b, v1.16b, v2.16b");
    VOP("saba 8h", 2, "saba v0.8h, v1.8h, v2.8h");
    VOP("uaddw 8h", 2, "uaddw v0.8h, v1.8h, v2.8b");
    VOP("addhn 8b<-8h", 1, "addhn v0.8b, v1.8h, v2.8h");
    VOP("raddhn2 16b<-8h", 1, "raddhn2 v0.16b, v1.8h, v2.8h");
    VOP("abs 16b", 1, "abs v0.16b, v1.16b");
    VOP("neg 2d", 8, "neg v0.2d, v1.2d");
    VOP("cnt 16b", 1, "cnt v0.16b, v1.16b");
    VOP("clz 8h", 2, "clz v0.8h, v1.8h");
    VOP("cls 4s", 4, "cls v0.4s, v1.4s");
    VOP("rev64 16b", 1, "rev64 v0.16b, v1.16b");
    VOP("rev32 8h", 2, "rev32 v0.8h, v1.8h");
    VOP("rbit 16b", 1, "rbit v0.16b, v1.16b");
    puts("-- compares\n");
    VOP("cmeq 16b", 1, "cmeq v0.16b, v1.16b, v2.16b");
    VOP("cmhs 16b", 1, "cmhs v0.16b, v1.16b, v2.16b");
    VOP("cmhi 8h", 2, "cmhi v0.8h, v1.8h, v2.8h");
    VOP("cmgt 16b", 1, "cmgt v0.16b, v1.16b, v2.16b");
    VOP("cmge 4s", 4, "cmge v0.4s, v1.4s, v2.4s");
    VOP("cmtst 16b", 1, "cmtst v0.16b, v1.16b, v2.16b");
    VOP("cmeq #0 8h", 2, "cmeq v0.8h, v1.8h, #0");
    VOP("cmlt #0 16b", 1, "cmlt v0.16b, v1.16b, #0");
    VOP("cmle #0 2d", 8, "cmle v0.2d, v1.2d, #0");
}

static void shifts(void)
{
    puts("-- shifts and narrowing\n");
    VOP("shl 16b #3", 1, "shl v0.16b, v1.16b, #3");
    VOP("ushr 8h #15", 2, "ushr v0.8h, v1.8h, #15");
    VOP("sshr 4s #31", 4, "sshr v0.4s, v1.4s, #31");
    VOP("ursra 16b #2", 1, "ursra v0.16b, v1.16b, #2");
    VOP("sli 8h #4", 2, "sli v0.8h, v1.8h, #4");
    VOP("sri 4s #8", 4, "sri v0.4s, v1.4s, #8");
    VOP("ushl 16b (signed amts)", 1, "ushl v0.16b, v1.16b, v2.16b");
    VOP("sshl 8h (signed amts)", 2, "sshl v0.8h, v1.8h, v2.8h");
    VOP("shrn 8b<-8h #4", 1, "shrn v0.8b, v1.8h, #4");
    VOP("shrn2 8h<-4s #16", 2, "shrn2 v0.8h, v1.4s, #16");
    VOP("rshrn 8b<-8h #8", 1, "rshrn v0.8b, v1.8h, #8");
    VOP("ushll 8h<-8b #0", 2, "ushll v0.8h, v1.8b, #0");
    VOP("sshll2 4s<-8h #3", 4, "sshll2 v0.4s, v1.8h, #3");
    VOP("xtn 4h<-4s", 2, "xtn v0.4h, v1.4s");
}

static void reductions(void)
{
    puts("-- pairwise and across lanes\n");
    VOP("addp 16b", 1, "addp v0.16b, v1.16b, v2.16b");
    VOP("umaxp 16b", 1, "umaxp v0.16b, v1.16b, v2.16b");
    VOP("uminp 8h", 2, "uminp v0.8h, v1.8h, v2.8h");
    VOP("smaxp 4s", 4, "smaxp v0.4s, v1.4s, v2.4s");
    VOP("addp d (scalar)", 8, "addp d0, v1.2d");
    VOP("uaddlp 8h", 2, "uaddlp v0.8h, v1.16b");
    VOP("sadalp 4s", 4, "sadalp v0.4s, v1.8h");
    VOP("addv b", 1, "addv b0, v1.16b");
    VOP("addv h", 2, "addv h0, v1.8h");
    VOP("umaxv b", 1, "umaxv b0, v1.16b");
    VOP("sminv h", 2, "sminv h0, v1.8h");
    VOP("uaddlv h<-16b", 2, "uaddlv h0, v1.16b");
    VOP("saddlv d<-4s", 8, "saddlv d0, v1.4s");
}

static void moves(void)
{
    puts("-- dup, ins, movi, mvni, orr/bic immediate\n");
    VOP("dup 16b from b[3]", 1, "dup v0.16b, v1.b[3]");
    VOP("dup 8h from w", 2, "mov w9, #0x1234\n\tdup v0.8h, w9");
    VOP("dup 2d from d[1]", 8, "dup v0.2d, v1.d[1]");
    VOP("ins s[2] from s[0]", 4, "ins v0.s[2], v1.s[0]");
    VOP("ins h[7] from w", 2, "mov w9, #0xbeef\n\tins v0.h[7], w9");
    VOP("umov/smov b[3]", 8, "umov w9, v1.b[3]\n\tsmov x10, v1.b[3]\n\tins v0.d[0], x9\n\tins v0.d[1], x10");
    VOP("movi 16b #0xa5", 1, "movi v0.16b, #0xa5");
    VOP("movi 8h #0x5a lsl 8", 2, "movi v0.8h, #0x5a, lsl #8");
    VOP("movi 4s #0x12 msl 16", 4, "movi v0.4s, #0x12, msl #16");
    VOP("movi 2d byte mask", 8, "movi v0.2d, #0xff00ff0000ff00ff");
    VOP("movi 8b (upper zeroed)", 1, "movi v0.8b, #0x77");
    VOP("mvni 4s #0x80 lsl 24", 4, "mvni v0.4s, #0x80, lsl #24");
    VOP("mvni 8h #0x01", 2, "mvni v0.8h, #0x01");
    VOP("orr 4s #0xf0 lsl 8", 4, "orr v0.4s, #0xf0, lsl #8");
    VOP("bic 8h #0xff", 2, "bic v0.8h, #0xff");
    VOP("fmov 4s #-0.5", 4, "fmov v0.4s, #-0.5");
}

static void bitwise(void)
{
    puts("-- bitwise and selects (v0 = C is the destination)\n");
    VOP("and", 1, "and v0.16b, v1.16b, v2.16b");
    VOP("orr", 1, "orr v0.16b, v1.16b, v2.16b");
    VOP("eor", 1, "eor v0.16b, v1.16b, v2.16b");
    VOP("bic", 1, "bic v0.16b, v1.16b, v2.16b");
    VOP("orn", 1, "orn v0.16b, v1.16b, v2.16b");
    VOP("not", 1, "not v0.16b, v1.16b");
    VOP("bsl", 1, "bsl v0.16b, v1.16b, v2.16b");
    VOP("bit", 1, "bit v0.16b, v1.16b, v2.16b");
    VOP("bif", 1, "bif v0.16b, v1.16b, v2.16b");
    VOP("ext #3", 1, "ext v0.16b, v1.16b, v2.16b, #3");
    VOP("ext 8b #7", 1, "ext v0.8b, v1.8b, v2.8b, #7");
}

static void tables_and_permutes(void)
{
    puts("-- tbl, tbx (out-of-range indices), permutes\n");
    VOP3("tbl 1 register", 1, "tbl v0.16b, {v1.16b}, v2.16b", &A, &INDICES, &C);
    VOP3("tbl 2 registers", 1, "mov v3.16b, v0.16b\n\tmov v2.16b, v0.16b\n\tld1 {v3.16b}, [%[yp]]\n\t"
                               "tbl v0.16b, {v1.16b, v2.16b}, v3.16b", &A, &INDICES, &C);
    VOP3("tbx 1 register", 1, "tbx v0.16b, {v1.16b}, v2.16b", &A, &INDICES, &C);
    VOP3("tbl 8b", 1, "tbl v0.8b, {v1.16b}, v2.8b", &A, &INDICES, &C);
    VOP("zip1 16b", 1, "zip1 v0.16b, v1.16b, v2.16b");
    VOP("zip2 8h", 2, "zip2 v0.8h, v1.8h, v2.8h");
    VOP("uzp1 16b", 1, "uzp1 v0.16b, v1.16b, v2.16b");
    VOP("uzp2 4s", 4, "uzp2 v0.4s, v1.4s, v2.4s");
    VOP("trn1 16b", 1, "trn1 v0.16b, v1.16b, v2.16b");
    VOP("trn2 8h", 2, "trn2 v0.8h, v1.8h, v2.8h");
    VOP("zip1 2d", 8, "zip1 v0.2d, v1.2d, v2.2d");
}

static void saturating(void)
{
    puts("-- saturating (fpsr shows QC, bit 27)\n");
    VOP("sqadd 16b", 1, "sqadd v0.16b, v1.16b, v2.16b");
    VOP("uqadd 16b", 1, "uqadd v0.16b, v1.16b, v2.16b");
    VOP("sqsub 8h", 2, "sqsub v0.8h, v1.8h, v2.8h");
    VOP("uqsub 8h", 2, "uqsub v0.8h, v1.8h, v2.8h");
    VOP("uqsub (no saturation)", 1, "uqsub v0.16b, v1.16b, v1.16b");
    VOP("sqadd 2d", 8, "sqadd v0.2d, v1.2d, v2.2d");
    VOP("sqdmulh 8h", 2, "sqdmulh v0.8h, v1.8h, v2.8h");
    VOP("sqdmulh 8h 0x8000^2", 2, "movi v3.8h, #0x80, lsl #8\n\tsqdmulh v0.8h, v3.8h, v3.8h");
    VOP("sqrdmulh 4s", 4, "sqrdmulh v0.4s, v1.4s, v2.4s");
    VOP("sqdmull 4s<-4h", 4, "sqdmull v0.4s, v1.4h, v2.4h");
    VOP("sqabs 16b", 1, "sqabs v0.16b, v1.16b");
    VOP("sqneg 8h", 2, "sqneg v0.8h, v1.8h");
    VOP("uqxtn 8b<-8h", 1, "uqxtn v0.8b, v1.8h");
    VOP("sqxtn 4h<-4s", 2, "sqxtn v0.4h, v1.4s");
    VOP("sqxtun2 16b<-8h", 1, "sqxtun2 v0.16b, v1.8h");
    VOP("sqshl 16b #2", 1, "sqshl v0.16b, v1.16b, #2");
    VOP("uqshl 8h (reg)", 2, "uqshl v0.8h, v1.8h, v2.8h");
    VOP("uqrshrn 8b<-8h #3", 1, "uqrshrn v0.8b, v1.8h, #3");
    VOP("sqshrun 4h<-4s #4", 2, "sqshrun v0.4h, v1.4s, #4");
    VOP("suqadd 16b", 1, "suqadd v0.16b, v1.16b");
    VOP("usqadd 16b", 1, "usqadd v0.16b, v1.16b");
    VOP("sqadd b (scalar)", 1, "sqadd b0, b1, b2");
    puts("-- floating point lanes\n");
    VOP3("fadd 4s", 4, "fadd v0.4s, v1.4s, v2.4s", &FLOATS, &FLOATS2, &C);
    VOP3("fmul 4s", 4, "fmul v0.4s, v1.4s, v2.4s", &FLOATS, &FLOATS2, &C);
    VOP3("fmla 4s", 4, "fmla v0.4s, v1.4s, v2.4s", &FLOATS, &FLOATS2, &FLOATS2);
    VOP3("fmaxnmp 4s", 4, "fmaxnmp v0.4s, v1.4s, v2.4s", &FLOATS, &FLOATS2, &C);
    VOP3("fminp 4s", 4, "fminp v0.4s, v1.4s, v2.4s", &FLOATS, &FLOATS2, &C);
    VOP3("faddp s (scalar)", 4, "faddp s0, v1.2s", &FLOATS, &FLOATS2, &C);
    VOP3("fmaxnmv s", 4, "fmaxnmv s0, v1.4s", &FLOATS, &FLOATS2, &C);
    VOP3("fcmgt 4s", 4, "fcmgt v0.4s, v1.4s, v2.4s", &FLOATS, &FLOATS2, &C);
    VOP3("fcmeq 4s #0", 4, "fcmeq v0.4s, v2.4s, #0.0", &FLOATS, &FLOATS2, &C);
    VOP3("frecpe 4s", 4, "frecpe v0.4s, v1.4s", &FLOATS, &FLOATS2, &C);
    VOP3("frsqrte 4s", 4, "frsqrte v0.4s, v2.4s", &FLOATS, &FLOATS2, &C);
    VOP3("frecps 4s", 4, "frecps v0.4s, v1.4s, v2.4s", &FLOATS, &FLOATS2, &C);
    VOP3("fcvtzs 4s", 4, "fcvtzs v0.4s, v1.4s", &FLOATS, &FLOATS2, &C);
    VOP3("fcvtzu 4s #1", 4, "fcvtzu v0.4s, v2.4s, #1", &FLOATS, &FLOATS2, &C);
    VOP3("scvtf 4s", 4, "scvtf v0.4s, v1.4s", &A, &B, &C);
    VOP3("ucvtf 2d", 8, "ucvtf v0.2d, v1.2d", &A, &B, &C);
    VOP3("fcvtl 2d<-2s", 8, "fcvtl v0.2d, v1.2s", &FLOATS, &FLOATS2, &C);
    VOP3("fcvtn 4s<-2d", 4, "fcvtl2 v3.2d, v2.4s\n\tfcvtn v0.2s, v3.2d", &FLOATS, &FLOATS2, &C);
    VOP3("fneg 4s", 4, "fneg v0.4s, v1.4s", &FLOATS, &FLOATS2, &C);
}

static u8 memory[128] __attribute__((aligned(16)));
static u8 stored[128] __attribute__((aligned(16)));

static void dump_regs_v0_v3(const char *name)
{
    static const char *const labels[4] = {"  v0", "  v1", "  v2", "  v3"};
    vec r[4];
    __asm__ volatile("st1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%0]" :: "r"(r) : "memory");
    puts(name);
    putc('\n');
    for (int i = 0; i < 4; i++) {
        print_lanes(labels[i], r[i].b, 1);
        putc('\n');
    }
}

static void structures(void)
{
    puts("-- structure loads and stores\n");
    for (int i = 0; i < 128; i++)
        memory[i] = (u8)(i * 3 + 1);
    u8 *p;
#define STRUCT_LOAD(name, insn)                                                                       \
    do {                                                                                              \
        p = memory;                                                                                   \
        __asm__ volatile("movi v0.16b, #0xee\n\tmovi v1.16b, #0xee\n\tmovi v2.16b, #0xee\n\t"         \
                         "movi v3.16b, #0xee\n\tmov x9, #5\n\t" insn                                  \
                         : "+r"(p) :: "x9", "v0", "v1", "v2", "v3", "memory");                         \
        dump_regs_v0_v3(name);                                                                        \
        printf("  base advanced by %u\n", (u64)(p - memory));                                         \
    } while (0)
    STRUCT_LOAD("ld1 x1", "ld1 {v0.16b}, [%0]");
    STRUCT_LOAD("ld1 x4 post #64", "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%0], #64");
    STRUCT_LOAD("ld1 x2 8b post x9", "ld1 {v0.8b, v1.8b}, [%0], x9");
    STRUCT_LOAD("ld2 8h", "ld2 {v0.8h, v1.8h}, [%0]");
    STRUCT_LOAD("ld3 16b post", "ld3 {v0.16b, v1.16b, v2.16b}, [%0], #48");
    STRUCT_LOAD("ld4 4s", "ld4 {v0.4s, v1.4s, v2.4s, v3.4s}, [%0]");
    STRUCT_LOAD("ld1r 8h", "ld1r {v0.8h}, [%0]");
    STRUCT_LOAD("ld4r 16b post x9", "ld4r {v0.16b, v1.16b, v2.16b, v3.16b}, [%0], x9");
    STRUCT_LOAD("ld1 lane s[2]", "ld1 {v0.s}[2], [%0]");
    STRUCT_LOAD("ld3 lane h[5] post", "ld3 {v0.h, v1.h, v2.h}[5], [%0], #6");

    memset(stored, 0, sizeof stored);
    p = stored;
    __asm__ volatile("ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%1]\n\t"
                     "st1 {v0.16b, v1.16b}, [%0], #32\n\t"
                     "st2 {v0.8h, v1.8h}, [%0], #32\n\t"
                     "st3 {v0.4s, v1.4s, v2.4s}, [%0]\n\t"
                     "st4 {v0.b, v1.b, v2.b, v3.b}[9], [%0]\n\t"
                     "st1 {v3.d}[1], [%0], #8"
                     : "+r"(p) : "r"(memory) : "v0", "v1", "v2", "v3", "memory");
    printf("stores advanced base by %u\n", (u64)(p - stored));
    for (int i = 0; i < 128; i += 16) {
        print_lanes("stored", stored + i, 1);
        putc('\n');
    }
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    arithmetic();
    shifts();
    reductions();
    moves();
    bitwise();
    tables_and_permutes();
    saturating();
    structures();
}
