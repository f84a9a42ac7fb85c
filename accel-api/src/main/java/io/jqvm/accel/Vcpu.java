package io.jqvm.accel;

/**
 * One virtual CPU. {@link #setEntry}, {@link #run}, {@link #registers} and {@link #registerDump} are called
 * only from the vCPU's own host thread; {@link #requestStop} from any thread.
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

    /** The registers, formatted for a log line when the VM ends abnormally. */
    String registerDump();
}
