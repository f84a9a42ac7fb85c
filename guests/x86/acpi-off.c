/* Reads the ACPI facts the other guests rely on, then powers off (exit status is the check). */
#include "kit.h"

const char guest_name[] = "acpi-off";

const char *guest_main(void)
{
    struct poweroff_method method;
    acpi_poweroff_method(&method);
    if (!method.from_fadt)
        return "no FADT with a PM1a control block or a sleep control register";
    if (method.sleep_control_address)
        printf("FADT: hardware-reduced ACPI, sleep control register at %s %lx\n",
               method.sleep_control_in_io_space ? "port" : "address", method.sleep_control_address);
    else
        printf("FADT: PM1a_CNT at port %x, PM1b_CNT %x\n", method.pm1a_control_port, method.pm1b_control_port);
    if (!method.sleep_type_from_dsdt)
        return "no \\_S5 package in the DSDT";
    printf("DSDT: \\_S5 SLP_TYPa %u, SLP_TYPb %u\n", method.sleep_type_a, method.sleep_type_b);

    struct madt_facts madt;
    acpi_read_madt(&madt);
    if (!madt.present)
        return "no MADT";
    printf("MADT: %u CPUs, local APIC at %lx, IOAPIC at %lx (GSI base %u), PIT IRQ0 -> GSI %u\n",
           madt.cpu_count, madt.local_apic_address, madt.io_apic_address, madt.io_apic_gsi_base,
           madt.pit_gsi);
    return madt.cpu_count ? NULL : "the MADT lists no enabled CPU";
}
