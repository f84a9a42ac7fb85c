/* virtio-mmio transport (version 2, and the legacy version 1) and split-virtqueue driver core; see virtio_mmio.h. */
#include "virtio_mmio.h"

/* Register offsets (virtio 1.2 section 4.2.2) */
#define REG_MAGIC               0x000
#define REG_VERSION             0x004
#define REG_DEVICE_ID           0x008
#define REG_DEVICE_FEATURES     0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES     0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL           0x030
#define REG_QUEUE_NUM_MAX       0x034
#define REG_QUEUE_NUM           0x038
#define REG_LEGACY_GUEST_PAGE_SIZE 0x028
#define REG_LEGACY_QUEUE_ALIGN  0x03c
#define REG_LEGACY_QUEUE_PFN    0x040
#define REG_QUEUE_READY         0x044
#define REG_QUEUE_NOTIFY        0x050
#define REG_INTERRUPT_STATUS    0x060
#define REG_INTERRUPT_ACK       0x064
#define REG_STATUS              0x070
#define REG_QUEUE_DESC_LOW      0x080
#define REG_QUEUE_DESC_HIGH     0x084
#define REG_QUEUE_DRIVER_LOW    0x090
#define REG_QUEUE_DRIVER_HIGH   0x094
#define REG_QUEUE_DEVICE_LOW    0x0a0
#define REG_QUEUE_DEVICE_HIGH   0x0a4
#define REG_CONFIG_GENERATION   0x0fc
#define REG_CONFIG              0x100

#define MAGIC_VIRT 0x74726976u   /* "virt", little-endian */
#define LEGACY_PAGE_SIZE 4096u
/* Each read is a VM exit, so this is a few seconds even on a busy host. */
#define RESET_STATUS_READS 1000000u

/* Device status bits (section 2.1) */
#define STATUS_ACKNOWLEDGE  1u
#define STATUS_DRIVER       2u
#define STATUS_DRIVER_OK    4u
#define STATUS_FEATURES_OK  8u
#define STATUS_NEEDS_RESET  64u
#define STATUS_FAILED       128u

/* The LAPIC timer bounds every wait. KVM's in-kernel LAPIC counts at 1 GHz: about 4.3 s. */
#define WATCHDOG_COUNT       0xFFFFFFFFu
#define WATCHDOG_VECTOR      0x3F

static uint32_t reg_read(const struct virtio_mmio_device *device, uint32_t reg) { return mmio_read32(device->base + reg); }
static void reg_write(const struct virtio_mmio_device *device, uint32_t reg, uint32_t value) { mmio_write32(device->base + reg, value); }

/* ---- Announcements on the command line ---- */

static bool parse_number(const char **cursor, uint64_t *value)
{
    const char *p = *cursor;
    unsigned base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    const char *digits = p;
    uint64_t result = 0;
    for (;; p++) {
        unsigned digit;
        if (*p >= '0' && *p <= '9')
            digit = (unsigned)(*p - '0');
        else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
            digit = (unsigned)((*p | 0x20) - 'a' + 10);
        else
            break;
        result = result * base + digit;
    }
    if (p == digits)
        return false;
    *value = result;
    *cursor = p;
    return true;
}

/* <size>[K|M]@<base>:<irq>[:<first platform id>], as Linux's virtio_mmio module parameter. */
static bool parse_announcement(const char *p, struct virtio_mmio_announcement *out)
{
    uint64_t irq;
    if (!parse_number(&p, &out->size))
        return false;
    if (*p == 'K' || *p == 'k' || *p == 'M' || *p == 'm') {
        out->size <<= (*p | 0x20) == 'k' ? 10 : 20;
        p++;
    }
    if (*p++ != '@' || !parse_number(&p, &out->base) || *p++ != ':' || !parse_number(&p, &irq))
        return false;
    if (*p == ':') {
        uint64_t platform_id;
        p++;
        if (!parse_number(&p, &platform_id))
            return false;
    }
    out->irq = (uint32_t)irq;
    return (*p == ' ' || *p == '\0') && irq < 256 && out->size >= REG_CONFIG;
}

int virtio_mmio_announcements(struct virtio_mmio_announcement *out, int capacity)
{
    static const char key[] = "virtio_mmio.device=";
    int count = 0;
    for (const char *p = multiboot_cmdline(); *p;) {
        while (*p == ' ')
            p++;
        if (memcmp(p, key, sizeof key - 1) == 0) {
            struct virtio_mmio_announcement found;
            if (!parse_announcement(p + sizeof key - 1, &found)) {
                printf("malformed announcement: %s\n", p);
                return -1;
            }
            bool duplicate = false;
            for (int i = 0; i < count; i++)
                duplicate |= out[i].base == found.base && out[i].irq == found.irq;
            if (!duplicate && count < capacity)
                out[count++] = found;
        }
        while (*p && *p != ' ')
            p++;
    }
    return count;
}

