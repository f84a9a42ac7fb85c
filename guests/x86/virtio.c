/* Drives a virtio-blk and a virtio-entropy device over virtio-mmio (version 2, or legacy 1) as a minimal
 * driver would: the devices are announced on the command line in Linux's syntax
 * (virtio_mmio.device=<size>@<base>:<irq>, irq being the IOAPIC GSI), and the disk image holds
 * a pattern the test wrote: 32-bit little-endian word j of sector s is (s << 16 | j). With
 * virtio-blk.read-only=1 on the command line the disk must be read-only and refuse the write. */
#include "virtio_mmio.h"

const char guest_name[] = "virtio";

#define SECTOR_SIZE 512
#define WORDS_PER_SECTOR (SECTOR_SIZE / 4)
#define FIRST_DEVICE_VECTOR 0x40
#define ENTROPY_BYTES 64
/* The sector the guest overwrites with the complement of its pattern; the test checks the image. */
#define WRITTEN_SECTOR 1

/* virtio-blk (virtio 1.2 section 5.2) */
#define VIRTIO_BLK_F_RO    5
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_CONFIG_CAPACITY 0
#define VIRTIO_BLK_T_IN    0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_S_OK    0
#define VIRTIO_BLK_S_IOERR 1

/* Level-triggered, active high: virtio-mmio holds its line while InterruptStatus is non-zero. */
#define INTI_LEVEL_ACTIVE_HIGH 0x000D
#define IOAPIC_VERSION_REGISTER 1

struct virtio_blk_request_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
} __attribute__((packed));

static struct virtio_mmio_device devices[VIRTIO_MMIO_MAX_DEVICES];
static unsigned device_count;

/* Reads in flight together, three descriptors each: 12 of the driver's 16-entry queue. */
#define BATCH_REQUESTS 4
#define BATCH_FIRST_SECTOR 4

static struct virtio_blk_request_header header;
static uint8_t sectors[2][SECTOR_SIZE] __attribute__((aligned(16)));
static uint8_t request_status;
static struct virtio_blk_request_header batch_headers[BATCH_REQUESTS];
static uint8_t batch_sectors[BATCH_REQUESTS][SECTOR_SIZE] __attribute__((aligned(16)));
static uint8_t batch_status[BATCH_REQUESTS];
static uint8_t entropy[ENTROPY_BYTES];

static void on_device_interrupt(struct interrupt_frame *frame)
{
    virtio_mmio_acknowledge_interrupt(&devices[frame->vector - FIRST_DEVICE_VECTOR]);
    lapic_eoi();
}

static void on_spurious(struct interrupt_frame *frame) { (void)frame; }

static uint32_t pattern_word(uint64_t sector, unsigned word) { return (uint32_t)sector << 16 | word; }

static const char *expect_pattern(const uint8_t *data, uint64_t sector, bool complemented)
{
    for (unsigned j = 0; j < WORDS_PER_SECTOR; j++) {
        uint32_t word, expected = pattern_word(sector, j);
        memcpy(&word, data + 4 * j, 4);
        if (word != (complemented ? ~expected : expected)) {
            printf("sector %lu word %u is %x, expected %x\n", sector, j, word, complemented ? ~expected : expected);
            return "the data differs from the pattern in the image";
        }
    }
    return NULL;
}


/* One block request: header, then the data buffers, then the status byte. */
static const char *block_request(struct virtio_mmio_device *disk, uint32_t type, uint64_t sector,
                                 unsigned data_sectors, enum virtio_wait wait, uint32_t *used_length)
{
    struct virtio_buffer buffers[4];
    unsigned count = 0;
    header = (struct virtio_blk_request_header){ .type = type, .sector = sector };
    buffers[count++] = (struct virtio_buffer){ &header, sizeof header, false };
    for (unsigned i = 0; i < data_sectors; i++)
        buffers[count++] = (struct virtio_buffer){ sectors[i], SECTOR_SIZE, type == VIRTIO_BLK_T_IN };
    request_status = 0xFF;
    buffers[count++] = (struct virtio_buffer){ &request_status, 1, true };
    return virtio_mmio_request(disk, buffers, count, wait, used_length);
}

static const char *check(const char *device, const char *what, const char *failure)
{
    if (failure)
        printf("%s: %s: FAILED (%s)\n", device, what, failure);
    else
        printf("%s: %s: ok\n", device, what);
    return failure;
}

