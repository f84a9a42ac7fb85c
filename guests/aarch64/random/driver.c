/* Driver for one generated random block (built by the differential test at run time): runs the block
   from its initial register state and prints x0-x30, NZCV and the scratch buffer it loads from and
   stores to. The generated assembly defines random_block_state, random_block_scratch and
   run_random_block, which loads every register from the state, runs the block, and stores them back. */
#include "rt.h"

#define SCRATCH_BYTES 256

struct block_state {
    u64 x[31];
    u64 nzcv;
};

extern struct block_state random_block_state;
extern u8 random_block_scratch[SCRATCH_BYTES];
void run_random_block(struct block_state *state);

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    run_random_block(&random_block_state);
    for (int i = 0; i < 31; i++)
        printf("x%02u %016lx\n", (u64)i, random_block_state.x[i]);
    printf("nzcv %lx\n", random_block_state.nzcv >> 28);
    for (int i = 0; i < SCRATCH_BYTES; i += 16) {
        printf("scratch %03x:", (u64)i);
        for (int k = 0; k < 16; k++)
            printf(" %02x", (u64)random_block_scratch[i + k]);
        putc('\n');
    }
}
