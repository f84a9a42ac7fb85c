/* A small client of qvm's shared-memory device, written from the register layout QNX publishes in
   guest_shm.h (see devices/.../shmem/GuestShm.java for the field-by-field description). Freestanding:
   built into both guest kits (x86-64 and AArch64), needs only memcpy. */
#ifndef GUEST_SHM_H
#define GUEST_SHM_H

#include <stdint.h>

#define GSHM_SIGNATURE 0x4d534732474d5651ull
#define GSHM_MAX_CLIENTS 16
#define GSHM_NAME_BYTES 32
#define GSHM_PAGE 4096u

/* The values of the factory's status register. */
enum gshm_status {
    GSHM_OK, GSHM_UNKNOWN_FAILURE, GSHM_NOMEM, GSHM_CLIENT_MAX, GSHM_ILLEGAL_NAME, GSHM_NO_PERMISSION,
    GSHM_DOES_NOT_EXIST,
};

/* Factory page registers (byte offsets). */
#define GSHM_F_SIGNATURE 0
#define GSHM_F_SHMEM 8
#define GSHM_F_VECTOR 16
#define GSHM_F_STATUS 20
#define GSHM_F_SIZE 24
#define GSHM_F_NAME 28
#define GSHM_F_FIND 60

/* Control page registers (byte offsets). */
#define GSHM_C_STATUS 0
#define GSHM_C_IDX 4
#define GSHM_C_NOTIFY 8
#define GSHM_C_DETACH 12

/* One connection to a region. */
struct gshm_conn {
    uint64_t control;        /* guest-physical address of the control page */
    volatile uint8_t *data;  /* the region's pages, one page after the control page */
    uint32_t pages;
    uint32_t index;          /* this client's index, 0-15 */
    uint32_t pending;        /* notifications read from status and not yet taken (bit n: client n) */
    uint32_t active;         /* the attached clients at the last status read */
};

/* Creates or attaches to the region `name` (pages: its size if this call creates it; 0 only attaches).
   Returns the factory's status (GSHM_OK on success). */
uint32_t gshm_attach(struct gshm_conn *c, uint64_t factory, const char *name, uint32_t pages);
/* Reads the control page's status: accumulates the notifications and updates `active`. */
void gshm_poll(struct gshm_conn *c);
/* The number of clients attached now (reads the status). */
uint32_t gshm_active_count(struct gshm_conn *c);
/* Takes the pending notifications from the clients in `from`, polling up to `spins` times; 0 if none came. */
uint32_t gshm_wait(struct gshm_conn *c, uint32_t from, uint64_t spins);
/* Notifies the clients in `targets` (~0u: everyone but this client). */
void gshm_notify(struct gshm_conn *c, uint32_t targets);
void gshm_detach(struct gshm_conn *c);
/* The number of clients in a bitset (no libgcc call, so both kits link it). */
uint32_t gshm_count(uint32_t clients);

#endif
