package io.jqvm.vmm.debug.gdb;

import io.jqvm.accel.GuestDebug;
import io.jqvm.accel.Registers;
import io.jqvm.memory.GuestMemory;
import io.jqvm.vmm.VcpuHolds;
import io.jqvm.vmm.VmRuntime;
import java.time.Duration;

/** A {@link DebugTarget} on a {@link VmRuntime}'s vCPUs and the VM's {@link GuestMemory}. */
final class VmDebugTarget implements DebugTarget {
    /** How long a vCPU may take to stop (one in a slow device access): as {@code whileStopped}'s limit. */
    private static final Duration HOLD_TIMEOUT = Duration.ofSeconds(5);

    private final TargetArch arch;
    private final VmRuntime runtime;
    private final VcpuHolds holds;
    private final GuestMemory memory;

    VmDebugTarget(TargetArch arch, VmRuntime runtime, GuestMemory memory) {
        this.arch = arch;
        this.runtime = runtime;
        this.holds = runtime.holds();
        this.memory = memory;
    }

    @Override
    public TargetArch arch() {
        return arch;
    }

    @Override
    public int vcpuCount() {
        return holds.vcpuCount();
    }

    @Override
    public boolean holdAll() throws InterruptedException {
        holds.holdAll();
        return holds.awaitHeld(HOLD_TIMEOUT);
    }

    @Override
    public void release(int vcpu) {
        holds.release(vcpu);
    }

    @Override
    public String debugProblem(GuestDebug debug) throws InterruptedException {
        return holds.call(0, v -> v.guestDebugProblem(debug));
    }

    @Override
    public void configure(int vcpu, GuestDebug debug) throws InterruptedException {
        holds.call(vcpu, v -> {
            v.setGuestDebug(debug);
            return null;
        });
    }

    @Override
    public Registers registers(int vcpu) throws InterruptedException {
        return holds.call(vcpu, v -> v.registers());
    }

    @Override
    public void setRegisters(int vcpu, Registers registers) throws InterruptedException {
        holds.call(vcpu, v -> {
            v.setRegisters(registers);
            return null;
        });
    }

    @Override
    public long translate(int vcpu, long va) throws InterruptedException {
        return holds.call(vcpu, v -> v.translateVirtual(va));
    }

    @Override
    public byte[] readPhysical(long gpa, int length) {
        return memory.isBacked(gpa, length) ? memory.read(gpa, length) : null;
    }

    @Override
    public boolean writePhysical(long gpa, byte[] data) {
        if (!memory.isBacked(gpa, data.length) || memory.regionAt(gpa).readOnly()) {
            return false;
        }
        memory.write(gpa, data);
        return true;
    }

    @Override
    public void kill() {
        runtime.powerCut("killed from the debugger");
    }
}
