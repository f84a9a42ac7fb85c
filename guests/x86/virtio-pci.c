/* Drives a virtio-entropy device over PCI as a minimal modern virtio-pci driver would, finding it by
 * configuration mechanism #1 (ports 0xCF8/0xCFC) on bus 0: prints each function's IDs and class, walks
 * the device's capability list to its virtio regions (common, notify, ISR, device configuration), takes
 * the BAR addresses the firmware placed, negotiates VERSION_1, sets up queue 0 with MSI-X vector 0 (the
 * table entry a message to this CPU's local APIC), asks for 64 bytes of entropy, polls the used ring for
 * them and then waits for the queue's message: the PC board's MSI path, device -> local APIC -> IDT. */
#include "virtio_mmio.h"

const char guest_name[] = "virtio-pci";

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_VENDOR_VIRTIO  0x1af4
#define PCI_CAP_VENDOR     0x09
#define PCI_CAP_MSIX       0x11
#define MSIX_ENABLE        0x8000
#define MSIX_VECTOR        0x41
#define LAPIC_MSI_WINDOW   0xfee00000u
#define NO_VECTOR          0xffff
#define PCI_COMMAND_MASTER 0x4
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR    3
#define CAP_DEVICE 4
#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER      2
#define STATUS_DRIVER_OK   4
#define STATUS_FEATURES_OK 8
#define ENTROPY_BYTES 64
#define POLL_LIMIT 100000000

