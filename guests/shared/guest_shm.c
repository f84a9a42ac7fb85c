/* See guest_shm.h. Registers are read and written one whole aligned word at a time, as the device expects. */
#include "guest_shm.h"

static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline uint64_t rd64(uint64_t a) { return *(volatile uint64_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

uint32_t gshm_attach(struct gshm_conn *c, uint64_t factory, const char *name, uint32_t pages)
{
    if (rd64(factory + GSHM_F_SIGNATURE) != GSHM_SIGNATURE)
        return GSHM_UNKNOWN_FAILURE;
    uint8_t bytes[GSHM_NAME_BYTES] = {0};
    for (int i = 0; i < GSHM_NAME_BYTES - 1 && name[i]; i++)
        bytes[i] = (uint8_t)name[i];
    for (int i = 0; i < GSHM_NAME_BYTES; i += 4)
        wr32(factory + GSHM_F_NAME + i, (uint32_t)bytes[i] | (uint32_t)bytes[i + 1] << 8
             | (uint32_t)bytes[i + 2] << 16 | (uint32_t)bytes[i + 3] << 24);
    __asm__ volatile("" ::: "memory");
    wr32(factory + GSHM_F_SIZE, pages); /* the request */
    __asm__ volatile("" ::: "memory");
    uint32_t status = rd32(factory + GSHM_F_STATUS);
    if (status != GSHM_OK)
        return status;
    c->control = rd64(factory + GSHM_F_SHMEM);
    c->pages = rd32(factory + GSHM_F_SIZE);
    c->data = (volatile uint8_t *)(uintptr_t)(c->control + GSHM_PAGE);
    c->index = rd32(c->control + GSHM_C_IDX);
    c->pending = 0;
    gshm_poll(c);
    return GSHM_OK;
}

void gshm_poll(struct gshm_conn *c)
{
    uint32_t status = rd32(c->control + GSHM_C_STATUS);
    c->pending |= status & 0xffffu;
    c->active = status >> 16;
}

uint32_t gshm_active_count(struct gshm_conn *c)
{
    gshm_poll(c);
    return gshm_count(c->active);
}

uint32_t gshm_wait(struct gshm_conn *c, uint32_t from, uint64_t spins)
{
    for (uint64_t i = 0; i < spins; i++) {
        if (c->pending & from)
            break;
        gshm_poll(c);
    }
    uint32_t got = c->pending & from;
    c->pending &= ~got;
    return got;
}

void gshm_notify(struct gshm_conn *c, uint32_t targets)
{
    __asm__ volatile("" ::: "memory");
    wr32(c->control + GSHM_C_NOTIFY, targets);
}

void gshm_detach(struct gshm_conn *c)
{
    wr32(c->control + GSHM_C_DETACH, 0);
}

uint32_t gshm_count(uint32_t clients)
{
    uint32_t n = 0;
    for (; clients; clients &= clients - 1)
        n++;
    return n;
}
