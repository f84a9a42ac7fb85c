/* Multiboot v1 entry: the loader enters here in 32-bit protected mode with paging off.
 * We switch to long mode at once (identity-mapped first 4 GiB, 2 MiB pages) and call C.
 * The object is assembled as x86-64; .code32 makes the first part 32-bit code. */

#define MULTIBOOT_MAGIC        0x1BADB002
/* Bit 0: page-align modules; bit 1: we want mem_* and the memory map. No bit 16: use ELF. */
#define MULTIBOOT_FLAGS        0x00000003

#include "cpu_defs.h"

    .section .multiboot, "a"
    .balign 4
    .long MULTIBOOT_MAGIC
    .long MULTIBOOT_FLAGS
    .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

    .section .text.entry, "ax"
    .code32
    .globl multiboot_entry
multiboot_entry:
    cli
    cld                             /* Multiboot leaves DF undefined; C code assumes it clear */
    movl %eax, multiboot_magic
    movl %ebx, multiboot_info_address
    movl $boot_stack_top, %esp

    lgdt gdt_pointer
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $page_map_level4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0
    ljmp $SELECTOR_CODE64, $long_mode_entry

    .code64
long_mode_entry:
    movw $SELECTOR_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movq $boot_stack_top, %rsp
    call kit_main
    .globl halt_forever
halt_forever:
    cli
    hlt
    jmp halt_forever

    .data
    .balign 8
    .globl gdt
gdt:
    .quad 0                         /* null */
    .quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code */
    .quad 0x00CF92000000FFFF        /* 0x10: flat data */
    .quad 0x00CF9A000000FFFF        /* 0x18: flat 32-bit code, used by the AP trampoline */
gdt_end:
    .globl gdt_pointer
gdt_pointer:
    .word gdt_end - gdt - 1
    .long gdt

    .globl multiboot_magic, multiboot_info_address
multiboot_magic:
    .long 0
multiboot_info_address:
    .long 0

/* Identity map of the first 4 GiB with 2 MiB pages: RAM, the BIOS area and the
 * LAPIC/IOAPIC/unassigned MMIO guests probe. The top GiB (MMIO) is mapped uncached. */
#define PAGE_PRESENT_WRITABLE  0x03
#define PAGE_LARGE             0x80
#define PAGE_UNCACHED          0x18
    .balign 4096
    .globl page_map_level4
page_map_level4:
    .quad page_directory_pointers + PAGE_PRESENT_WRITABLE
    .fill 511, 8, 0
page_directory_pointers:
    .quad page_directories + 0 * 4096 + PAGE_PRESENT_WRITABLE
    .quad page_directories + 1 * 4096 + PAGE_PRESENT_WRITABLE
    .quad page_directories + 2 * 4096 + PAGE_PRESENT_WRITABLE
    .quad page_directories + 3 * 4096 + PAGE_PRESENT_WRITABLE
    .fill 508, 8, 0
page_directories:
    .set mapped_address, 0
    .rept 2048
    .if mapped_address >= 0xC0000000
    .quad mapped_address | PAGE_PRESENT_WRITABLE | PAGE_LARGE | PAGE_UNCACHED
    .else
    .quad mapped_address | PAGE_PRESENT_WRITABLE | PAGE_LARGE
    .endif
    .set mapped_address, mapped_address + 0x200000
    .endr

    .bss
    .balign 16
boot_stack:
    .skip 16384
boot_stack_top:
