/* A minimal virtio 1.2 driver core: the virtio-mmio transport (version 2, and version 1 as legacy
 * drivers use it) and one split
 * virtqueue per device, with one batch of requests in flight at a time. Enough for a guest to prove a
 * device works the way Linux's drivers use it, not a general driver. */
#ifndef GUESTKIT_VIRTIO_MMIO_H
#define GUESTKIT_VIRTIO_MMIO_H

#include "kit.h"

/* Device IDs (virtio 1.2 section 5) */
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_ENTROPY 4

#define VIRTIO_F_VERSION_1 32

/* One "virtio_mmio.device=<size>@<base>:<irq>" announcement, Linux's command-line syntax. */
struct virtio_mmio_announcement {
    uint64_t base;
    uint64_t size;
    uint32_t irq;
};

#define VIRTIO_MMIO_MAX_DEVICES 8

/* Parses every virtio_mmio.device= word of the Multiboot command line (duplicates once).
 * Returns the count, or -1 after printing why a word is malformed. */
int virtio_mmio_announcements(struct virtio_mmio_announcement *out, int capacity);

/* Split-ring layout (virtio 1.2 section 2.7) */
struct virtq_desc {
    uint64_t address;
    uint32_t length;
    uint16_t flags;
    uint16_t next;
} __attribute__((packed));

#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

#define VIRTQ_SIZE 16

struct virtq_avail {
    uint16_t flags;
    uint16_t index;
    uint16_t ring[VIRTQ_SIZE];
    uint16_t used_event;
} __attribute__((packed));

struct virtq_used_element {
    uint32_t id;
    uint32_t length;
} __attribute__((packed));

struct virtq_used {
    uint16_t flags;
    uint16_t index;
    struct virtq_used_element ring[VIRTQ_SIZE];
    uint16_t avail_event;
} __attribute__((packed));

/* The layout a legacy (version 1) device computes from the queue's page number with QueueAlign
 * 4096: descriptors, the available ring right after them, the used ring on the next page. It also
 * meets version 2's alignments (16, 2, 4), where each part's address is given on its own. */
struct virtq {
    struct virtq_desc descriptors[VIRTQ_SIZE] __attribute__((aligned(4096)));
    struct virtq_avail avail;
    struct virtq_used used __attribute__((aligned(4096)));
    uint16_t size;               /* negotiated: min(QueueNumMax, VIRTQ_SIZE) */
    uint16_t last_used_index;
};

struct virtio_mmio_device {
    uint64_t base;
    uint32_t version;            /* 2, or 1 for a legacy transport */
    uint32_t irq;
    uint32_t device_id;
    uint64_t features;           /* what the driver accepted */
    struct virtq queue;          /* queue 0: the only one these devices need here */
    volatile unsigned interrupts;              /* with a non-zero InterruptStatus */
    volatile unsigned interrupts_without_status;
    volatile uint32_t interrupt_status_seen;
};

/* One buffer of a request; the device writes it when device_writes is set. */
struct virtio_buffer {
    void *address;
    uint32_t length;
    bool device_writes;
};

/* Checks magic and version, resets, negotiates (VERSION_1 unless legacy, plus the wanted features
 * the device offers) and sets up queue 0. Returns NULL or why the device cannot be driven. */
const char *virtio_mmio_init(struct virtio_mmio_device *device, uint64_t wanted_features);
/* Reads the transport version and device ID without touching the device's state (ID 0: no device). */
const char *virtio_mmio_probe(uint64_t base, uint32_t *version, uint32_t *device_id);
/* Sets DRIVER_OK: the device is live from here on. */
void virtio_mmio_driver_ok(struct virtio_mmio_device *device);
/* Config space, read until the generation counter is stable (a 64-bit field is two 32-bit reads). */
uint64_t virtio_mmio_config64(struct virtio_mmio_device *device, uint32_t offset);
uint32_t virtio_mmio_config32(struct virtio_mmio_device *device, uint32_t offset);
uint32_t virtio_mmio_status(struct virtio_mmio_device *device);

/* Called from the device's interrupt handler: reads and acknowledges InterruptStatus. */
void virtio_mmio_acknowledge_interrupt(struct virtio_mmio_device *device);

enum virtio_wait { VIRTIO_WAIT_INTERRUPT, VIRTIO_WAIT_POLL };

/* Puts one chain on queue 0, notifies, and waits for the device to use it, either halting until
 * the device's interrupt (which must be routed to a handler that calls
 * virtio_mmio_acknowledge_interrupt) or polling the used ring with the interrupt suppressed.
 * Gives up after about four seconds of the LAPIC timer (which must be enabled). Returns NULL and
 * the used length, or why it failed. */
const char *virtio_mmio_request(struct virtio_mmio_device *device, const struct virtio_buffer *buffers,
                                unsigned count, enum virtio_wait wait, uint32_t *used_length);
/* The same for several chains in flight at once, each of per_chain buffers (chain c is
 * buffers[c * per_chain ...] and starts at descriptor c * per_chain). The device may use them in
 * any order: used_heads and used_lengths receive each chain's head and length in the order used. */
const char *virtio_mmio_requests(struct virtio_mmio_device *device, const struct virtio_buffer *buffers,
                                 unsigned chains, unsigned per_chain, enum virtio_wait wait,
                                 uint16_t *used_heads, uint32_t *used_lengths);

#endif
