/* IDT, 8259 masking, local APIC, IOAPIC and PIT helpers. */
#include "kit.h"

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

#define IDT_INTERRUPT_GATE_PRESENT 0x8E
#define KERNEL_CODE_SELECTOR       0x08
#define ISR_STUB_SIZE              16

extern const uint8_t isr_stubs[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static interrupt_handler handlers[256];

static uint64_t read_cr2(void)
{
    uint64_t value;
    __asm__ volatile("mov %%cr2, %0" : "=r"(value));
    return value;
}

/* Called by isr_common (isr.S) for every vector. */
void interrupt_dispatch(struct interrupt_frame *frame)
{
    interrupt_handler handler = handlers[frame->vector];
    if (handler) {
        handler(frame);
        return;
    }
    printf("unexpected interrupt: vector %lu, error code %lx, rip %lx, cr2 %lx\n",
           frame->vector, frame->error_code, frame->rip, read_cr2());
    printf("FAIL %s: unexpected interrupt or exception %lu\n", guest_name, frame->vector);
    acpi_poweroff();
}

void idt_init(void)
{
    for (unsigned vector = 0; vector < 256; vector++) {
        uint64_t stub = (uint64_t)(isr_stubs + vector * ISR_STUB_SIZE);
        idt[vector] = (struct idt_gate){
            .offset_low = (uint16_t)stub,
            .selector = KERNEL_CODE_SELECTOR,
            .type_attributes = IDT_INTERRUPT_GATE_PRESENT,
            .offset_middle = (uint16_t)(stub >> 16),
            .offset_high = (uint32_t)(stub >> 32),
        };
    }
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } pointer = { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(pointer));
}

void idt_set_handler(uint8_t vector, interrupt_handler handler) { handlers[vector] = handler; }

#define PIC_MASTER_COMMAND 0x20
#define PIC_MASTER_DATA    0x21
#define PIC_SLAVE_COMMAND  0xA0
#define PIC_SLAVE_DATA     0xA1

void pic_disable(void)
{
    /* ICW1-ICW4: vectors 0x20-0x2F (never the exceptions), cascade on IR2, 8086 mode. */
    outb(PIC_MASTER_COMMAND, 0x11);
    outb(PIC_SLAVE_COMMAND, 0x11);
    outb(PIC_MASTER_DATA, 0x20);
    outb(PIC_SLAVE_DATA, 0x28);
    outb(PIC_MASTER_DATA, 0x04);
    outb(PIC_SLAVE_DATA, 0x02);
    outb(PIC_MASTER_DATA, 0x01);
    outb(PIC_SLAVE_DATA, 0x01);
    outb(PIC_MASTER_DATA, 0xFF);
    outb(PIC_SLAVE_DATA, 0xFF);
}

static uint64_t lapic_base = 0xFEE00000;

void lapic_set_base(uint64_t address) { lapic_base = address; }
uint32_t lapic_read(uint32_t reg) { return mmio_read32(lapic_base + reg); }
void lapic_write(uint32_t reg, uint32_t value) { mmio_write32(lapic_base + reg, value); }
uint8_t lapic_id(void) { return (uint8_t)(lapic_read(LAPIC_ID) >> 24); }
void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

#define LAPIC_SOFTWARE_ENABLE (1u << 8)

void lapic_enable(void)
{
    lapic_write(LAPIC_SPURIOUS, LAPIC_SOFTWARE_ENABLE | LAPIC_SPURIOUS_VECTOR);
    lapic_write(LAPIC_TASK_PRIORITY, 0);
    lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
}

#define KVM_LAPIC_TICKS_PER_US 1000u

void lapic_delay_us(uint32_t microseconds)
{
    uint64_t ticks = (uint64_t)microseconds * KVM_LAPIC_TICKS_PER_US;
    lapic_enable();
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_INITIAL, ticks > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)ticks);
    while (lapic_read(LAPIC_TIMER_CURRENT) != 0)
        cpu_pause();
}