static const char *read_and_compare(struct virtio_mmio_device *disk, uint64_t sector, unsigned count,
                                    enum virtio_wait wait, bool complemented)
{
    uint32_t used;
    memset(sectors, 0, sizeof sectors);
    const char *failure = block_request(disk, VIRTIO_BLK_T_IN, sector, count, wait, &used);
    if (failure)
        return failure;
    if (request_status != VIRTIO_BLK_S_OK)
        return "the read's status is not OK";
    if (used != count * SECTOR_SIZE + 1)
        return "the used length is not the data read plus the status byte";
    for (unsigned i = 0; i < count && !failure; i++)
        failure = expect_pattern(sectors[i], sector + i, complemented);
    return failure;
}

/* Sectors BATCH_FIRST_SECTOR onwards, one read request each, all made available before one notify. */
static const char *read_batch(struct virtio_mmio_device *disk)
{
    struct virtio_buffer buffers[BATCH_REQUESTS * 3];
    for (unsigned i = 0; i < BATCH_REQUESTS; i++) {
        batch_headers[i] = (struct virtio_blk_request_header){ .type = VIRTIO_BLK_T_IN, .sector = BATCH_FIRST_SECTOR + i };
        batch_status[i] = 0xFF;
        memset(batch_sectors[i], 0, SECTOR_SIZE);
        buffers[3 * i] = (struct virtio_buffer){ &batch_headers[i], sizeof batch_headers[i], false };
        buffers[3 * i + 1] = (struct virtio_buffer){ batch_sectors[i], SECTOR_SIZE, true };
        buffers[3 * i + 2] = (struct virtio_buffer){ &batch_status[i], 1, true };
    }
    uint16_t heads[BATCH_REQUESTS];
    uint32_t lengths[BATCH_REQUESTS];
    const char *failure = virtio_mmio_requests(disk, buffers, BATCH_REQUESTS, 3, VIRTIO_WAIT_INTERRUPT, heads, lengths);
    if (failure)
        return failure;
    printf("virtio-blk: the %u reads completed as requests", BATCH_REQUESTS);
    for (unsigned c = 0; c < BATCH_REQUESTS; c++)
        printf(" %u", heads[c] / 3);
    print("\n");
    for (unsigned c = 0; c < BATCH_REQUESTS && !failure; c++) {
        unsigned i = heads[c] / 3;
        if (batch_status[i] != VIRTIO_BLK_S_OK)
            return "a read's status is not OK";
        if (lengths[c] != SECTOR_SIZE + 1)
            return "the used length is not the data read plus the status byte";
        failure = expect_pattern(batch_sectors[i], BATCH_FIRST_SECTOR + i, false);
    }
    return failure;
}

/* The device ID string (the configured serial): up to 20 bytes, NUL-terminated only when shorter. */
static const char *print_serial(struct virtio_mmio_device *disk)
{
    char id[VIRTIO_BLK_ID_BYTES + 1];
    memset(sectors[0], 0, VIRTIO_BLK_ID_BYTES);
    header = (struct virtio_blk_request_header){ .type = VIRTIO_BLK_T_GET_ID };
    request_status = 0xFF;
    struct virtio_buffer buffers[] = {
        { &header, sizeof header, false }, { sectors[0], VIRTIO_BLK_ID_BYTES, true }, { &request_status, 1, true },
    };
    uint32_t used;
    const char *failure = virtio_mmio_request(disk, buffers, 3, VIRTIO_WAIT_INTERRUPT, &used);
    if (failure)
        return failure;
    if (request_status != VIRTIO_BLK_S_OK)
        return "GET_ID's status is not OK";
    memcpy(id, sectors[0], VIRTIO_BLK_ID_BYTES);
    id[VIRTIO_BLK_ID_BYTES] = '\0';
    for (char *c = id; *c; c++)
        if (*c < ' ' || *c > '~')
            *c = '?';
    printf("virtio-blk: device ID \"%s\"\n", id);
    return NULL;
}

/* Writes the complement of the sector's pattern; expected_status is OK, or IOERR on a read-only disk. */
static const char *write_sector(struct virtio_mmio_device *disk, uint64_t sector, uint8_t expected_status)
{
    for (unsigned j = 0; j < WORDS_PER_SECTOR; j++) {
        uint32_t word = ~pattern_word(sector, j);
        memcpy(sectors[0] + 4 * j, &word, 4);
    }
    uint32_t used;
    const char *failure = block_request(disk, VIRTIO_BLK_T_OUT, sector, 1, VIRTIO_WAIT_INTERRUPT, &used);
    if (failure)
        return failure;
    if (request_status == expected_status)
        return NULL;
    return expected_status == VIRTIO_BLK_S_OK ? "the write's status is not OK" : "the write's status is not IOERR";
}

