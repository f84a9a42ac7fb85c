/* Interrupt delivery: PIT channel 0 -> IOAPIC (GSI from the MADT) -> LAPIC -> long-mode IDT. */
#include "kit.h"

const char guest_name[] = "timer";

#define PIT_VECTOR       0x30
#define WATCHDOG_VECTOR  0x31
#define PIT_HZ           100
#define REQUIRED_TICKS   10
/* LAPIC timer, divide by 1. KVM's in-kernel LAPIC counts at 1 GHz, so this is about 4 s:
 * ten ticks at 100 Hz need 0.1 s. */
#define WATCHDOG_COUNT   0xFFFFFFFFu

static volatile unsigned pit_ticks;
static volatile uint64_t first_tick_tsc, last_tick_tsc;
static volatile bool watchdog_expired;

static uint64_t rdtsc(void)
{
    uint32_t low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return (uint64_t)high << 32 | low;
}

static void on_pit_tick(struct interrupt_frame *frame)
{
    (void)frame;
    uint64_t now = rdtsc();
    if (pit_ticks == 0)
        first_tick_tsc = now;
    last_tick_tsc = now;
    pit_ticks++;
    lapic_eoi();
}

static void on_watchdog(struct interrupt_frame *frame)
{
    (void)frame;
    watchdog_expired = true;
    lapic_eoi();
}

/* Spurious interrupts must not be acknowledged with an EOI. */
static void on_spurious(struct interrupt_frame *frame) { (void)frame; }

const char *guest_main(void)
{
    struct madt_facts madt;
    acpi_read_madt(&madt);
    if (!madt.present)
        return "no MADT";
    if (!madt.io_apic_address)
        return "the MADT lists no IOAPIC";
    printf("PIT IRQ0 is GSI %u (INTI flags %x); IOAPIC at %lx, GSI base %u\n",
           madt.pit_gsi, madt.pit_inti_flags, madt.io_apic_address, madt.io_apic_gsi_base);

    idt_init();
    idt_set_handler(PIT_VECTOR, on_pit_tick);
    idt_set_handler(WATCHDOG_VECTOR, on_watchdog);
    idt_set_handler(LAPIC_SPURIOUS_VECTOR, on_spurious);
    pic_disable();
    lapic_set_base(madt.local_apic_address);
    lapic_enable();
    ioapic_route(madt.io_apic_address, madt.io_apic_gsi_base, madt.pit_gsi, madt.pit_inti_flags,
                 PIT_VECTOR, lapic_id());

    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
    lapic_write(LAPIC_LVT_TIMER, WATCHDOG_VECTOR);        /* one-shot */
    lapic_write(LAPIC_TIMER_INITIAL, WATCHDOG_COUNT);
    pit_start_periodic(PIT_HZ);

    while (pit_ticks < REQUIRED_TICKS && !watchdog_expired)
        cpu_halt_with_interrupts();
    lapic_write(LAPIC_TIMER_INITIAL, 0);

    unsigned ticks = pit_ticks;
    printf("PIT ticks counted: %u\n", ticks);
    if (ticks < REQUIRED_TICKS)
        return "the LAPIC watchdog expired before ten PIT ticks";
    /* Ticks 1..N span N-1 periods of 1/PIT_HZ s, which yields the TSC rate. */
    uint64_t tsc_hz = (last_tick_tsc - first_tick_tsc) * PIT_HZ / (ticks - 1);
    printf("TSC rate measured against the PIT: about %lu MHz\n", tsc_hz / 1000000);
    return NULL;
}
