package io.jqvm.vmm;

/**
 * The platform thread that runs one vCPU. Devices with per-CPU banked registers (the GIC) ask which vCPU
 * is accessing them through {@link #currentIndex()}: the access arrives on that vCPU's own thread.
 */
public final class VcpuThread extends Thread {
    private final int index;

    public VcpuThread(String name, int index, Runnable body) {
        super(body, name);
        this.index = index;
    }

    public int index() {
        return index;
    }

    /** The vCPU index of the calling thread; 0 for any other thread (device threads act as the boot CPU). */
    public static int currentIndex() {
        return Thread.currentThread() instanceof VcpuThread v ? v.index : 0;
    }
}
