/* Interrupt entry stubs: one 16-byte stub per vector at isr_stubs + 16 * vector, so the IDT
 * can be filled by arithmetic. Each stub makes the stack look the same (a zero is pushed
 * where the CPU pushes no error code) and jumps to the common path, which saves the
 * general registers as struct interrupt_frame (kit.h) and calls interrupt_dispatch. */

    .text
    .balign 16
    .globl isr_stubs
isr_stubs:
    .set vector, 0
    .rept 256
    .balign 16
    /* Vectors 8, 10-14, 17, 21, 29 and 30 push an error code. */
    .if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
    .else
    pushq $0
    .endif
    pushq $vector
    jmp isr_common
    .set vector, vector + 1
    .endr

isr_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    /* Align the stack for the C call; the frame pointer in %rbx is callee-saved. */
    movq %rsp, %rbx
    andq $-16, %rsp
    cld
    call interrupt_dispatch
    movq %rbx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp
    iretq
