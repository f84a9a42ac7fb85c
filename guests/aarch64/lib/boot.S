// Entry, per-CPU stacks and the EL1 vector table.
#define STACK_SIZE 16384
#define MAX_CPUS 4
#define FRAME_SIZE 288   // struct exc_frame: x0-x30, elr, spsr, sp_el0, esr, far (+8 keeps 16-byte alignment)

    .section .text.boot, "ax"
    .global _start
_start:
    mov     x19, x0                 // as the loader passed it
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    str     xzr, [x0], #8
    b       1b
2:  bl      cpu_setup
    mov     x0, x19
    bl      main
    bl      system_off

    .global secondary_entry
secondary_entry:
    mov     x19, x0                 // PSCI context id
    bl      cpu_setup
    mov     x0, x19
    bl      secondary_main
    movz    x0, #0x0002
    movk    x0, #0x8400, lsl #16    // CPU_OFF
    hvc     #0
3:  wfi                             // CPU_OFF does not return
    b       3b

// Stack from MPIDR.Aff0, vectors, FP/SIMD access (CPACR_EL1.FPEN = 0b11). Leaves x19 alone.
cpu_setup:
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    add     x0, x0, #1
    mov     x1, #STACK_SIZE
    mul     x0, x0, x1
    adrp    x1, cpu_stacks
    add     x1, x1, :lo12:cpu_stacks
    add     sp, x1, x0
    adrp    x0, exception_vectors
    add     x0, x0, :lo12:exception_vectors
    msr     vbar_el1, x0
    mov     x0, #(3 << 20)
    msr     cpacr_el1, x0
    isb
    ret

    .macro vector kind
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x1, #\kind
    b       exception_entry
    .endm

    .balign 2048
    .global exception_vectors
exception_vectors:
    .irp kind, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    vector \kind
    .endr

exception_entry:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x2, elr_el1
    stp     x30, x2, [sp, #240]
    mrs     x2, spsr_el1
    mrs     x3, sp_el0
    stp     x2, x3, [sp, #256]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [sp, #272]
    mov     x0, sp
    bl      exception_dispatch
    ldp     x2, x3, [sp, #256]
    msr     spsr_el1, x2
    msr     sp_el0, x3
    ldp     x30, x2, [sp, #240]
    msr     elr_el1, x2
    ldp     x28, x29, [sp, #224]
    ldp     x26, x27, [sp, #208]
    ldp     x24, x25, [sp, #192]
    ldp     x22, x23, [sp, #176]
    ldp     x20, x21, [sp, #160]
    ldp     x18, x19, [sp, #144]
    ldp     x16, x17, [sp, #128]
    ldp     x14, x15, [sp, #112]
    ldp     x12, x13, [sp, #96]
    ldp     x10, x11, [sp, #80]
    ldp     x8, x9, [sp, #64]
    ldp     x6, x7, [sp, #48]
    ldp     x4, x5, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #FRAME_SIZE
    eret

    .bss
    .balign 16
cpu_stacks:
    .space STACK_SIZE * MAX_CPUS
