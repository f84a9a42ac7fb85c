package io.jqvm.vmm;

import io.jqvm.accel.GuestFault;
import io.jqvm.accel.GuestIo;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Hex;
import io.jqvm.common.Log;
import io.jqvm.device.Bus;
import io.jqvm.device.VmControl;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The VM's side of every guest access an accelerator hands back: MMIO and port I/O go to the device that
 * owns the address; accesses nobody owns follow the {@code unsupported reference} policy; hypercalls go
 * to the platform firmware emulation. Lookups are read-only after assembly, so vCPU threads share this
 * object without locking; each device synchronizes itself.
 */
public final class IoDispatcher implements GuestIo {
    /** Platform firmware reached through HVC/SMC (PSCI on AArch64). */
    public interface HypercallHandler {
        /** Returns false when the calling vCPU must power off. */
        boolean handle(int vcpu, boolean smc, int imm, HypercallRegisters regs);
    }

    private static final int LOGGED_UNCLAIMED_LIMIT = 16;

    private final Bus mmio;
    private final Bus pio;
    private final UnsupportedPolicy policy;
    private final VmControl control;
    private volatile HypercallHandler hypercalls;
    private final AtomicLong unclaimed = new AtomicLong();

    public IoDispatcher(Bus mmio, Bus pio, UnsupportedPolicy policy, VmControl control) {
        this.mmio = mmio;
        this.pio = pio;
        this.policy = policy;
        this.control = control;
    }

    public void setHypercallHandler(HypercallHandler handler) {
        this.hypercalls = handler;
    }

    /** How many accesses reached no device so far. */
    public long unclaimedAccesses() {
        return unclaimed.get();
    }

    @Override
    public long mmioRead(int vcpu, long address, int size) {
        Bus.Window w = mmio.find(address, size);
        if (w != null) {
            return w.device().read(vcpu, address - w.base(), size);
        }
        return unclaimedRead(vcpu, "mem", address, size);
    }

    @Override
    public void mmioWrite(int vcpu, long address, int size, long value) {
        Bus.Window w = mmio.find(address, size);
        if (w != null) {
            w.device().write(vcpu, address - w.base(), size, value);
            return;
        }
        unclaimedWrite(vcpu, "mem", address, size, value);
    }

    @Override
    public long pioRead(int vcpu, int port, int size) {
        Bus.Window w = pio.find(port, size);
        if (w != null) {
            return w.device().read(vcpu, port - w.base(), size);
        }
        return unclaimedRead(vcpu, "io", port, size);
    }

    @Override
    public void pioWrite(int vcpu, int port, int size, long value) {
        Bus.Window w = pio.find(port, size);
        if (w != null) {
            w.device().write(vcpu, port - w.base(), size, value);
            return;
        }
        unclaimedWrite(vcpu, "io", port, size, value);
    }

    @Override
    public boolean hypercall(int vcpu, boolean smc, int imm, HypercallRegisters regs) {
        HypercallHandler h = hypercalls;
        if (h == null) {
            // No firmware on this board: the SMCCC "unknown function" answer.
            regs.set(0, -1L);
            return true;
        }
        return h.handle(vcpu, smc, imm, regs);
    }

    private long unclaimedRead(int vcpu, String space, long address, int size) {
        unclaimed(vcpu, "read", space, address, size, 0);
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    private void unclaimedWrite(int vcpu, String space, long address, int size, long value) {
        unclaimed(vcpu, "write", space, address, size, value);
    }

    private void unclaimed(int vcpu, String what, String space, long address, int size, long value) {
        long n = unclaimed.incrementAndGet();
        switch (policy) {
            case IGNORE -> {
                if (n <= LOGGED_UNCLAIMED_LIMIT) {
                    Log.debug(() -> describe(vcpu, what, space, address, size, value)
                            + (n == LOGGED_UNCLAIMED_LIMIT ? "; further such accesses not logged" : ""));
                }
            }
            case FAIL -> {
                if (n <= LOGGED_UNCLAIMED_LIMIT) {
                    Log.warn(describe(vcpu, what, space, address, size, value) + ": the guest takes a fault (unsupported reference fail)");
                }
                throw GuestFault.INSTANCE;
            }
            case ABORT -> control.shutdown(ExitStatus.UNSUPPORTED,
                    describe(vcpu, what, space, address, size, value) + " (unsupported reference abort)");
        }
    }

    private static String describe(int vcpu, String what, String space, long address, int size, long value) {
        return "vCPU " + vcpu + " " + what + " of " + size + " byte" + (size == 1 ? "" : "s") + " at " + space + ":"
                + Hex.of(address) + (what.equals("write") ? " (value " + Hex.of(value) + ")" : "") + " reaches no device";
    }
}
