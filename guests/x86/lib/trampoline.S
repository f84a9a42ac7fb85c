/* Application processor start-up code. Linked to run at 0x8000 (SIPI vector 0x08) and copied
 * there by the smp guest before its SIPIs; an AP starts here in real mode with CS=0x0800, IP=0.
 * Real mode -> 32-bit protected mode -> long mode, using the BSP's GDT and page tables. */

#include "cpu_defs.h"

    .section .trampoline, "ax"
    .code16
    .globl ap_trampoline
ap_trampoline:
    cli
    cld
    /* DS=0 so the trampoline's own link addresses (below 64 KiB) work as offsets. */
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl ap_gdt_pointer
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl $SELECTOR_CODE32, $ap_protected_mode

    .code32
ap_protected_mode:
    movw $SELECTOR_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
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
    orl $CR0_PG, %eax
    movl %eax, %cr0
    ljmp $SELECTOR_CODE64, $ap_long_mode

    .code64
ap_long_mode:
    movq ap_stack_top, %rsp
    jmp ap_long_mode_entry

    .balign 4
ap_gdt_pointer:
    .word GDT_ENTRY_COUNT * 8 - 1
    .long gdt

/* Long-mode continuation at its ordinary link address. */
    .text
ap_long_mode_entry:
    movw $SELECTOR_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    call ap_main
    jmp halt_forever