/* Writes sector 1 and reads it back; a read-only disk must refuse the write and keep the sector. */
static const char *test_write(struct virtio_mmio_device *disk, bool read_only)
{
    static const char name[] = "virtio-blk";
    if (read_only) {
        if (check(name, "write sector 1 is refused with IOERR (interrupt)", write_sector(disk, WRITTEN_SECTOR, VIRTIO_BLK_S_IOERR)))
            return "the read-only disk did not refuse a write";
        if (check(name, "sector 1 is unchanged (interrupt)", read_and_compare(disk, WRITTEN_SECTOR, 1, VIRTIO_WAIT_INTERRUPT, false)))
            return "the read-only disk changed";
        return NULL;
    }
    if (check(name, "write sector 1 (interrupt)", write_sector(disk, WRITTEN_SECTOR, VIRTIO_BLK_S_OK)))
        return "writing sector 1 failed";
    if (check(name, "read sector 1 back (interrupt)", read_and_compare(disk, WRITTEN_SECTOR, 1, VIRTIO_WAIT_INTERRUPT, true)))
        return "sector 1 does not read back what was written";
    return NULL;
}

/* read_only: the command line says the disk is read-only (virtio-blk.read-only=1), so it must offer
 * VIRTIO_BLK_F_RO; otherwise it must not. */
static const char *test_block(struct virtio_mmio_device *disk, bool read_only)
{
    static const char name[] = "virtio-blk";
    const char *failure = virtio_mmio_init(disk, 1ull << VIRTIO_BLK_F_FLUSH | 1ull << VIRTIO_BLK_F_RO);
    if (check(name, "initialisation", failure))
        return failure;
    virtio_mmio_driver_ok(disk);
    bool offered_read_only = disk->features & 1ull << VIRTIO_BLK_F_RO;
    printf("%s: %s\n", name, offered_read_only ? "read-only (VIRTIO_BLK_F_RO)" : "writable");
    if (offered_read_only != read_only)
        return read_only ? "the disk should be read-only but does not offer VIRTIO_BLK_F_RO"
                         : "the disk is read-only (VIRTIO_BLK_F_RO); the test needs a writable image";
    if (!(disk->features & 1ull << VIRTIO_BLK_F_FLUSH))
        return "the disk does not offer VIRTIO_BLK_F_FLUSH";
    uint64_t capacity = virtio_mmio_config64(disk, VIRTIO_BLK_CONFIG_CAPACITY);
    printf("%s: capacity %lu sectors\n", name, capacity);
    if (capacity < BATCH_FIRST_SECTOR + BATCH_REQUESTS)
        return "the disk is smaller than the eight sectors the test uses";

    if (check(name, "read sector 0 (interrupt)", read_and_compare(disk, 0, 1, VIRTIO_WAIT_INTERRUPT, false)))
        return "reading sector 0 failed";
    printf("%s: reading the last sector, %lu\n", name, capacity - 1);
    if (check(name, "read the last sector (polling)", read_and_compare(disk, capacity - 1, 1, VIRTIO_WAIT_POLL, false)))
        return "reading the last sector failed";
    if (check(name, "read sectors 2-3 into two buffers (interrupt)", read_and_compare(disk, 2, 2, VIRTIO_WAIT_INTERRUPT, false)))
        return "reading two sectors failed";
    if (check(name, "device ID (interrupt)", print_serial(disk)))
        return "GET_ID failed";
    if (check(name, "read sectors 4-7 as four requests in flight (interrupt)", read_batch(disk)))
        return "reading four sectors at once failed";
    failure = test_write(disk, read_only);
    if (failure)
        return failure;

    uint32_t used;
    failure = block_request(disk, VIRTIO_BLK_T_FLUSH, 0, 0, VIRTIO_WAIT_INTERRUPT, &used);
    if (!failure && request_status != VIRTIO_BLK_S_OK)
        failure = "the flush's status is not OK";
    if (check(name, "flush (interrupt)", failure))
        return "the flush failed";

    failure = block_request(disk, VIRTIO_BLK_T_IN, capacity, 1, VIRTIO_WAIT_POLL, &used);
    if (!failure && request_status != VIRTIO_BLK_S_IOERR)
        failure = "a read past the end did not end with status IOERR";
    if (check(name, "read past the end is refused with IOERR (polling)", failure))
        return "a read past the end was not refused";
    printf("%s: %u interrupts, %u more without a status bit, status bits seen %x\n", name,
           disk->interrupts, disk->interrupts_without_status, disk->interrupt_status_seen);
    return NULL;
}

