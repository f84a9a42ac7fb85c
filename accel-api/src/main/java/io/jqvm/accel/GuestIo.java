package io.jqvm.accel;

/**
 * How an accelerator hands guest accesses it cannot complete itself back to the VM: MMIO and port I/O
 * go to the device bus, hypercalls (AArch64 HVC/SMC) to the platform firmware emulation (PSCI).
 * Called on the vCPU's thread. Implementations must not allocate on the common path.
 *
 * <p>An access nobody answers follows the VM's {@code unsupported reference} policy: reads return all
 * ones when ignored; {@link GuestFault} is thrown when the guest must take a fault; on abort the VM is
 * stopped and the vCPU sees {@link Vcpu#requestStop}.
 */
public interface GuestIo {
    long mmioRead(int vcpu, long address, int size);

    void mmioWrite(int vcpu, long address, int size, long value);

    long pioRead(int vcpu, int port, int size);

    void pioWrite(int vcpu, int port, int size, long value);

    /**
     * A hypercall ({@code HVC} or {@code SMC} with immediate {@code imm}); arguments and results are in
     * {@code regs}. Returns false when the calling vCPU must power off (PSCI CPU_OFF).
     */
    boolean hypercall(int vcpu, boolean smc, int imm, HypercallRegisters regs);

    /** The general-purpose registers a hypercall reads and writes (x0-x17 on AArch64). */
    interface HypercallRegisters {
        long get(int n);

        void set(int n, long value);
    }
}
