/* Drives the simulated pass-through device (it/src/test/c/pass-device.c) through qvm's pass: its register
   file at PASS_REGS (pass loc ...,rw=shm:NAME), a read-only page at PASS_ROM (...,r=file:...) and its interrupt
   on SPI PASS_INTID (pass intr gic:40=eventfd:SOCKET). Each round rings the doorbell, takes the interrupt,
   acknowledges it at the device and ends it at the GIC; the device counts the re-arms the EOIs cause. In round
   LEVEL_ROUND the first interrupt is ended without acknowledging the device: its line is still high, so the
   re-arm raises the interrupt again (level-triggered semantics), and the second one is acknowledged.
   Finally a store to the read-only page must take the VM's unsupported-reference path (a data abort under
   `unsupported reference fail`) and leave the page unchanged. */
#include "rt.h"
#include "pass_device.h"

#define PASS_REGS 0x0c000000UL
#define PASS_ROM 0x0c001000UL
#define PASS_INTID 40
#define ROUNDS 5
#define LEVEL_ROUND 3


#define EC(esr) (((esr) >> 26) & 0x3f)
#define EC_DATA_ABORT_SAME_EL 0x25

static volatile u32 interrupts, status_in_handler, other_interrupts;
static volatile int skip_ack_once;
static volatile u32 data_aborts;

static int on_exception(struct exc_frame *f, unsigned kind)
{
    if (kind == EXC_SPX_IRQ) {
        u32 iar = gic_ack();
        if ((iar & 0x3ff) == PASS_INTID) {
            status_in_handler = mmio_read32(PASS_REGS + REG_STATUS);
            if (skip_ack_once)
                skip_ack_once = 0;
            else
                mmio_write32(PASS_REGS + REG_STATUS, 0); /* acknowledge at the device: its line goes low */
            interrupts++;
        } else if ((iar & 0x3ff) != GIC_SPURIOUS) {
            other_interrupts++;
        }
        if ((iar & 0x3ff) != GIC_SPURIOUS)
            gic_eoi(iar);
        return 1;
    }
    if (kind == EXC_SPX_SYNC && EC(f->esr) == EC_DATA_ABORT_SAME_EL) {
        data_aborts++;
        f->elr += 4;
        return 1;
    }
    return 0;
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    exception_hook = on_exception;
    printf("device id %x\n", (u64)mmio_read32(PASS_REGS + REG_ID));
    printf("rom %x\n", (u64)mmio_read32(PASS_ROM));
    gic_init();
    gic_enable_irq(PASS_INTID, 0x80);
    irq_enable();
    for (u32 round = 1; round <= ROUNDS; round++) {
        u32 before = interrupts;
        u32 expected = round == LEVEL_ROUND ? 2 : 1;
        u32 rearms_before = mmio_read32(PASS_REGS + REG_REARMS);
        skip_ack_once = round == LEVEL_ROUND;
        mmio_write32(PASS_REGS + REG_DOORBELL, round);
        while (interrupts - before < expected)
            __asm__ volatile("wfi");
        printf("round %u: interrupts %u, status %u, result %u\n", (u64)round, (u64)(interrupts - before),
               (u64)status_in_handler, (u64)mmio_read32(PASS_REGS + REG_RESULT));
        while (mmio_read32(PASS_REGS + REG_REARMS) - rearms_before < expected)
            ;
        printf("round %u: re-armed %u\n", (u64)round, (u64)(mmio_read32(PASS_REGS + REG_REARMS) - rearms_before));
    }
    printf("interrupts %u, others %u\n", (u64)interrupts, (u64)other_interrupts);
    mmio_write32(PASS_ROM, 0xdead);
    printf("rom after store %x, data aborts %u\n", (u64)mmio_read32(PASS_ROM), (u64)data_aborts);
    mmio_write32(PASS_REGS + REG_DONE, DONE_MAGIC);
    puts("PASS pass-device\n");
}
