/* The echo side of the shared-memory ping-pong (guests/shared/shm_pingpong.h) on the PC board with qvm's PCI
   form of the shmem device (vdev shmem without loc): found on bus 0 by configuration mechanism #1 under the IDs
   guest_shm.h names (1c05:0001), its factory page in BAR 0 where the firmware (jqvm, as SeaBIOS would) put it. */
#include "kit.h"
#include "shm_pingpong.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_ID_GUEST_SHM   0x00011c05u /* PCI_DID_QNX_GUEST_SHM << 16 | PCI_VID_BlackBerry_QNX */
#define PCI_COMMAND_MEMORY 0x2u

const char guest_name[] = "shm-echo-pci";

static inline void outl(uint16_t port, uint32_t value) { __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static uint32_t config_read(unsigned device, unsigned offset)
{
    outl(PCI_CONFIG_ADDRESS, 0x80000000u | device << 11 | (offset & 0xfc));
    return inl(PCI_CONFIG_DATA);
}

static void report(const char *what, uint32_t n)
{
    printf("%s %u\n", what, n);
}

const char *guest_main(void)
{
    for (unsigned device = 1; device < 32; device++) {
        if (config_read(device, 0x00) != PCI_ID_GUEST_SHM)
            continue;
        uint64_t factory = config_read(device, 0x10) & ~0xfu;
        printf("shmem: PCI 00:%02x.0, factory page in BAR 0 at %lx, INTx line %u\n", device, factory,
               config_read(device, 0x3c) & 0xff);
        if (!(config_read(device, 0x04) & PCI_COMMAND_MEMORY) || !factory)
            return "the firmware left BAR 0 unplaced or memory decoding off";
        return pingpong_echo(factory, report);
    }
    return "no shmem function (1c05:0001) on PCI bus 0";
}
