package io.jqvm.device;

/**
 * A device's registers as seen from one bus window. The bus hands the device an offset from the window's
 * base, never an absolute address, and an access size of 1, 2, 4 or 8 bytes; the access never crosses the
 * end of the window.
 *
 * <p>{@code vcpu} is the index of the vCPU making the access, so devices with per-CPU banked registers (the
 * GIC) know whose registers are meant without asking which thread runs them.
 *
 * <p>Devices are called from any vCPU thread, concurrently: they synchronize their own state. A device
 * never throws for a guest's bad access: it logs (rate-limited), ignores the write or returns a defined
 * value, as the hardware would.
 */
public interface BusDevice {
    long read(int vcpu, long offset, int size);

    void write(int vcpu, long offset, int size, long value);
}
