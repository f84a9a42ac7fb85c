/* Copy bandwidth through one shmem region (bench/system): the sender copies COPY_CHUNK bytes from its own RAM
   into the region's data, writes the round number after them and notifies; the receiver copies the chunk out
   into its own RAM, checks its first and last words, and notifies back. Round 0xffffffff means "done". The
   sender times all rounds; the payload over that time is the guest-to-guest copy bandwidth. */
#ifndef SHM_COPY_H
#define SHM_COPY_H

#include "guest_shm.h"

#define COPY_NAME "copybench"
#define COPY_CHUNK (64u * 1024u)
#define COPY_PAGES (COPY_CHUNK / 4096u + 1u) /* the chunk, then a page for the round number */
#define COPY_QUIT 0xffffffffu
#define COPY_SPINS 200000000ull

/* Both return NULL on success or why they failed; `print` reports progress. */
const char *copy_send(uint64_t factory, uint32_t rounds, void (*print)(const char *what, uint32_t n),
                      uint64_t (*now)(void));
const char *copy_receive(uint64_t factory, void (*print)(const char *what, uint32_t n));

#endif
