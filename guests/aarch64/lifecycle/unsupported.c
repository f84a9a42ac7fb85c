/* A store to a physical address with neither RAM nor a device, MMU off. Under "unsupported reference abort"
   the VM must stop at that store: the line after it must never appear. (Under the board's "fail" the guest
   takes a synchronous external abort instead, as on QEMU: corpus/exceptions.c compares that.) */
#include "rt.h"

#define NO_DEVICE_PA 0x0b000000UL

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    puts("storing to a physical address with no device\n");
    mmio_write32(NO_DEVICE_PA, 1);
    puts("FAIL: still running after the access\n");
}
