/* ROM must refuse writes: read a ROM byte, write its complement, read it back unchanged.
 * The probed address is the "rom=" command-line option; the default is the reset vector copy
 * in the 0xF0000-0xFFFFF BIOS area, which jqvm's PC board maps as ROM. */
#include "kit.h"

const char guest_name[] = "romwrite";

#define DEFAULT_ROM_PROBE_ADDRESS 0xFFFF0

const char *guest_main(void)
{
    uint64_t address = cmdline_option("rom", DEFAULT_ROM_PROBE_ADDRESS);
    if (address >= (4ull << 30))
        return "the rom= address is above the mapped 4 GiB";
    volatile uint8_t *rom = (volatile uint8_t *)address;
    uint8_t before = *rom;
    uint8_t attempted = (uint8_t)~before;
    *rom = attempted;
    uint8_t after = *rom;
    printf("ROM byte at %lx: read %02x, wrote %02x, read back %02x\n", address, before, attempted, after);
    return after == before ? NULL : "the write to ROM took effect";
}
