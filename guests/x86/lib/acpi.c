/* ACPI table discovery (RSDP -> RSDT/XSDT), MADT facts and S5 power-off. */
#include "kit.h"

static uint8_t read8(const void *base, size_t offset) { return ((const uint8_t *)base)[offset]; }
static uint16_t read16(const void *base, size_t offset) { uint16_t v; memcpy(&v, (const uint8_t *)base + offset, 2); return v; }
static uint32_t read32(const void *base, size_t offset) { uint32_t v; memcpy(&v, (const uint8_t *)base + offset, 4); return v; }
static uint64_t read64(const void *base, size_t offset) { uint64_t v; memcpy(&v, (const uint8_t *)base + offset, 8); return v; }

static bool checksum_ok(const void *data, size_t length)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < length; i++)
        sum += read8(data, i);
    return sum == 0;
}

#define RSDP_V1_LENGTH 20

static const uint8_t *rsdp_scan(uint64_t start, uint64_t length)
{
    for (uint64_t address = start; address + RSDP_V1_LENGTH <= start + length; address += 16) {
        const uint8_t *candidate = (const uint8_t *)address;
        if (memcmp(candidate, "RSD PTR ", 8) == 0 && checksum_ok(candidate, RSDP_V1_LENGTH))
            return candidate;
    }
    return NULL;
}

/* The RSDP is in the first KiB of the EBDA or in the BIOS area 0xE0000-0xFFFFF. */
static const uint8_t *rsdp_find(void)
{
    uint64_t ebda = (uint64_t)read16((const void *)0x40E, 0) << 4;
    const uint8_t *rsdp = NULL;
    if (ebda >= 0x80000 && ebda < 0xA0000)
        rsdp = rsdp_scan(ebda, 1024);
    return rsdp ? rsdp : rsdp_scan(0xE0000, 0x20000);
}

static const struct acpi_header *table_at(uint64_t address)
{
    const struct acpi_header *table = (const struct acpi_header *)address;
    if (!address || !checksum_ok(table, table->length))
        return NULL;
    return table;
}

const struct acpi_header *acpi_find_table(const char signature[4])
{
    const uint8_t *rsdp = rsdp_find();
    if (!rsdp)
        return NULL;
    /* ACPI 2.0+ RSDPs may point to an XSDT with 64-bit entries; prefer it when present. */
    uint64_t xsdt_address = read8(rsdp, 15) >= 2 ? read64(rsdp, 24) : 0;
    const struct acpi_header *root = table_at(xsdt_address);
    size_t entry_size = 8;
    if (!root) {
        root = table_at(read32(rsdp, 16));
        entry_size = 4;
    }
    if (!root)
        return NULL;
    size_t entries = (root->length - sizeof(struct acpi_header)) / entry_size;
    for (size_t i = 0; i < entries; i++) {
        size_t offset = sizeof(struct acpi_header) + i * entry_size;
        uint64_t address = entry_size == 8 ? read64(root, offset) : read32(root, offset);
        const struct acpi_header *table = table_at(address);
        if (table && memcmp(table->signature, signature, 4) == 0)
            return table;
    }
    return NULL;
}

/* MADT interrupt controller structure types */
#define MADT_LOCAL_APIC        0
#define MADT_IO_APIC           1
#define MADT_SOURCE_OVERRIDE   2
#define MADT_LOCAL_APIC_ENABLED 1u
#define MADT_FIRST_ENTRY       44

void acpi_read_madt(struct madt_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    /* Without an override the PIT's IRQ0 is GSI 0 with bus-default (edge, high) signalling. */
    facts->pit_gsi = 0;
    facts->local_apic_address = 0xFEE00000;
    const struct acpi_header *madt = acpi_find_table("APIC");
    if (!madt)
        return;
    facts->present = true;
    facts->local_apic_address = read32(madt, 36);
    for (size_t offset = MADT_FIRST_ENTRY; offset + 2 <= madt->length;) {
        uint8_t type = read8(madt, offset);
        uint8_t length = read8(madt, offset + 1);
        if (length < 2)
            break;
        if (type == MADT_LOCAL_APIC && (read32(madt, offset + 4) & MADT_LOCAL_APIC_ENABLED)) {
            if (facts->cpu_count < MAX_CPUS)
                facts->cpu_apic_ids[facts->cpu_count] = read8(madt, offset + 3);
            facts->cpu_count++;
        } else if (type == MADT_IO_APIC && !facts->io_apic_address) {
            facts->io_apic_address = read32(madt, offset + 4);
            facts->io_apic_gsi_base = read32(madt, offset + 8);
        } else if (type == MADT_SOURCE_OVERRIDE && read8(madt, offset + 3) == 0) {
            facts->pit_gsi = read32(madt, offset + 4);
            facts->pit_inti_flags = read16(madt, offset + 8);
        }
        offset += length;
    }
}