static const char *test_entropy(struct virtio_mmio_device *rng)
{
    static const char name[] = "virtio-entropy";
    const char *failure = virtio_mmio_init(rng, 0);
    if (check(name, "initialisation", failure))
        return failure;
    virtio_mmio_driver_ok(rng);
    memset(entropy, 0, sizeof entropy);
    unsigned filled = 0, requests = 0;
    /* The device may return fewer bytes than asked (section 5.4.6); ask until 64 have come. */
    while (filled < ENTROPY_BYTES && !failure) {
        struct virtio_buffer buffer = { entropy + filled, ENTROPY_BYTES - filled, true };
        uint32_t used;
        failure = virtio_mmio_request(rng, &buffer, 1, VIRTIO_WAIT_INTERRUPT, &used);
        if (!failure && (used == 0 || used > buffer.length))
            failure = "the used length is 0 or longer than the buffer";
        filled += used;
        if (++requests > ENTROPY_BYTES)
            failure = "64 requests did not yield 64 bytes";
    }
    if (check(name, "64 bytes (interrupt)", failure))
        return "no entropy";
    printf("%s: %u bytes in %u requests:", name, filled, requests);
    for (unsigned i = 0; i < 16; i++)
        printf(" %02x", entropy[i]);
    print(" ...\n");
    bool all_equal = true;
    for (unsigned i = 1; i < ENTROPY_BYTES; i++)
        all_equal &= entropy[i] == entropy[0];
    return check(name, "the bytes are not all equal", all_equal ? "all 64 bytes are equal" : NULL);
}

static uint32_t ioapic_pins(uint64_t io_apic_address)
{
    mmio_write32(io_apic_address, IOAPIC_VERSION_REGISTER);
    return ((mmio_read32(io_apic_address + 0x10) >> 16) & 0xFF) + 1;
}

static const char *find_devices(const struct madt_facts *madt)
{
    struct virtio_mmio_announcement found[VIRTIO_MMIO_MAX_DEVICES];
    printf("command line: \"%s\"\n", multiboot_cmdline());
    int count = virtio_mmio_announcements(found, VIRTIO_MMIO_MAX_DEVICES);
    if (count < 0)
        return "a malformed virtio_mmio.device= announcement";
    uint32_t pins = ioapic_pins(madt->io_apic_address);
    for (int i = 0; i < count; i++) {
        uint32_t version, device_id;
        const char *failure = virtio_mmio_probe(found[i].base, &version, &device_id);
        printf("virtio-mmio at %lx (%lx bytes, GSI %u): ", found[i].base, found[i].size, found[i].irq);
        if (failure) {
            printf("%s\n", failure);
            return failure;
        }
        printf("version %u, device ID %u\n", version, device_id);
        if (found[i].irq < madt->io_apic_gsi_base || found[i].irq - madt->io_apic_gsi_base >= pins)
            return "an announced interrupt is not an input of the IOAPIC";
        struct virtio_mmio_device *device = &devices[device_count];
        device->base = found[i].base;
        device->irq = found[i].irq;
        device->device_id = device_id;
        uint8_t vector = (uint8_t)(FIRST_DEVICE_VECTOR + device_count++);
        idt_set_handler(vector, on_device_interrupt);
        ioapic_route(madt->io_apic_address, madt->io_apic_gsi_base, found[i].irq, INTI_LEVEL_ACTIVE_HIGH,
                     vector, lapic_id());
    }
    return NULL;
}

static struct virtio_mmio_device *device_with_id(uint32_t device_id)
{
    for (unsigned i = 0; i < device_count; i++)
        if (devices[i].device_id == device_id)
            return &devices[i];
    return NULL;
}

const char *guest_main(void)
{
    struct madt_facts madt;
    acpi_read_madt(&madt);
    if (!madt.present || !madt.io_apic_address)
        return "no MADT with an IOAPIC";
    idt_init();
    idt_set_handler(LAPIC_SPURIOUS_VECTOR, on_spurious);
    pic_disable();
    lapic_set_base(madt.local_apic_address);
    lapic_enable();

    const char *failure = find_devices(&madt);
    if (failure)
        return failure;
    struct virtio_mmio_device *disk = device_with_id(VIRTIO_ID_BLOCK);
    struct virtio_mmio_device *rng = device_with_id(VIRTIO_ID_ENTROPY);
    if (!disk)
        return "no virtio-blk device announced";
    if (!rng)
        return "no virtio-entropy device announced";
    failure = test_block(disk, cmdline_option("virtio-blk.read-only", 0) != 0);
    return failure ? failure : test_entropy(rng);
}
