#include "rt.h"

exc_hook_fn exception_hook;

static const char *const kind_names[16] = {
    "EL1t sync", "EL1t IRQ", "EL1t FIQ", "EL1t SError",
    "EL1h sync", "EL1h IRQ", "EL1h FIQ", "EL1h SError",
    "EL0 A64 sync", "EL0 A64 IRQ", "EL0 A64 FIQ", "EL0 A64 SError",
    "EL0 A32 sync", "EL0 A32 IRQ", "EL0 A32 FIQ", "EL0 A32 SError",
};

void exception_dispatch(struct exc_frame *frame, unsigned kind)
{
    if (exception_hook && exception_hook(frame, kind))
        return;
    /* An unexpected exception ends the run with enough to find it, identically on every run. */
    printf("UNEXPECTED EXCEPTION %s ESR=%016lx ELR=%016lx FAR=%016lx SPSR=%08lx\n", kind_names[kind & 15],
           frame->esr, frame->elr, frame->far, frame->spsr);
    system_off();
}
