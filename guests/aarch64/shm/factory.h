/* Where the shmem factory page is, for the ping-pong programs on the virt board. Built with -DSHM_PCI: qvm's PCI
   form (vdev shmem without loc), found on bus 0 through the ECAM by the IDs guest_shm.h names (1c05:0001); no
   firmware placed its BAR 0, so the program does, at the start of the board's PCI memory window, and turns memory
   decoding on. Otherwise the loc form at SHM_FACTORY_LOC. */
#ifndef SHM_FACTORY_H
#define SHM_FACTORY_H

#include "rt.h"

#define SHM_FACTORY_LOC 0x0b000000UL
#define PCI_ECAM        0x3f000000UL /* QEMU virt's, as jqvm's VirtLayout */
#define PCI_MMIO        0x10000000UL /* the start of the PCI memory window */
#define PCI_ID_GUEST_SHM 0x00011c05u /* PCI_DID_QNX_GUEST_SHM << 16 | PCI_VID_BlackBerry_QNX */
#define PCI_COMMAND_MEMORY 0x2u

/* The factory page's guest-physical address, or 0 when there is none. */
static inline u64 shm_factory(void)
{
#ifdef SHM_PCI
    for (u64 device = 1; device < 32; device++) {
        u64 config = PCI_ECAM + (device << 15);
        if (mmio_read32(config) != PCI_ID_GUEST_SHM)
            continue;
        mmio_write32(config + 0x10, (u32)PCI_MMIO);
        mmio_write32(config + 0x04, mmio_read32(config + 0x04) | PCI_COMMAND_MEMORY);
        printf("shmem: PCI 00:%u.0, factory page in BAR 0 at %x\n", device, (u64)(mmio_read32(config + 0x10) & ~0xfu));
        return mmio_read32(config + 0x10) & ~0xfUL;
    }
    return 0;
#else
    return SHM_FACTORY_LOC;
#endif
}

#endif