/* ---- Initialisation (section 3.1.1 and 4.2.3) ---- */

const char *virtio_mmio_probe(uint64_t base, uint32_t *version, uint32_t *device_id)
{
    if (mmio_read32(base + REG_MAGIC) != MAGIC_VIRT)
        return "no virtio-mmio magic value";
    *version = mmio_read32(base + REG_VERSION);
    if (*version != 1 && *version != 2)
        return "neither a version 2 (modern) nor a version 1 (legacy) virtio-mmio transport";
    *device_id = mmio_read32(base + REG_DEVICE_ID);
    return NULL;
}

static bool legacy(const struct virtio_mmio_device *device) { return device->version == 1; }

uint32_t virtio_mmio_status(struct virtio_mmio_device *device) { return reg_read(device, REG_STATUS); }

/* A legacy device has only the first 32 feature bits. */
static uint64_t device_features(const struct virtio_mmio_device *device)
{
    reg_write(device, REG_DEVICE_FEATURES_SEL, 0);
    if (legacy(device))
        return reg_read(device, REG_DEVICE_FEATURES);
    reg_write(device, REG_DEVICE_FEATURES_SEL, 1);
    uint64_t high = reg_read(device, REG_DEVICE_FEATURES);
    reg_write(device, REG_DEVICE_FEATURES_SEL, 0);
    return high << 32 | reg_read(device, REG_DEVICE_FEATURES);
}

/* Version 1 has one page-aligned area (section 4.2.4): descriptors, then the available ring, then
 * the used ring at the next QueueAlign boundary; struct virtq has that layout for VIRTQ_SIZE entries. */
static const char *setup_legacy_queue(struct virtio_mmio_device *device, uint32_t maximum)
{
    struct virtq *q = &device->queue;
    if (maximum < VIRTQ_SIZE)
        return "queue 0 is shorter than the 16 entries of the driver's legacy ring layout";
    q->size = VIRTQ_SIZE;
    reg_write(device, REG_LEGACY_GUEST_PAGE_SIZE, LEGACY_PAGE_SIZE);
    reg_write(device, REG_QUEUE_NUM, q->size);
    reg_write(device, REG_LEGACY_QUEUE_ALIGN, LEGACY_PAGE_SIZE);
    reg_write(device, REG_LEGACY_QUEUE_PFN, (uint32_t)((uint64_t)q->descriptors / LEGACY_PAGE_SIZE));
    return reg_read(device, REG_LEGACY_QUEUE_PFN) != 0 ? NULL : "QueuePFN does not read back";
}

