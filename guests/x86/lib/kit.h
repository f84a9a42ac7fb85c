/* The guest kit runtime: everything a test guest needs, in long mode, without libc. */
#ifndef GUESTKIT_KIT_H
#define GUESTKIT_KIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- What each guest provides ---- */

/* The name printed in the final "PASS <name>" / "FAIL <name>: why" line. */
extern const char guest_name[];
/* Runs the guest's check; returns NULL on success or a short reason for failure. */
const char *guest_main(void);

/* ---- Port and memory-mapped I/O ---- */

static inline void outb(uint16_t port, uint8_t value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t value) { __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint32_t mmio_read32(uint64_t address) { return *(volatile uint32_t *)address; }
static inline void mmio_write32(uint64_t address, uint32_t value) { *(volatile uint32_t *)address = value; }

static inline void cpu_pause(void) { __asm__ volatile("pause"); }
static inline void cpu_halt_with_interrupts(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

void cpuid(uint32_t leaf, uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx);
_Noreturn void halt_forever(void);

/* ---- Console (16550 UART at COM1) ---- */

void serial_init(void);
void print(const char *text);
/* printf subset: %s %c %d %u %x %p, 'l' and 'll' length, '0' flag and field width. */
void printf(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* ---- Strings and memory (gcc may also emit calls to these) ---- */

void *memcpy(void *destination, const void *source, size_t length);
void *memset(void *destination, int value, size_t length);
int memcmp(const void *a, const void *b, size_t length);
size_t strlen(const char *text);

/* ---- Multiboot v1 ---- */

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower_kib;
    uint32_t mem_upper_kib;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
} __attribute__((packed));

#define MULTIBOOT_INFO_MEMORY  (1u << 0)
#define MULTIBOOT_INFO_CMDLINE (1u << 2)
#define MULTIBOOT_INFO_MMAP    (1u << 6)

/* Memory map entries are preceded by their size, which does not count itself. */
struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t base;
    uint64_t length;
    uint32_t type;
} __attribute__((packed));

#define MULTIBOOT_MEMORY_AVAILABLE 1

extern uint32_t multiboot_magic;
extern uint32_t multiboot_info_address;
const struct multiboot_info *multiboot_info(void);
/* The command line, or "" when the loader passed none. */
const char *multiboot_cmdline(void);
/* The first whitespace-separated command-line word made only of digits, or fallback. */
uint64_t cmdline_number(uint64_t fallback);
/* The value of a "key=number" word (decimal, or hex with 0x), or fallback. */
uint64_t cmdline_option(const char *key, uint64_t fallback);

/* ---- ACPI ---- */

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));

/* Finds a table by signature via RSDP -> XSDT/RSDT; NULL if absent. */
const struct acpi_header *acpi_find_table(const char signature[4]);

#define MAX_CPUS 16

/* What the MADT tells about interrupt controllers and processors. */
struct madt_facts {
    bool present;
    uint64_t local_apic_address;
    unsigned cpu_count;
    uint8_t cpu_apic_ids[MAX_CPUS];
    uint64_t io_apic_address;
    uint32_t io_apic_gsi_base;
    /* The ISA IRQ0 (PIT) route: GSI and MPS INTI flags (polarity bits 0-1, trigger bits 2-3). */
    uint32_t pit_gsi;
    uint16_t pit_inti_flags;
};
void acpi_read_madt(struct madt_facts *facts);

struct poweroff_method {
    uint16_t pm1a_control_port;
    uint16_t pm1b_control_port;    /* 0 when absent */
    /* Hardware-reduced ACPI (QEMU's microvm): no PM1 blocks, one sleep control register. */
    uint64_t sleep_control_address;    /* 0 unless the FADT says HW_REDUCED_ACPI */
    bool sleep_control_in_io_space;
    uint8_t sleep_type_a;
    uint8_t sleep_type_b;
    bool from_fadt;                /* false: QEMU's documented defaults were used */
    bool sleep_type_from_dsdt;
};
void acpi_poweroff_method(struct poweroff_method *method);
/* Enters S5; if the machine is still running afterwards, halts forever. */
_Noreturn void acpi_poweroff(void);

/* ---- Interrupts ---- */

struct interrupt_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};
typedef void (*interrupt_handler)(struct interrupt_frame *frame);

/* Loads a 256-entry IDT; vectors without a handler end the guest with FAIL. */
void idt_init(void);
void idt_set_handler(uint8_t vector, interrupt_handler handler);

/* Remaps the 8259 pair away from the exception vectors and masks every line. */
void pic_disable(void);

#define LAPIC_ID               0x020
#define LAPIC_TASK_PRIORITY    0x080
#define LAPIC_EOI              0x0B0
#define LAPIC_SPURIOUS         0x0F0
#define LAPIC_ICR_LOW          0x300
#define LAPIC_ICR_HIGH         0x310
#define LAPIC_LVT_TIMER        0x320
#define LAPIC_LVT_LINT0        0x350
#define LAPIC_LVT_LINT1        0x360
#define LAPIC_TIMER_INITIAL    0x380
#define LAPIC_TIMER_CURRENT    0x390
#define LAPIC_TIMER_DIVIDE     0x3E0
#define LAPIC_DIVIDE_BY_1      0x0B
#define LAPIC_LVT_MASKED       (1u << 16)
#define LAPIC_SPURIOUS_VECTOR  0xFF

void lapic_set_base(uint64_t address);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);
uint8_t lapic_id(void);
/* Software-enables the LAPIC, accepts all priorities, masks LINT0/LINT1. */
void lapic_enable(void);
void lapic_eoi(void);
/* Busy-waits on the LAPIC timer (masked, so no interrupt), at KVM's 1 GHz LAPIC timer clock, at
 * most about 4 s: for machines without the PIT's gate port, such as QEMU's microvm. */
void lapic_delay_us(uint32_t microseconds);
/* Sends an IPI (ICR command word) and waits for the LAPIC to report it delivered. */
void lapic_send_ipi(uint8_t destination_apic_id, uint32_t command);

/* Routes a GSI to vector on the CPU with destination_apic_id (fixed delivery, physical mode). */
void ioapic_route(uint64_t io_apic_address, uint32_t gsi_base, uint32_t gsi,
                  uint16_t inti_flags, uint8_t vector, uint8_t destination_apic_id);

/* ---- PIT 8254 ---- */

#define PIT_FREQUENCY_HZ 1193182u
/* Busy-waits using PIT channel 2 (gated through port 0x61), independent of interrupts. */
void pit_delay_us(uint32_t microseconds);
/* Channel 0 as a rate generator interrupting on IRQ0 at about frequency_hz. */
void pit_start_periodic(uint32_t frequency_hz);

/* ---- SMP ---- */

/* Set by the BSP before each SIPI: the stack the next AP starts on. */
extern uint64_t ap_stack_top;
/* Called on each AP in long mode; provided by the smp guest. */
void ap_main(void);

#endif
