#include "rt.h"

#define POOL_TABLES 32
static u64 table_pool[POOL_TABLES][512] __attribute__((aligned(4096)));
static unsigned tables_used;

u64 *pt_new_table(void)
{
    if (tables_used == POOL_TABLES) {
        puts("page-table pool exhausted\n");
        system_off();
    }
    u64 *t = table_pool[tables_used++];
    memset(t, 0, sizeof table_pool[0]);
    return t;
}

static u64 *next_level(u64 *table, unsigned index)
{
    if (!(table[index] & PTE_VALID))
        table[index] = (u64)pt_new_table() | PTE_TABLE | PTE_VALID;
    return (u64 *)(table[index] & PTE_ADDR_MASK);
}

static unsigned index_at(u64 va, unsigned level)
{
    return (va >> (39 - 9 * level)) & 511;
}

u64 *pt_map_page(u64 *root, u64 va, u64 pa, u64 attrs)
{
    u64 *l1 = next_level(root, index_at(va, 0));
    u64 *l2 = next_level(l1, index_at(va, 1));
    u64 *l3 = next_level(l2, index_at(va, 2));
    u64 *pte = &l3[index_at(va, 3)];
    *pte = (pa & PTE_ADDR_MASK) | attrs | PTE_PAGE | PTE_VALID;
    return pte;
}

u64 *pt_map_block_2m(u64 *root, u64 va, u64 pa, u64 attrs)
{
    u64 *l1 = next_level(root, index_at(va, 0));
    u64 *l2 = next_level(l1, index_at(va, 1));
    u64 *pte = &l2[index_at(va, 2)];
    *pte = (pa & ~0x1fffffUL & PTE_ADDR_MASK) | attrs | PTE_VALID;
    return pte;
}

u64 *pt_map_block_1g(u64 *root, u64 va, u64 pa, u64 attrs)
{
    u64 *l1 = next_level(root, index_at(va, 0));
    u64 *pte = &l1[index_at(va, 1)];
    *pte = (pa & ~0x3fffffffUL & PTE_ADDR_MASK) | attrs | PTE_VALID;
    return pte;
}

u64 *pt_identity_root(void)
{
    u64 *root = pt_new_table();
    for (u64 a = 0x40000000UL; a < 0x40800000UL; a += 0x200000)
        pt_map_block_2m(root, a, a, PT_NORMAL);
    pt_map_block_2m(root, 0x08000000UL, 0x08000000UL, PT_DEVICE); /* GIC distributor and CPU interface */
    pt_map_block_2m(root, 0x09000000UL, 0x09000000UL, PT_DEVICE); /* PL011, PL031 */
    return root;
}

void tlb_flush_all(void)
{
    DSB(ishst);
    __asm__ volatile("tlbi vmalle1is" ::: "memory");
    DSB(ish);
    ISB();
}

void mmu_enable(u64 *ttbr0_root, u64 *ttbr1_root, u64 extra_tcr)
{
    WRITE_SYSREG(mair_el1, 0x4400ff00UL); /* 0: Device-nGnRnE, 1: Normal WB, 2: Normal NC */
    u64 tcr = 16UL                        /* T0SZ: 48-bit VAs */
              | (1UL << 8) | (1UL << 10) | (3UL << 12) /* TTBR0 walks: WB cacheable, inner shareable */
              | (16UL << 16)              /* T1SZ */
              | (1UL << 24) | (1UL << 26) | (3UL << 28) | (2UL << 30) /* TTBR1 walks, TG1 = 4 KiB */
              | (2UL << 32);              /* IPS: 40-bit PAs */
    if (!ttbr1_root)
        tcr |= 1UL << 23;                 /* EPD1: no TTBR1 walks */
    WRITE_SYSREG(tcr_el1, tcr | extra_tcr);
    WRITE_SYSREG(ttbr0_el1, (u64)ttbr0_root);
    WRITE_SYSREG(ttbr1_el1, (u64)ttbr1_root);
    ISB();
    tlb_flush_all();
    u64 sctlr = READ_SYSREG(sctlr_el1);
    sctlr |= (1UL << 0) | (1UL << 2) | (1UL << 12); /* M, C, I */
    WRITE_SYSREG(sctlr_el1, sctlr);
    ISB();
}
