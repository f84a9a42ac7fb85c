/* Powers off the way guests built for QEMU's -machine pc do, without reading the ACPI tables: SLP_EN with
   SLP_TYP 0 (the \_S5 value of QEMU's PIIX4 DSDT) written to PM1a_CNT at port 0x604. */
#include "kit.h"

const char guest_name[] = "pc-off";

#define PC_PM1A_CONTROL_PORT 0x604
#define SLP_EN (1u << 13)

const char *guest_main(void)
{
    print("powering off: outw(0x604, SLP_EN | SLP_TYP 0), as on QEMU's pc\n");
    outw(PC_PM1A_CONTROL_PORT, SLP_EN);
    pit_delay_us(1000000);
    return "still running a second after SLP_EN with SLP_TYP 0";
}
