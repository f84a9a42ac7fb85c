/* See shm_copy.h. Copies are word loops: the guest kits have no libc, and both sides copy the same way. */
#include "shm_copy.h"

static uint64_t local[COPY_CHUNK / 8];

static void copy_words(volatile uint64_t *to, const volatile uint64_t *from)
{
    for (uint32_t i = 0; i < COPY_CHUNK / 8; i++)
        to[i] = from[i];
}

static volatile uint32_t *round_word(struct gshm_conn *c)
{
    return (volatile uint32_t *)(c->data + COPY_CHUNK);
}

static uint32_t await_peer(struct gshm_conn *c)
{
    for (uint64_t i = 0; i < COPY_SPINS; i++) {
        gshm_poll(c);
        uint32_t others = c->active & ~(1u << c->index);
        if (others)
            return others;
    }
    return 0;
}

/* Attaches to the benchmark's region and waits for the other side; null, or why not. */
static const char *join(struct gshm_conn *c, uint64_t factory, uint32_t *peer, void (*print)(const char *what, uint32_t n))
{
    uint32_t status = gshm_attach(c, factory, COPY_NAME, COPY_PAGES);
    if (status != GSHM_OK) {
        print("attach failed, status", status);
        return "cannot attach to the region";
    }
    *peer = await_peer(c);
    return *peer ? 0 : "no peer attached";
}

const char *copy_send(uint64_t factory, uint32_t rounds, void (*print)(const char *what, uint32_t n),
                      uint64_t (*now)(void))
{
    struct gshm_conn c;
    uint32_t peer;
    const char *failed = join(&c, factory, &peer, print);
    if (failed)
        return failed;
    uint64_t start = now();
    for (uint32_t n = 1; n <= rounds; n++) {
        local[0] = n;
        local[COPY_CHUNK / 8 - 1] = ~(uint64_t)n;
        copy_words((volatile uint64_t *)c.data, local);
        *round_word(&c) = n;
        gshm_notify(&c, peer);
        if (!gshm_wait(&c, peer, COPY_SPINS))
            return "no answer from the receiver";
        if (*round_word(&c) != n)
            return "the receiver saw a torn chunk";
    }
    print("send: clock ticks for all rounds", (uint32_t)(now() - start));
    print("send: bytes per round", COPY_CHUNK);
    print("send: rounds", rounds);
    *round_word(&c) = COPY_QUIT;
    gshm_notify(&c, peer);
    gshm_detach(&c);
    return 0;
}

const char *copy_receive(uint64_t factory, void (*print)(const char *what, uint32_t n))
{
    struct gshm_conn c;
    uint32_t peer;
    const char *failed = join(&c, factory, &peer, print);
    if (failed)
        return failed;
    uint32_t received = 0;
    for (;;) {
        if (!gshm_wait(&c, peer, COPY_SPINS))
            return "the sender went silent";
        uint32_t n = *round_word(&c);
        if (n == COPY_QUIT)
            break;
        copy_words(local, (volatile uint64_t *)c.data);
        if (local[0] != n || local[COPY_CHUNK / 8 - 1] != ~(uint64_t)n)
            *round_word(&c) = 0; /* the sender reports a torn chunk */
        gshm_notify(&c, peer);
        received++;
    }
    print("receive: rounds", received);
    gshm_detach(&c);
    return 0;
}