#define LAPIC_ICR_DELIVERY_PENDING (1u << 12)

void lapic_send_ipi(uint8_t destination_apic_id, uint32_t command)
{
    lapic_write(LAPIC_ICR_HIGH, (uint32_t)destination_apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, command);
    while (lapic_read(LAPIC_ICR_LOW) & LAPIC_ICR_DELIVERY_PENDING)
        cpu_pause();
}

#define IOAPIC_REGISTER_SELECT 0x00
#define IOAPIC_WINDOW          0x10
#define IOAPIC_REDIRECTION     0x10
#define IOAPIC_ACTIVE_LOW      (1u << 13)
#define IOAPIC_LEVEL_TRIGGERED (1u << 15)
#define INTI_POLARITY_ACTIVE_LOW 3u
#define INTI_TRIGGER_LEVEL       3u

static void ioapic_write(uint64_t base, uint32_t reg, uint32_t value)
{
    mmio_write32(base + IOAPIC_REGISTER_SELECT, reg);
    mmio_write32(base + IOAPIC_WINDOW, value);
}

void ioapic_route(uint64_t io_apic_address, uint32_t gsi_base, uint32_t gsi,
                  uint16_t inti_flags, uint8_t vector, uint8_t destination_apic_id)
{
    uint32_t pin = gsi - gsi_base;
    uint32_t low = vector;
    if ((inti_flags & 3u) == INTI_POLARITY_ACTIVE_LOW)
        low |= IOAPIC_ACTIVE_LOW;
    if (((inti_flags >> 2) & 3u) == INTI_TRIGGER_LEVEL)
        low |= IOAPIC_LEVEL_TRIGGERED;
    ioapic_write(io_apic_address, IOAPIC_REDIRECTION + 2 * pin + 1, (uint32_t)destination_apic_id << 24);
    ioapic_write(io_apic_address, IOAPIC_REDIRECTION + 2 * pin, low);
}

#define PIT_CHANNEL0      0x40
#define PIT_CHANNEL2      0x42
#define PIT_COMMAND       0x43
#define PIT_GATE_PORT     0x61
#define PIT_GATE2         0x01
#define PIT_SPEAKER_DATA  0x02
#define PIT_OUT2          0x20
/* Command words: channel, lobyte/hibyte access, mode, binary */
#define PIT_CH0_RATE_GENERATOR   0x34
#define PIT_CH2_ONE_SHOT         0xB0
#define PIT_MAX_COUNT            0xFFFFu

static void pit_wait_ticks(uint32_t ticks)
{
    uint8_t gate = inb(PIT_GATE_PORT);
    outb(PIT_GATE_PORT, (uint8_t)((gate & ~PIT_SPEAKER_DATA) | PIT_GATE2));
    outb(PIT_COMMAND, PIT_CH2_ONE_SHOT);
    outb(PIT_CHANNEL2, (uint8_t)ticks);
    outb(PIT_CHANNEL2, (uint8_t)(ticks >> 8));
    /* In mode 0, OUT2 goes high when the count reaches zero. */
    while (!(inb(PIT_GATE_PORT) & PIT_OUT2))
        cpu_pause();
}

void pit_delay_us(uint32_t microseconds)
{
    uint64_t ticks = ((uint64_t)microseconds * PIT_FREQUENCY_HZ + 999999) / 1000000;
    while (ticks) {
        uint32_t chunk = ticks > PIT_MAX_COUNT ? PIT_MAX_COUNT : (uint32_t)ticks;
        pit_wait_ticks(chunk);
        ticks -= chunk;
    }
}

void pit_start_periodic(uint32_t frequency_hz)
{
    uint32_t divisor = (PIT_FREQUENCY_HZ + frequency_hz / 2) / frequency_hz;
    outb(PIT_COMMAND, PIT_CH0_RATE_GENERATOR);
    outb(PIT_CHANNEL0, (uint8_t)divisor);
    outb(PIT_CHANNEL0, (uint8_t)(divisor >> 8));
}
