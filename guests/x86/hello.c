/* jqvm's default demo guest: greets, and shows what the machine looks like from inside. */
#include "kit.h"

const char guest_name[] = "hello";

const char *guest_main(void)
{
    print("Hello from the jqvm guest kit\n");
    printf("Command line: \"%s\"\n", multiboot_cmdline());

    const struct multiboot_info *info = multiboot_info();
    if (!info)
        return "not started by a Multiboot loader";
    if (info->flags & MULTIBOOT_INFO_MEMORY)
        /* mem_upper counts the contiguous RAM from 1 MiB, so RAM ends at 1 MiB + mem_upper. */
        printf("Memory: %u KiB below 1 MiB, %u KiB above (RAM up to %u MiB)\n",
               info->mem_lower_kib, info->mem_upper_kib, (1024 + info->mem_upper_kib) / 1024);
    else
        print("Memory: the loader did not say\n");

    uint32_t max_leaf, vendor[3];
    cpuid(0, &max_leaf, &vendor[0], &vendor[2], &vendor[1]);   /* vendor order: EBX, EDX, ECX */
    char vendor_text[13];
    memcpy(vendor_text, vendor, 12);
    vendor_text[12] = '\0';
    printf("CPU vendor: %s (highest CPUID leaf %x)\n", vendor_text, max_leaf);
    return NULL;
}
