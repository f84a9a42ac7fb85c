// A guest that waits for interrupts forever (none come): a VM that stays up for the control API benchmark.
    .global _start
_start:
1:  wfi
    b 1b
