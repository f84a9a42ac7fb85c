package io.jqvm.devices.shmem;

import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.device.pci.PciFunction;
import java.util.function.Function;

/**
 * qvm's shmem vdev in its PCI form, as QNX's {@code guest_shm.h} names it (vendor {@value #VENDOR} BlackBerry QNX,
 * device {@value #DEVICE}) and QNX's sample drivers find it: BAR 0 is the factory page (a 32-bit memory BAR of one
 * page, {@link GuestShm#factory()}), the notification interrupt is INTA#, level-triggered and shareable. The
 * connections' control and data pages stay where the factory's {@code shmem} register says, in the board's shmem
 * window outside any BAR, exactly as in the {@code loc} form: only the way the guest finds the factory differs.
 *
 * <p>The command register's INTx-disable bit gates the line; the status register's interrupt bit shows the
 * device's request whatever the gate (PCI Local Bus 3.0 §6.2.3). The class code is "memory controller, RAM", as
 * QEMU's ivshmem shows: the header does not give one, and Linux binds by the IDs alone.
 */
public final class ShmemPciFunction implements PciFunction {
    public static final int VENDOR = 0x1c05;
    public static final int DEVICE = 0x0001;
    public static final int CLASS_MEMORY_RAM = 0x05_00_00;
    public static final int FACTORY_BAR = 0;
    private static final int INTA = 1;

    private final PciConfigSpace config = new PciConfigSpace(VENDOR, DEVICE, CLASS_MEMORY_RAM, 0, VENDOR, DEVICE, INTA);
    private final IrqLine intx;
    private final BusDevice factory;
    /** A leaf lock: the model raises its line holding its own lock, and the bus calls in here holding this function's. */
    private final Object lineLock = new Object();
    private boolean requested;
    private boolean disabled;

    /**
     * @param intx     the INTA# wire the host bridge routed
     * @param factory  makes the device model, given the interrupt it raises, and returns its factory registers
     */
    public ShmemPciFunction(IrqLine intx, Function<IrqLine, BusDevice> factory) {
        this.intx = intx;
        config.setBar(FACTORY_BAR, new PciConfigSpace.Bar(PciConfigSpace.BarKind.MEMORY32, GuestShm.FACTORY_SIZE, false));
        this.factory = factory.apply(this::request);
    }

    @Override
    public PciConfigSpace config() {
        return config;
    }

    @Override
    public long readBar(int vcpu, int bar, long offset, int size) {
        return bar == FACTORY_BAR ? factory.read(vcpu, offset, size) : 0;
    }

    @Override
    public void writeBar(int vcpu, int bar, long offset, int size, long value) {
        if (bar == FACTORY_BAR) {
            factory.write(vcpu, offset, size, value);
        }
    }

    @Override
    public void configWritten(int offset, int size) {
        if (offset <= PciConfigSpace.COMMAND + 1 && offset + size > PciConfigSpace.COMMAND) {
            synchronized (lineLock) {
                disabled = (config.command() & PciConfigSpace.COMMAND_INTX_DISABLE) != 0;
                drive();
            }
        }
    }

    /** The model's interrupt request: a level it holds until the guest has read every connection's news. */
    private void request(boolean asserted) {
        synchronized (lineLock) {
            requested = asserted;
            drive();
        }
    }

    private void drive() {
        config.setInterruptStatus(requested);
        intx.set(requested && !disabled);
    }
}
