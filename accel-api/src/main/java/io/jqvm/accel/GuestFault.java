package io.jqvm.accel;

/**
 * Thrown by {@link GuestIo} when an access must raise a fault in the guest (policy {@code fail}): the
 * accelerator injects the architecture's fault for the access (AArch64 synchronous external abort,
 * x86 #GP). Preallocated and stackless: it is control flow on a guest's error path.
 */
public final class GuestFault extends RuntimeException {
    public static final GuestFault INSTANCE = new GuestFault();

    private GuestFault() {
        super("guest access faults", null, false, false);
    }
}
