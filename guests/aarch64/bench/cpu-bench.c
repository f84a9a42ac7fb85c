/* CPU benchmark guest: integer- and memory-heavy work, the same on every machine, ending in one checksum
   line. Each round hashes a 1 MiB array sequentially and by data-dependent jumps, heap-sorts a 16 K-entry
   copy of part of it, and multiplies two 32x32 integer matrices; the result of a round feeds the next one.
   The MMU is on (identity map, normal cacheable memory) so loads and stores go through translation as
   they do in an OS. It also prints the CNTVCT_EL0 ticks the work took: under QEMU's -icount shift=0 the
   virtual counter advances with instructions, so that line gives the guest instruction count. */
#include "rt.h"

#ifndef ROUNDS
#define ROUNDS 24
#endif

#define ARRAY_WORDS (1u << 18) /* 1 MiB of u32 */
#define SORT_N (1u << 14)
#define MAT_N 32

static u32 array[ARRAY_WORDS];
static u32 sortbuf[SORT_N];
static u32 ma[MAT_N][MAT_N], mb[MAT_N][MAT_N], mc[MAT_N][MAT_N];

static u64 rng_state = 0x9E3779B97F4A7C15UL;

static u64 xorshift64(void)
{
    u64 x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static u64 mix(u64 h, u64 v)
{
    h ^= v;
    h *= 0xff51afd7ed558ccdUL;
    return h ^ (h >> 33);
}

/* A sequential FNV-style pass, then a pointer-chasing pass whose next index depends on the data. */
static u64 hash_array(u64 seed)
{
    u64 h = seed | 1;
    for (u32 i = 0; i < ARRAY_WORDS; i++) {
        h = (h ^ array[i]) * 0x100000001b3UL;
    }
    u32 idx = (u32)h & (ARRAY_WORDS - 1);
    for (u32 i = 0; i < ARRAY_WORDS / 4; i++) {
        u32 v = array[idx];
        array[idx] = v + (u32)i; /* writes too, so the next round sees different data */
        h = mix(h, v);
        idx = (idx + v + (u32)(h >> 40)) & (ARRAY_WORDS - 1);
    }
    return h;
}

static void sift_down(u32 *a, u32 start, u32 end)
{
    u32 root = start;
    while (2 * root + 1 < end) {
        u32 child = 2 * root + 1;
        if (child + 1 < end && a[child] < a[child + 1]) {
            child++;
        }
        if (a[root] >= a[child]) {
            return;
        }
        u32 t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

static u64 sort_sample(u32 offset)
{
    for (u32 i = 0; i < SORT_N; i++) {
        sortbuf[i] = array[(offset + i * 7) & (ARRAY_WORDS - 1)];
    }
    for (u32 i = SORT_N / 2; i-- > 0;) {
        sift_down(sortbuf, i, SORT_N);
    }
    for (u32 end = SORT_N - 1; end > 0; end--) {
        u32 t = sortbuf[0];
        sortbuf[0] = sortbuf[end];
        sortbuf[end] = t;
        sift_down(sortbuf, 0, end);
    }
    u64 h = 0;
    for (u32 i = 0; i < SORT_N; i += 97) {
        h = mix(h, sortbuf[i]);
    }
    if (sortbuf[0] > sortbuf[SORT_N - 1]) {
        h = ~h; /* would mean the sort is broken: the checksums then differ */
    }
    return h;
}

static u64 matmul(u64 seed)
{
    for (u32 i = 0; i < MAT_N; i++) {
        for (u32 j = 0; j < MAT_N; j++) {
            ma[i][j] = array[(seed + i * MAT_N + j) & (ARRAY_WORDS - 1)] % 1000u;
            mb[i][j] = (u32)(seed >> (j & 31)) ^ (i * 2654435761u);
        }
    }
    for (u32 i = 0; i < MAT_N; i++) {
        for (u32 j = 0; j < MAT_N; j++) {
            u32 s = 0;
            for (u32 k = 0; k < MAT_N; k++) {
                s += ma[i][k] * mb[k][j];
            }
            mc[i][j] = s;
        }
    }
    u64 h = seed;
    for (u32 i = 0; i < MAT_N; i++) {
        h = mix(h, mc[i][(i * 5) % MAT_N] / (i + 3)); /* udiv as well */
    }
    return h;
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    mmu_enable(pt_identity_root(), pt_identity_root(), 0);
    for (u32 i = 0; i < ARRAY_WORDS; i++) {
        array[i] = (u32)xorshift64();
    }
    ISB();
    u64 t0 = READ_SYSREG(cntvct_el0);
    u64 h = 0;
    for (u32 r = 0; r < ROUNDS; r++) {
        h = mix(h, hash_array(h));
        h = mix(h, sort_sample((u32)h));
        h = mix(h, matmul(h));
    }
    ISB();
    u64 t1 = READ_SYSREG(cntvct_el0);
    printf("cpu-bench rounds %u checksum %x\n", (u64)ROUNDS, h);
    printf("cpu-bench cntvct ticks %u cntfrq %u\n", t1 - t0, READ_SYSREG(cntfrq_el0));
}