/* AML opcodes needed to read the \_S5 package */
#define AML_ZERO_OP     0x00
#define AML_ONE_OP      0x01
#define AML_NAME_OP     0x08
#define AML_BYTE_PREFIX 0x0A
#define AML_WORD_PREFIX 0x0B
#define AML_DWORD_PREFIX 0x0C
#define AML_PACKAGE_OP  0x12

/* Reads one integer package element at *offset; false if it is not a plain integer. */
static bool aml_integer(const uint8_t *aml, size_t end, size_t *offset, uint8_t *value)
{
    if (*offset >= end)
        return false;
    uint8_t op = aml[(*offset)++];
    switch (op) {
    case AML_ZERO_OP: *value = 0; return true;
    case AML_ONE_OP: *value = 1; return true;
    case AML_BYTE_PREFIX: *value = aml[*offset]; *offset += 1; return true;
    case AML_WORD_PREFIX: *value = aml[*offset]; *offset += 2; return true;
    case AML_DWORD_PREFIX: *value = aml[*offset]; *offset += 4; return true;
    default: return false;
    }
}

/* Finds Name(_S5_, Package(){SLP_TYPa, SLP_TYPb, ...}) in the DSDT's AML. */
static bool dsdt_sleep_types(const struct acpi_header *dsdt, uint8_t *type_a, uint8_t *type_b)
{
    const uint8_t *aml = (const uint8_t *)dsdt;
    size_t end = dsdt->length;
    for (size_t i = sizeof(struct acpi_header) + 1; i + 4 < end; i++) {
        if (memcmp(aml + i, "_S5_", 4) != 0)
            continue;
        bool named = aml[i - 1] == AML_NAME_OP || (aml[i - 1] == '\\' && aml[i - 2] == AML_NAME_OP);
        size_t offset = i + 4;
        if (!named || aml[offset] != AML_PACKAGE_OP)
            continue;
        offset++;
        offset += 1 + (aml[offset] >> 6);      /* PkgLength: bits 7-6 count its extra bytes */
        offset++;                              /* NumElements */
        if (aml_integer(aml, end, &offset, type_a)) {
            if (!aml_integer(aml, end, &offset, type_b))
                *type_b = *type_a;
            return true;
        }
    }
    return false;
}

/* FADT field offsets */
#define FADT_DSDT              40
#define FADT_PM1A_CNT_BLK      64
#define FADT_PM1B_CNT_BLK      68
#define FADT_X_DSDT            140
#define FADT_FLAGS             112
#define FADT_X_PM1A_CNT_BLK    172
#define FADT_SLEEP_CONTROL_REG 244
#define FADT_HW_REDUCED_ACPI   (1u << 20)
#define GAS_SYSTEM_MEMORY      0
#define GAS_SYSTEM_IO          1
#define GAS_ADDRESS            4

/* QEMU's PC and Q35 machines: PM I/O base 0x600, PM1a_CNT at +4, \_S5 = 0. */
#define DEFAULT_PM1A_CONTROL_PORT 0x604
#define DEFAULT_S5_SLEEP_TYPE     0

