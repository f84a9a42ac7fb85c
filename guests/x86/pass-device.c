/* The x86 side of the simulated pass-through device (it/src/test/c/pass-device.c, as the AArch64 kit's
   pass/pass-device.c drives it): its register file at PASS_REGS (pass loc ...,rw=shm:NAME) and its interrupt on
   IOAPIC pin PASS_GSI, level-triggered (pass intr ioapic:10=eventfd:SOCKET). Each round rings the doorbell and
   takes the interrupt; round LEVEL_ROUND leaves the device unacknowledged once, so the re-arm at the EOI raises
   it again. Runs on KVM, where the eventfds are the in-kernel IOAPIC's irqfd and resample eventfd. */
#include "kit.h"
#include "pass_device.h"

#define PASS_REGS 0x90000000ull
#define PASS_GSI 10
#define PASS_VECTOR 0x40
#define ROUNDS 5
#define LEVEL_ROUND 3

/* MADT interrupt-source-override flags: level-triggered (11b in bits 3:2), active high (01b in bits 1:0). */
#define INTI_LEVEL_ACTIVE_HIGH 0x000D

const char guest_name[] = "pass-device";

static volatile uint32_t interrupts, status_in_handler;
static volatile int skip_ack_once;

static void on_device_interrupt(struct interrupt_frame *frame)
{
    (void)frame;
    status_in_handler = mmio_read32(PASS_REGS + REG_STATUS);
    if (skip_ack_once)
        skip_ack_once = 0;
    else
        mmio_write32(PASS_REGS + REG_STATUS, 0);
    interrupts++;
    lapic_eoi();
}

static void on_spurious(struct interrupt_frame *frame) { (void)frame; }

const char *guest_main(void)
{
    struct madt_facts madt;
    acpi_read_madt(&madt);
    if (!madt.present || !madt.io_apic_address)
        return "no MADT with an IOAPIC";
    idt_init();
    idt_set_handler(LAPIC_SPURIOUS_VECTOR, on_spurious);
    idt_set_handler(PASS_VECTOR, on_device_interrupt);
    pic_disable();
    lapic_set_base(madt.local_apic_address);
    lapic_enable();
    ioapic_route(madt.io_apic_address, madt.io_apic_gsi_base, PASS_GSI, INTI_LEVEL_ACTIVE_HIGH, PASS_VECTOR, lapic_id());
    printf("device id %x\n", mmio_read32(PASS_REGS + REG_ID));
    for (uint32_t round = 1; round <= ROUNDS; round++) {
        uint32_t before = interrupts;
        uint32_t expected = round == LEVEL_ROUND ? 2 : 1;
        uint32_t rearms_before = mmio_read32(PASS_REGS + REG_REARMS);
        skip_ack_once = round == LEVEL_ROUND;
        mmio_write32(PASS_REGS + REG_DOORBELL, round);
        while (interrupts - before < expected)
            cpu_halt_with_interrupts();
        printf("round %u: interrupts %u, status %u, result %u\n", round, interrupts - before, status_in_handler,
               mmio_read32(PASS_REGS + REG_RESULT));
        while (mmio_read32(PASS_REGS + REG_REARMS) - rearms_before < expected)
            cpu_pause();
        printf("round %u: re-armed %u\n", round, mmio_read32(PASS_REGS + REG_REARMS) - rearms_before);
    }
    mmio_write32(PASS_REGS + REG_DONE, DONE_MAGIC);
    return NULL;
}
