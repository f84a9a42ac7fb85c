package io.jqvm.accel;

/**
 * One virtual CPU. {@link #setEntry}, {@link #run}, {@link #registers}, the debugger's methods and
 * {@link #registerDump} are called only from the vCPU's own host thread; {@link #requestStop} from any thread.
 */
public interface Vcpu {
    int index();

    /** Sets the state the vCPU starts in (boot vCPU from the loader, secondaries from SIPI/PSCI). */
    void setEntry(EntryState state);

    /**
     * Runs guest code until a lifecycle event. Guest I/O is dispatched to the {@link GuestIo} given at VM
     * creation while it runs; it returns only for the events in {@link VcpuExit}.
     */
    VcpuExit run();

    /** Makes a running or about-to-run {@link #run} return {@link VcpuExit.Stopped} promptly. */
    void requestStop();

    /**
     * The registers while the vCPU is outside {@link #run} (stopped), for a guest core or a debugger. An
     * access the vCPU was in the middle of when it stopped is completed first, so the state is consistent.
     */
    Registers registers();

    /** Replaces the registers a debugger changed (on the vCPU's own thread, while stopped). */
    default void setRegisters(Registers registers) {
        throw new UnsupportedOperationException("this vCPU's registers cannot be written");
    }

    /**
     * The guest-physical address of guest-virtual {@code va} through the vCPU's current page tables, as the
     * guest's kernel would read it; -1 when nothing is mapped there. With the MMU off, {@code va} itself.
     */
    default long translateVirtual(long va) {
        throw new UnsupportedOperationException("this vCPU cannot translate guest-virtual addresses");
    }

    /** Null when {@link #setGuestDebug} can do what {@code debug} asks, else why not (a debugger's error reply). */
    default String guestDebugProblem(GuestDebug debug) {
        return debug.isNone() ? null : "this vCPU cannot be debugged";
    }

    /** What a debugger asks of the vCPU from its next {@link #run} on ({@link GuestDebug#NONE}: nothing). */
    default void setGuestDebug(GuestDebug debug) {
        if (!debug.isNone()) {
            throw new UnsupportedOperationException("this vCPU cannot be debugged");
        }
    }

    /** The registers, formatted for a log line when the VM ends abnormally. */
    String registerDump();
}