static inline void outl(uint16_t port, uint32_t value) { __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static uint32_t config_read(unsigned device, unsigned offset)
{
    outl(PCI_CONFIG_ADDRESS, 0x80000000u | device << 11 | (offset & 0xfc));
    return inl(PCI_CONFIG_DATA) >> (8 * (offset & 3));
}

static void config_write16(unsigned device, unsigned offset, uint16_t value)
{
    outl(PCI_CONFIG_ADDRESS, 0x80000000u | device << 11 | (offset & 0xfc));
    __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"((uint16_t)(PCI_CONFIG_DATA + (offset & 2))));
}

static uint64_t bar_address(unsigned device, unsigned bar)
{
    uint32_t low = config_read(device, 0x10 + 4 * bar);
    uint64_t address = low & ~0xfu;
    if ((low & 6) == 4)
        address |= (uint64_t)config_read(device, 0x14 + 4 * bar) << 32;
    return address;
}

static struct virtq queue;
static uint8_t entropy[ENTROPY_BYTES];
static volatile unsigned queue_messages;

static void on_queue_message(struct interrupt_frame *frame)
{
    (void)frame;
    queue_messages++;
    lapic_eoi();
}

static void on_spurious(struct interrupt_frame *frame) { (void)frame; }

/* Points MSI-X table entry 0 at this CPU's local APIC with MSIX_VECTOR, unmasked, and enables MSI-X. */
static const char *enable_msix(unsigned device)
{
    unsigned at = config_read(device, 0x34) & 0xff;
    while (at && (config_read(device, at) & 0xff) != PCI_CAP_MSIX)
        at = config_read(device, at + 1) & 0xff;
    if (!at)
        return "no MSI-X capability";
    uint16_t control = config_read(device, at + 2) & 0xffff;
    uint32_t table = config_read(device, at + 4);
    uint64_t entry = bar_address(device, table & 7) + (table & ~7u);
    printf("msi-x: %u vectors, table in BAR %u\n", (control & 0x7ff) + 1, table & 7);
    mmio_write32(entry + 0, LAPIC_MSI_WINDOW | (uint32_t)lapic_id() << 12);
    mmio_write32(entry + 4, 0);
    mmio_write32(entry + 8, MSIX_VECTOR); /* fixed delivery, edge */
    mmio_write32(entry + 12, 0);          /* unmasked */
    config_write16(device, at + 2, control | MSIX_ENABLE);
    /* A message is a memory write by the device: bus mastering must be on for it (Linux's pci_set_master). */
    config_write16(device, 0x04, (config_read(device, 0x04) & 0xffff) | PCI_COMMAND_MASTER);
    return NULL;
}

static inline uint8_t read8(uint64_t a) { return *(volatile uint8_t *)a; }
static inline uint16_t read16(uint64_t a) { return *(volatile uint16_t *)a; }
static inline void write8(uint64_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void write16(uint64_t a, uint16_t v) { *(volatile uint16_t *)a = v; }
static inline void write64_halves(uint64_t a, uint64_t v) { mmio_write32(a, (uint32_t)v); mmio_write32(a + 4, (uint32_t)(v >> 32)); }

static const char *drive_entropy(unsigned device)
{
    uint64_t region[5] = {0};
    uint32_t notify_multiplier = 0;
    for (unsigned at = config_read(device, 0x34) & 0xff; at; at = config_read(device, at + 1) & 0xff) {
        if ((config_read(device, at) & 0xff) != PCI_CAP_VENDOR)
            continue;
        unsigned type = config_read(device, at + 3) & 0xff;
        if (type >= CAP_COMMON && type <= CAP_DEVICE) {
            region[type] = bar_address(device, config_read(device, at + 4) & 0xff) + config_read(device, at + 8);
            if (type == CAP_NOTIFY)
                notify_multiplier = config_read(device, at + 16);
        }
    }
    if (!region[CAP_COMMON] || !region[CAP_NOTIFY] || !region[CAP_ISR])
        return "the common, notify or ISR capability is missing";
    printf("capabilities: common, notify (multiplier %u), isr%s\n", notify_multiplier, region[CAP_DEVICE] ? ", device" : "");
    if (!(config_read(device, 0x04) & 2))
        return "the firmware left memory decoding off";
    uint64_t common = region[CAP_COMMON];
    write8(common + 0x14, 0);
    if (read8(common + 0x14) != 0)
        return "the device did not reset";
    write8(common + 0x14, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    mmio_write32(common + 0x00, 1);
    if (!(mmio_read32(common + 0x04) & 1))
        return "VIRTIO_F_VERSION_1 is not offered";
    mmio_write32(common + 0x08, 0);
    mmio_write32(common + 0x0c, 0);
    mmio_write32(common + 0x08, 1);
    mmio_write32(common + 0x0c, 1);
    write8(common + 0x14, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    if (!(read8(common + 0x14) & STATUS_FEATURES_OK))
        return "FEATURES_OK was refused";
    printf("queues: %u\n", read16(common + 0x12));
    write16(common + 0x16, 0);
    uint16_t size = read16(common + 0x18);
    if (size == 0)
        return "queue 0 does not exist";
    queue.size = size < VIRTQ_SIZE ? size : VIRTQ_SIZE;
    write16(common + 0x18, queue.size);
    write64_halves(common + 0x20, (uint64_t)(uintptr_t)queue.descriptors);
    write64_halves(common + 0x28, (uint64_t)(uintptr_t)&queue.avail);
    write64_halves(common + 0x30, (uint64_t)(uintptr_t)&queue.used);
    const char *msix = enable_msix(device);
    if (msix)
        return msix;
    write16(common + 0x10, NO_VECTOR);
    write16(common + 0x1a, 0);
    if (read16(common + 0x1a) != 0)
        return "the device refused MSI-X vector 0 for queue 0";
    write16(common + 0x1c, 1);
    uint16_t notify_offset = read16(common + 0x1e);
    write8(common + 0x14, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);

    queue.descriptors[0] = (struct virtq_desc){ (uint64_t)(uintptr_t)entropy, ENTROPY_BYTES, VIRTQ_DESC_F_WRITE, 0 };
    queue.avail.flags = 0; /* the used buffer is to be signalled */
    queue.avail.ring[0] = 0;
    __asm__ volatile("" ::: "memory");
    queue.avail.index = 1;
    __asm__ volatile("mfence" ::: "memory");
    write16(region[CAP_NOTIFY] + (uint64_t)notify_offset * notify_multiplier, 0);
    for (unsigned spin = 0; *(volatile uint16_t *)&queue.used.index == 0; spin++) {
        if (spin == POLL_LIMIT)
            return "the device never used the buffer";
        cpu_pause();
    }
    __asm__ volatile("sti" ::: "memory");
    for (unsigned spin = 0; queue_messages == 0 && spin < POLL_LIMIT; spin++)
        cpu_pause();
    __asm__ volatile("cli" ::: "memory");
    if (queue_messages == 0)
        return "the queue's MSI-X message never arrived";
    printf("msi-x: queue 0 signalled through vector %x\n", MSIX_VECTOR);
    uint32_t length = queue.used.ring[0].length;
    printf("entropy: %u bytes\n", length);
    if (length != ENTROPY_BYTES)
        return "the device did not fill the buffer";
    for (unsigned i = 1; i < ENTROPY_BYTES; i++)
        if (entropy[i] != entropy[0])
            return NULL;
    return "the 64 entropy bytes are all equal";
}

const char *guest_main(void)
{
    int entropy_device = -1;
    for (unsigned device = 0; device < 32; device++) {
        uint32_t ids = config_read(device, 0);
        if ((ids & 0xffff) == 0xffff)
            continue;
        uint32_t class = config_read(device, 0x08) >> 8;
        printf("pci 00:%02x.0 %04x:%04x class %06x\n", device, ids & 0xffff, ids >> 16, class);
        if ((ids & 0xffff) == PCI_VENDOR_VIRTIO && ids >> 16 == 0x1040 + VIRTIO_ID_ENTROPY && entropy_device < 0)
            entropy_device = (int)device;
    }
    if (entropy_device < 0)
        return "no modern virtio-entropy function on bus 0";
    idt_init();
    idt_set_handler(MSIX_VECTOR, on_queue_message);
    idt_set_handler(LAPIC_SPURIOUS_VECTOR, on_spurious);
    pic_disable();
    lapic_enable();
    return drive_entropy((unsigned)entropy_device);
}