static const char *setup_queue(struct virtio_mmio_device *device)
{
    struct virtq *q = &device->queue;
    reg_write(device, REG_QUEUE_SEL, 0);
    if (reg_read(device, legacy(device) ? REG_LEGACY_QUEUE_PFN : REG_QUEUE_READY) != 0)
        return "queue 0 is in use before the driver set it up";
    uint32_t maximum = reg_read(device, REG_QUEUE_NUM_MAX);
    if (maximum == 0)
        return "queue 0 is not available (QueueNumMax 0)";
    q->last_used_index = 0;
    memset(q->descriptors, 0, sizeof q->descriptors);
    memset(&q->avail, 0, sizeof q->avail);
    memset(&q->used, 0, sizeof q->used);
    if (legacy(device))
        return setup_legacy_queue(device, maximum);
    q->size = maximum < VIRTQ_SIZE ? (uint16_t)maximum : VIRTQ_SIZE;
    reg_write(device, REG_QUEUE_NUM, q->size);
    uint64_t desc = (uint64_t)q->descriptors, driver = (uint64_t)&q->avail, dev = (uint64_t)&q->used;
    reg_write(device, REG_QUEUE_DESC_LOW, (uint32_t)desc);
    reg_write(device, REG_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    reg_write(device, REG_QUEUE_DRIVER_LOW, (uint32_t)driver);
    reg_write(device, REG_QUEUE_DRIVER_HIGH, (uint32_t)(driver >> 32));
    reg_write(device, REG_QUEUE_DEVICE_LOW, (uint32_t)dev);
    reg_write(device, REG_QUEUE_DEVICE_HIGH, (uint32_t)(dev >> 32));
    reg_write(device, REG_QUEUE_READY, 1);
    return reg_read(device, REG_QUEUE_READY) == 1 ? NULL : "QueueReady does not read back 1";
}

const char *virtio_mmio_init(struct virtio_mmio_device *device, uint64_t wanted_features)
{
    const char *failure = virtio_mmio_probe(device->base, &device->version, &device->device_id);
    if (failure)
        return failure;
    /* A reset may take the device a while (requests in flight): wait for the status to read 0 (4.2.3.1.1). */
    reg_write(device, REG_STATUS, 0);
    unsigned reads = 0;
    while (reg_read(device, REG_STATUS) != 0)
        if (++reads == RESET_STATUS_READS)
            return "the status does not read 0 after a reset";
    reg_write(device, REG_STATUS, STATUS_ACKNOWLEDGE);
    reg_write(device, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    uint64_t offered = device_features(device);
    if (!legacy(device) && !(offered & (1ull << VIRTIO_F_VERSION_1)))
        return "the device does not offer VIRTIO_F_VERSION_1";
    device->features = offered & (wanted_features | (legacy(device) ? 0 : 1ull << VIRTIO_F_VERSION_1));
    printf("virtio-mmio %lx: version %u, device %u offers features %lx, driver accepts %lx\n",
           device->base, device->version, device->device_id, offered, device->features);
    reg_write(device, REG_DRIVER_FEATURES_SEL, 0);
    reg_write(device, REG_DRIVER_FEATURES, (uint32_t)device->features);
    if (!legacy(device)) {
        /* A legacy device has no FEATURES_OK step: it takes the features as written. */
        reg_write(device, REG_DRIVER_FEATURES_SEL, 1);
        reg_write(device, REG_DRIVER_FEATURES, (uint32_t)(device->features >> 32));
        reg_write(device, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        if (!(reg_read(device, REG_STATUS) & STATUS_FEATURES_OK)) {
            reg_write(device, REG_STATUS, STATUS_FAILED);
            return "the device refused the negotiated features (FEATURES_OK cleared)";
        }
    }
    failure = setup_queue(device);
    if (failure)
        reg_write(device, REG_STATUS, STATUS_FAILED);
    return failure;
}

void virtio_mmio_driver_ok(struct virtio_mmio_device *device)
{
    uint32_t features_ok = legacy(device) ? 0 : STATUS_FEATURES_OK;
    reg_write(device, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | features_ok | STATUS_DRIVER_OK);
}

/* Version 1 has no ConfigGeneration register: a legacy driver reads the fields once. */
static uint32_t config_generation(struct virtio_mmio_device *device)
{
    return legacy(device) ? 0 : reg_read(device, REG_CONFIG_GENERATION);
}

static uint32_t config_read32_stable(struct virtio_mmio_device *device, uint32_t offset, uint32_t *high)
{
    uint32_t generation, low;
    do {
        generation = config_generation(device);
        low = reg_read(device, REG_CONFIG + offset);
        if (high)
            *high = reg_read(device, REG_CONFIG + offset + 4);
    } while (config_generation(device) != generation);
    return low;
}

uint64_t virtio_mmio_config64(struct virtio_mmio_device *device, uint32_t offset)
{
    uint32_t high;
    uint32_t low = config_read32_stable(device, offset, &high);
    return (uint64_t)high << 32 | low;
}

uint32_t virtio_mmio_config32(struct virtio_mmio_device *device, uint32_t offset)
{
    return config_read32_stable(device, offset, NULL);
}

void virtio_mmio_acknowledge_interrupt(struct virtio_mmio_device *device)
{
    uint32_t status = reg_read(device, REG_INTERRUPT_STATUS);
    if (!status) {
        /* Nothing to acknowledge: must not count as a completion. KVM's in-kernel IOAPIC now and then
         * delivers a level-triggered input once more after the driver lowered it (seen under QEMU
         * with kernel-irqchip=on as under jqvm; QEMU's own IOAPIC does not). */
        device->interrupts_without_status++;
        return;
    }
    reg_write(device, REG_INTERRUPT_ACK, status);
    device->interrupt_status_seen |= status;
    device->interrupts++;
}

/* ---- Requests ---- */

static volatile bool watchdog_expired;

static void on_watchdog(struct interrupt_frame *frame)
{
    (void)frame;
    watchdog_expired = true;
    lapic_eoi();
}

static uint16_t used_index(const struct virtq *q) { return __atomic_load_n(&q->used.index, __ATOMIC_ACQUIRE); }

static uint16_t chains_used(const struct virtq *q) { return (uint16_t)(used_index(q) - q->last_used_index); }

/* Polls with the LAPIC timer masked (it still counts), so no stale watchdog interrupt lingers. */
static bool wait_polling(const struct virtq *q, unsigned chains)
{
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | WATCHDOG_VECTOR);
    lapic_write(LAPIC_TIMER_INITIAL, WATCHDOG_COUNT);
    while (chains_used(q) < chains && lapic_read(LAPIC_TIMER_CURRENT) != 0)
        cpu_pause();
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    return chains_used(q) >= chains;
}

/* Halts until interrupts; the one-shot watchdog interrupt ends the wait if the device's never come. */
static bool wait_for_interrupt(const struct virtio_mmio_device *device, unsigned chains, unsigned interrupts_before)
{
    const struct virtq *q = &device->queue;
    watchdog_expired = false;
    idt_set_handler(WATCHDOG_VECTOR, on_watchdog);
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
    lapic_write(LAPIC_LVT_TIMER, WATCHDOG_VECTOR);
    lapic_write(LAPIC_TIMER_INITIAL, WATCHDOG_COUNT);
    while ((chains_used(q) < chains || device->interrupts == interrupts_before) && !watchdog_expired)
        cpu_halt_with_interrupts();
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    return device->interrupts != interrupts_before && chains_used(q) >= chains;
}

/* Chain c takes descriptors [c * per_chain, (c + 1) * per_chain): the driver's whole table, no free list. */
static void put_chain(struct virtq *q, uint16_t head, const struct virtio_buffer *buffers, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        bool more = i + 1 < count;
        q->descriptors[head + i] = (struct virtq_desc){
            .address = (uint64_t)buffers[i].address,
            .length = buffers[i].length,
            .flags = (uint16_t)((buffers[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) | (more ? VIRTQ_DESC_F_NEXT : 0)),
            .next = (uint16_t)(more ? head + i + 1 : 0),
        };
    }
}

const char *virtio_mmio_requests(struct virtio_mmio_device *device, const struct virtio_buffer *buffers,
                                 unsigned chains, unsigned per_chain, enum virtio_wait wait,
                                 uint16_t *used_heads, uint32_t *used_lengths)
{
    struct virtq *q = &device->queue;
    if (chains == 0 || per_chain == 0 || chains * per_chain > q->size)
        return "the requests need between 1 and queue-size descriptors";
    uint16_t index = q->avail.index;
    for (unsigned c = 0; c < chains; c++) {
        put_chain(q, (uint16_t)(c * per_chain), buffers + c * per_chain, per_chain);
        q->avail.ring[(uint16_t)(index + c) % q->size] = (uint16_t)(c * per_chain);
    }
    q->avail.flags = wait == VIRTIO_WAIT_POLL ? VIRTQ_AVAIL_F_NO_INTERRUPT : 0;
    unsigned interrupts_before = device->interrupts;
    /* The device must see the descriptors and the ring entries before the new index (section 2.7.13). */
    __atomic_store_n(&q->avail.index, (uint16_t)(index + chains), __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    reg_write(device, REG_QUEUE_NOTIFY, 0);

    bool used = wait == VIRTIO_WAIT_POLL ? wait_polling(q, chains) : wait_for_interrupt(device, chains, interrupts_before);
    if (!used) {
        if (virtio_mmio_status(device) & STATUS_NEEDS_RESET)
            return "the device set DEVICE_NEEDS_RESET";
        if (chains_used(q) >= chains)
            return "the requests were used but no interrupt arrived within the watchdog time";
        return "the device did not use every request within the watchdog time";
    }
    if (chains_used(q) != chains)
        return "the device used more chains than the driver made available";
    bool seen[VIRTQ_SIZE] = { false };
    for (unsigned c = 0; c < chains; c++) {
        const struct virtq_used_element *element = &q->used.ring[q->last_used_index++ % q->size];
        if (element->id >= chains * per_chain || element->id % per_chain != 0 || seen[element->id])
            return "the used ring names a descriptor that is not the head of an outstanding chain";
        seen[element->id] = true;
        used_heads[c] = (uint16_t)element->id;
        used_lengths[c] = element->length;
    }
    return NULL;
}

const char *virtio_mmio_request(struct virtio_mmio_device *device, const struct virtio_buffer *buffers,
                                unsigned count, enum virtio_wait wait, uint32_t *used_length)
{
    uint16_t head;
    return virtio_mmio_requests(device, buffers, 1, count, wait, &head, used_length);
}
