package io.jqvm.accel;

import java.util.List;

/**
 * What a debugger attached to the VM asks of one vCPU, separate from any debug state the guest programs itself
 * (the role of KVM_SET_GUEST_DEBUG): breakpoints, watchpoints and single step. A vCPU that meets one returns
 * {@link VcpuExit.Debug} from {@link Vcpu#run}.
 *
 * @param singleStep          run one instruction, with interrupts held off (as QEMU's gdbstub), then stop
 * @param softwareBreakpoints addresses of gdb's {@code Z0} breakpoints: how they are planted is the accelerator's
 *                            choice, but guest memory reads never show it
 * @param hardwareBreakpoints addresses of gdb's {@code Z1} breakpoints
 * @param watchpoints         data watchpoints ({@code Z2}-{@code Z4})
 */
public record GuestDebug(boolean singleStep, List<Long> softwareBreakpoints, List<Long> hardwareBreakpoints,
                         List<Watchpoint> watchpoints) {
    /** No debugger: the vCPU runs at full speed. */
    public static final GuestDebug NONE = new GuestDebug(false, List.of(), List.of(), List.of());

    /** Which accesses a watchpoint stops at. */
    public enum Access { WRITE, READ, ACCESS }

    /** Bytes {@code [address, address + length)} watched for {@code access}. */
    public record Watchpoint(long address, long length, Access access) {
        public Watchpoint {
            if (length <= 0) {
                throw new IllegalArgumentException("a watchpoint watches at least one byte, not " + length);
            }
        }

        /** Whether an access of {@code size} bytes at {@code va} that writes ({@code write}) or reads hits it. */
        public boolean hits(long va, int size, boolean write) {
            boolean kind = access == Access.ACCESS || (access == Access.WRITE) == write;
            return kind && Long.compareUnsigned(va + size - 1, address) >= 0
                    && Long.compareUnsigned(va, address + length - 1) <= 0;
        }
    }

    public GuestDebug {
        softwareBreakpoints = List.copyOf(softwareBreakpoints);
        hardwareBreakpoints = List.copyOf(hardwareBreakpoints);
        watchpoints = List.copyOf(watchpoints);
    }

    /** True when nothing is asked: the vCPU runs as if no debugger were attached. */
    public boolean isNone() {
        return !singleStep && softwareBreakpoints.isEmpty() && hardwareBreakpoints.isEmpty() && watchpoints.isEmpty();
    }

    /** Why a debugger's request stopped a vCPU. */
    public enum Cause { BREAKPOINT, STEP, WATCHPOINT }
}
