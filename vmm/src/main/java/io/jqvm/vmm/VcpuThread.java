package io.jqvm.vmm;

/** The platform thread that runs one vCPU (bus accesses carry the vCPU index, no device asks the thread). */
public final class VcpuThread extends Thread {
    private final int index;

    public VcpuThread(String name, int index, Runnable body) {
        super(body, name);
        this.index = index;
    }

    public int index() {
        return index;
    }
}
