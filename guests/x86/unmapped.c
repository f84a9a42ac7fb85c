/* Accesses to an address nothing backs must complete (the VMM's policy decides the value). */
#include "kit.h"

const char guest_name[] = "unmapped";

/* In the PCI hole of a 128 MiB PC, away from firmware-assigned BARs and the APICs. */
#define UNASSIGNED_MMIO_ADDRESS 0xD0000000u

const char *guest_main(void)
{
    uint32_t first = mmio_read32(UNASSIGNED_MMIO_ADDRESS);
    printf("read32 at %x returned %08x\n", UNASSIGNED_MMIO_ADDRESS, first);
    mmio_write32(UNASSIGNED_MMIO_ADDRESS, ~first);
    uint32_t second = mmio_read32(UNASSIGNED_MMIO_ADDRESS);
    printf("after writing %08x, read32 returned %08x (%s)\n", ~first, second,
           second == first ? "the write was dropped" : "the value changed");
    print("the accesses completed and the guest continues\n");
    return NULL;
}
