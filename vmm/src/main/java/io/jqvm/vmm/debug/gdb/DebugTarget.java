package io.jqvm.vmm.debug.gdb;

import io.jqvm.accel.GuestDebug;
import io.jqvm.accel.Registers;

/**
 * The running VM as the GDB session drives it: every call but {@link #holdAll} and {@link #kill} needs the vCPUs
 * held (stopped) and runs on the vCPU's own thread where the vCPU interface asks for it.
 */
interface DebugTarget {
    TargetArch arch();

    int vcpuCount();

    /** Stops every vCPU and waits until they are all stopped; false if they could not be (the VM ended). */
    boolean holdAll() throws InterruptedException;

    /** Null when the vCPUs can do what {@code debug} asks, else why not. */
    String debugProblem(GuestDebug debug) throws InterruptedException;

    /** Sets what the debugger asks of a held vCPU from its next run on. */
    void configure(int vcpu, GuestDebug debug) throws InterruptedException;

    /** Lets vCPU {@code vcpu} run. */
    void release(int vcpu);

    Registers registers(int vcpu) throws InterruptedException;

    void setRegisters(int vcpu, Registers registers) throws InterruptedException;

    /** The guest-physical address of {@code va} through vCPU {@code vcpu}'s page tables; -1 when unmapped. */
    long translate(int vcpu, long va) throws InterruptedException;

    /** Guest RAM at {@code gpa}; null when it is not all RAM. */
    byte[] readPhysical(long gpa, int length);

    /** False when {@code [gpa, gpa + data.length)} is not all writable RAM. */
    boolean writePhysical(long gpa, byte[] data);

    /** gdb's {@code kill}: a power cut. */
    void kill();
}