void acpi_poweroff_method(struct poweroff_method *method)
{
    memset(method, 0, sizeof *method);
    method->pm1a_control_port = DEFAULT_PM1A_CONTROL_PORT;
    method->sleep_type_a = method->sleep_type_b = DEFAULT_S5_SLEEP_TYPE;
    const struct acpi_header *fadt = acpi_find_table("FACP");
    if (!fadt)
        return;
    uint32_t pm1a = read32(fadt, FADT_PM1A_CNT_BLK);
    if (!pm1a && fadt->length >= FADT_X_PM1A_CNT_BLK + 12 && read8(fadt, FADT_X_PM1A_CNT_BLK) == GAS_SYSTEM_IO)
        pm1a = (uint32_t)read64(fadt, FADT_X_PM1A_CNT_BLK + 4);
    if (pm1a) {
        method->from_fadt = true;
        method->pm1a_control_port = (uint16_t)pm1a;
        method->pm1b_control_port = (uint16_t)read32(fadt, FADT_PM1B_CNT_BLK);
    } else if ((read32(fadt, FADT_FLAGS) & FADT_HW_REDUCED_ACPI) && fadt->length >= FADT_SLEEP_CONTROL_REG + 12) {
        uint8_t space = read8(fadt, FADT_SLEEP_CONTROL_REG);
        uint64_t address = read64(fadt, FADT_SLEEP_CONTROL_REG + GAS_ADDRESS);
        if (address && (space == GAS_SYSTEM_MEMORY || space == GAS_SYSTEM_IO)) {
            method->from_fadt = true;
            method->sleep_control_address = address;
            method->sleep_control_in_io_space = space == GAS_SYSTEM_IO;
        }
    }
    uint64_t dsdt_address = fadt->length >= FADT_X_DSDT + 8 ? read64(fadt, FADT_X_DSDT) : 0;
    if (!dsdt_address)
        dsdt_address = read32(fadt, FADT_DSDT);
    const struct acpi_header *dsdt = table_at(dsdt_address);
    if (dsdt && memcmp(dsdt->signature, "DSDT", 4) == 0)
        method->sleep_type_from_dsdt = dsdt_sleep_types(dsdt, &method->sleep_type_a, &method->sleep_type_b);
}

#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_EN        (1u << 13)
/* The hardware-reduced sleep control register (ACPI 6.4 section 4.8.3.7) */
#define SLEEP_CONTROL_SLP_TYP_SHIFT 2
#define SLEEP_CONTROL_SLP_EN        (1u << 5)

static void write_sleep_control(const struct poweroff_method *method)
{
    uint8_t value = (uint8_t)((method->sleep_type_a & 7u) << SLEEP_CONTROL_SLP_TYP_SHIFT | SLEEP_CONTROL_SLP_EN);
    if (method->sleep_control_in_io_space)
        outb((uint16_t)method->sleep_control_address, value);
    else
        *(volatile uint8_t *)method->sleep_control_address = value;
}

static void write_pm1_control(const struct poweroff_method *method)
{
    /* Preserve the other PM1 control bits (SCI_EN etc.) as the spec asks. */
    uint16_t control = inw(method->pm1a_control_port) & ~(7u << PM1_CNT_SLP_TYP_SHIFT);
    if (method->pm1b_control_port) {
        uint16_t control_b = inw(method->pm1b_control_port) & ~(7u << PM1_CNT_SLP_TYP_SHIFT);
        outw(method->pm1b_control_port,
             control_b | (uint16_t)(method->sleep_type_b << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN);
    }
    outw(method->pm1a_control_port,
         control | (uint16_t)(method->sleep_type_a << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN);
}

_Noreturn void acpi_poweroff(void)
{
    struct poweroff_method method;
    acpi_poweroff_method(&method);
    if (!method.from_fadt)
        printf("poweroff: no FADT, using QEMU's PM1a_CNT port %x\n", method.pm1a_control_port);
    if (!method.sleep_type_from_dsdt)
        printf("poweroff: no \\_S5 in the DSDT, using SLP_TYP %u\n", method.sleep_type_a);
    /* A VMM may act on the request asynchronously; give it a second before saying so. A
     * hardware-reduced platform need not have the PIT's gate port, so its second is the LAPIC's. */
    if (method.sleep_control_address) {
        write_sleep_control(&method);
        lapic_delay_us(1000000);
    } else {
        write_pm1_control(&method);
        pit_delay_us(1000000);
    }
    print("poweroff: still running after S5 request; halting\n");
    halt_forever();
}
