/* The corpus runtime: console, formatting, PSCI, exceptions, GICv2, page tables. */
#ifndef RT_H
#define RT_H

typedef unsigned long u64;
typedef long s64;
typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef unsigned char u8;

#define NULL ((void *)0)

#define READ_SYSREG(reg) ({ u64 v_; __asm__ volatile("mrs %0, " #reg : "=r"(v_)); v_; })
#define WRITE_SYSREG(reg, val) __asm__ volatile("msr " #reg ", %0" :: "r"((u64)(val)) : "memory")
#define ISB() __asm__ volatile("isb" ::: "memory")
#define DSB(opt) __asm__ volatile("dsb " #opt ::: "memory")

static inline u32 mmio_read32(u64 addr) { return *(volatile u32 *)addr; }
static inline void mmio_write32(u64 addr, u32 val) { *(volatile u32 *)addr = val; }
static inline void mmio_write8(u64 addr, u8 val) { *(volatile u8 *)addr = val; }

/* Console (PL011 at 0x09000000). */
void putc(char c);
void puts(const char *s);
/* printf subset: %s %c %d %u %x %p, a width (0-padded for numbers, left-justified with '-' for %s),
   '+' for %d;
   l/ll are accepted and ignored: integer arguments are always read as 64-bit. */
void printf(const char *fmt, ...);

void *memset(void *dst, int c, u64 n);
void *memcpy(void *dst, const void *src, u64 n);

/* PSCI over HVC (QEMU virt's conduit when the guest is entered at EL1). */
#define PSCI_VERSION 0x84000000UL
#define PSCI_CPU_OFF 0x84000002UL /* called by boot.S when secondary_main returns */
#define PSCI_CPU_ON 0xC4000003UL
#define PSCI_AFFINITY_INFO 0xC4000004UL
#define PSCI_SYSTEM_OFF 0x84000008UL
#define PSCI_FEATURES 0x8400000AUL
s64 psci_call(u64 function, u64 a1, u64 a2, u64 a3);
void __attribute__((noreturn)) system_off(void);

/* Entered by the boot code with the x0 the loader passed (QEMU: 0 for an ELF kernel). */
void main(u64 x0_at_entry);
/* Entry point for CPUs started with psci_cpu_on_secondary: sets up the CPU, then calls secondary_main. */
void secondary_entry(void);
void secondary_main(u64 context_id);
u64 cpu_index(void); /* MPIDR_EL1.Aff0 */

/* Exceptions. Every vector saves this frame and calls exception_hook, which returns nonzero when it
   handled the exception; ERET then resumes with the (possibly modified) elr, spsr and sp_el0. */
struct exc_frame {
    u64 x[31];
    u64 elr, spsr, sp_el0, esr, far;
};
enum exc_kind { /* index of the vector: group * 4 + type */
    EXC_SP0_SYNC = 0, EXC_SP0_IRQ, EXC_SP0_FIQ, EXC_SP0_SERROR,
    EXC_SPX_SYNC = 4, EXC_SPX_IRQ, EXC_SPX_FIQ, EXC_SPX_SERROR,
    EXC_EL0_64_SYNC = 8, EXC_EL0_64_IRQ, EXC_EL0_64_FIQ, EXC_EL0_64_SERROR,
    EXC_EL0_32_SYNC = 12, EXC_EL0_32_IRQ, EXC_EL0_32_FIQ, EXC_EL0_32_SERROR,
};
typedef int (*exc_hook_fn)(struct exc_frame *frame, unsigned kind);
extern exc_hook_fn exception_hook;
extern char exception_vectors[];

/* Runs code at EL0: ERET to entry with SPSR_EL1 = spsr (EL0t, any DAIF/SS bits), SP_EL0 = stack and
   x1 = x1. The program's exception hook calls el0_return(frame) when it wants EL1 to go on (typically on an
   EL0 "svc #EL0_EXIT"); el0_run then returns EL0's x0. */
#define EL0_EXIT 0x99
u64 el0_run(u64 entry, u64 stack, u64 spsr, u64 x1);
void el0_return(struct exc_frame *frame);

static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

/* GICv2 as on QEMU virt. */
#define GICD_BASE 0x08000000UL
#define GICC_BASE 0x08010000UL
#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ISPENDR 0x200
#define GICD_ICPENDR 0x280
#define GICD_ISACTIVER 0x300
#define GICD_ICACTIVER 0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_SGIR 0xF00
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0C
#define GICC_EOIR 0x10
#define GICC_RPR 0x14
#define GICC_HPPIR 0x18
#define GIC_SPURIOUS 1023
void gic_init(void);               /* distributor and this CPU's interface on, PMR open, all masked */
void gic_enable_irq(u32 intid, u8 priority);
void gic_disable_irq(u32 intid);
int gic_is_pending(u32 intid);
int gic_is_active(u32 intid);
void gic_send_sgi_self(u32 intid);
u32 gic_ack(void);                 /* reads IAR */
void gic_eoi(u32 iar);

/* Stage 1 EL1&0 translation with a 4 KiB granule and 48-bit VAs. */
#define PTE_VALID (1UL << 0)
#define PTE_TABLE (1UL << 1)
#define PTE_PAGE (1UL << 1)        /* level 3 descriptor type */
#define PTE_ATTR_DEVICE (0UL << 2) /* MAIR index 0: Device-nGnRnE */
#define PTE_ATTR_NORMAL (1UL << 2) /* MAIR index 1: Normal write-back */
#define PTE_AP_EL0 (1UL << 6)      /* AP[1]: EL0 access */
#define PTE_AP_RO (1UL << 7)       /* AP[2]: read-only */
#define PTE_SH_INNER (3UL << 8)
#define PTE_AF (1UL << 10)
#define PTE_PXN (1UL << 53)
#define PTE_UXN (1UL << 54)
#define PTE_ADDR_MASK 0x0000FFFFFFFFF000UL
#define PT_NORMAL (PTE_ATTR_NORMAL | PTE_SH_INNER | PTE_AF)
#define PT_DEVICE (PTE_ATTR_DEVICE | PTE_AF | PTE_PXN | PTE_UXN)
u64 *pt_new_table(void);           /* a zeroed 4 KiB table from a static pool */
/* Maps one 4 KiB page (level 3), 2 MiB block (level 2) or 1 GiB block (level 1); returns the
   descriptor's address. */
u64 *pt_map_page(u64 *root, u64 va, u64 pa, u64 attrs);
u64 *pt_map_block_2m(u64 *root, u64 va, u64 pa, u64 attrs);
u64 *pt_map_block_1g(u64 *root, u64 va, u64 pa, u64 attrs);
/* Identity map of the first 8 MiB of RAM (normal) and the GIC, UART and RTC (device). */
u64 *pt_identity_root(void);
/* MAIR, TCR (T0SZ = T1SZ = 16, 4 KiB granules), TTBR0/1, then SCTLR.M|C|I. */
void mmu_enable(u64 *ttbr0_root, u64 *ttbr1_root, u64 extra_tcr);
void tlb_flush_all(void);

#endif
