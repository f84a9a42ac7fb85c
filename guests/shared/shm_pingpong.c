/* See shm_pingpong.h. */
#include "shm_pingpong.h"

static volatile uint32_t *word(struct gshm_conn *c, uint32_t offset)
{
    return (volatile uint32_t *)(c->data + offset);
}

/* Waits for a second client; returns its bit, or 0. */
static uint32_t await_peer(struct gshm_conn *c)
{
    for (uint64_t i = 0; i < PINGPONG_SPINS; i++) {
        gshm_poll(c);
        uint32_t others = c->active & ~(1u << c->index);
        if (others)
            return others;
    }
    return 0;
}

const char *pingpong_ping(uint64_t factory, uint32_t rounds, void (*print)(const char *what, uint32_t n),
                          uint64_t (*now)(void))
{
    struct gshm_conn c;
    uint32_t status = gshm_attach(&c, factory, PINGPONG_NAME, PINGPONG_PAGES);
    if (status != GSHM_OK) {
        print("attach failed, status", status);
        return "cannot attach to the region";
    }
    print("ping: attached as client", c.index);
    uint32_t peer = await_peer(&c);
    if (!peer)
        return "no peer attached";
    print("ping: peer attached, active clients", gshm_count(c.active));
    uint64_t start = now();
    for (uint32_t n = 1; rounds == 0 || n <= rounds; n++) {
        *word(&c, 0) = n;
        gshm_notify(&c, peer);
        if (!gshm_wait(&c, peer, PINGPONG_SPINS))
            return "no echo from the peer";
        if (*word(&c, 64) != n) {
            print("ping: wrong echo for round", n);
            return "the peer echoed something else";
        }
        if (n % 1000 == 0)
            print("ping: rounds", n);
    }
    print("ping: clock ticks for all rounds", (uint32_t)(now() - start));
    print("ping: all rounds echoed", rounds);
    *word(&c, 0) = PINGPONG_QUIT;
    gshm_notify(&c, peer);
    gshm_detach(&c);
    return 0;
}

const char *pingpong_echo(uint64_t factory, void (*print)(const char *what, uint32_t n))
{
    struct gshm_conn c;
    uint32_t status = gshm_attach(&c, factory, PINGPONG_NAME, PINGPONG_PAGES);
    if (status != GSHM_OK) {
        print("attach failed, status", status);
        return "cannot attach to the region";
    }
    print("echo: attached as client", c.index);
    uint32_t peer = await_peer(&c);
    if (!peer)
        return "no peer attached";
    print("echo: peer attached, active clients", gshm_count(c.active));
    uint32_t echoed = 0;
    for (;;) {
        uint64_t i = 0;
        while (!(c.pending & peer) && (c.active & peer) && i++ < PINGPONG_SPINS)
            gshm_poll(&c);
        if (!(c.pending & peer)) {
            if (c.active & peer)
                return "the peer went silent";
            /* it left without saying so (killed): the region stays ours, with its last message */
            print("echo: peer gone, active clients", gshm_count(c.active));
            print("echo: last round in the region", *word(&c, 0));
            gshm_detach(&c);
            return 0;
        }
        c.pending &= ~peer;
        uint32_t n = *word(&c, 0);
        if (n == PINGPONG_QUIT) {
            print("echo: done after rounds", echoed);
            gshm_detach(&c);
            return 0;
        }
        *word(&c, 64) = n;
        gshm_notify(&c, peer);
        if (++echoed % 1000 == 0)
            print("echo: rounds", echoed);
    }
}
