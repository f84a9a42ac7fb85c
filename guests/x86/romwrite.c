/* The BIOS area must behave as ROM: a write there is dropped. */
#include "kit.h"

const char guest_name[] = "romwrite";

/* The reset vector, inside the 0xF0000-0xFFFFF BIOS ROM on every PC. */
#define ROM_PROBE_ADDRESS 0xFFFF0

const char *guest_main(void)
{
    volatile uint8_t *rom = (volatile uint8_t *)ROM_PROBE_ADDRESS;
    uint8_t before = *rom;
    uint8_t attempted = (uint8_t)~before;
    *rom = attempted;
    uint8_t after = *rom;
    printf("ROM byte at %x: read %02x, wrote %02x, read back %02x\n",
           ROM_PROBE_ADDRESS, before, attempted, after);
    return after == before ? NULL : "the write to ROM took effect";
}
