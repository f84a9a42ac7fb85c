// The start-up benchmark's AArch64 guest: its first instruction starts a write of '!' to the PL011 data
// register (QEMU virt's and jqvm's UART at 0x09000000, MMU off), so the host sees when the guest began;
// then PSCI SYSTEM_OFF through HVC, the example board's PSCI conduit.
    .global _start
_start:
    movz    x1, #0x0900, lsl #16
    mov     w2, #'!'
    str     w2, [x1]
    movz    x0, #0x0008
    movk    x0, #0x8400, lsl #16    // PSCI SYSTEM_OFF
    hvc     #0
1:  b       1b
