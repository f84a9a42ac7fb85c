/* Prints the Multiboot memory map and checks that the usable RAM matches a 128 MiB machine. */
#include "kit.h"

const char guest_name[] = "memmap";

#define MINIMUM_USABLE_BYTES (120ull << 20)

static const char *type_name(uint32_t type)
{
    switch (type) {
    case 1: return "usable";
    case 2: return "reserved";
    case 3: return "ACPI reclaimable";
    case 4: return "ACPI NVS";
    case 5: return "bad";
    default: return "unknown";
    }
}

const char *guest_main(void)
{
    const struct multiboot_info *info = multiboot_info();
    if (!info)
        return "not started by a Multiboot loader";
    if (!(info->flags & MULTIBOOT_INFO_MMAP))
        return "the loader passed no memory map";

    uint64_t usable = 0;
    unsigned entries = 0;
    uint64_t end = (uint64_t)info->mmap_addr + info->mmap_length;
    for (uint64_t address = info->mmap_addr; address < end;) {
        const struct multiboot_mmap_entry *entry = (const struct multiboot_mmap_entry *)address;
        printf("  base %016lx length %016lx type %u (%s)\n",
               entry->base, entry->length, entry->type, type_name(entry->type));
        if (entry->type == MULTIBOOT_MEMORY_AVAILABLE)
            usable += entry->length;
        entries++;
        address += entry->size + sizeof entry->size;
    }
    printf("%u entries, %lu KiB usable (%lu MiB)\n", entries, usable >> 10, usable >> 20);
    return usable >= MINIMUM_USABLE_BYTES ? NULL : "less than 120 MiB usable";
}
