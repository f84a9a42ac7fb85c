/* The ping-pong protocol both guest kits run over one region named "pingpong" (2 pages):
   the pinger writes a round number at offset 0 and notifies; the echoer copies it to offset 64 and
   notifies back. Round number 0xffffffff means "done". Messages are plain words in the shared data. */
#ifndef SHM_PINGPONG_H
#define SHM_PINGPONG_H

#include "guest_shm.h"

#define PINGPONG_NAME "pingpong"
#define PINGPONG_PAGES 2u
#define PINGPONG_QUIT 0xffffffffu
/* Status polls before a wait gives up: long enough for the slowest peer, short enough not to hang a test. */
#define PINGPONG_SPINS 200000000ull

/* Both return NULL on success or why they failed; `print` reports progress. */
/* rounds == 0: ping until killed. `now` reads a clock; the ticks all rounds took are printed. */
const char *pingpong_ping(uint64_t factory, uint32_t rounds, void (*print)(const char *what, uint32_t n),
                          uint64_t (*now)(void));
const char *pingpong_echo(uint64_t factory, void (*print)(const char *what, uint32_t n));

#endif
