package io.jqvm.kvm.ioctl;

import io.jqvm.host.Libc;
import io.jqvm.kvm.sys.KvmRequests;
import java.lang.foreign.MemorySegment;

/**
 * A KVM vCPU fd and its mapped {@code kvm_run} area. KVM serialises vCPU ioctls on a per-vCPU mutex that
 * KVM_RUN holds, so one thread should issue them all; only {@code kvm_run} may be touched by others.
 */
public final class KvmVcpuFd implements AutoCloseable {
    /** Preallocated: KVM_RUN is the hot path and a varargs array per call would be garbage per exit. */
    private static final int[] RUN_TOLERATED = {Libc.EINTR, Libc.EAGAIN};

    private final int fd;
    private final MemorySegment run;

    KvmVcpuFd(int fd, MemorySegment run) {
        this.fd = fd;
        this.run = run;
    }

    /** The shared {@code struct kvm_run} mapping (global scope: the mapping lives until {@link #close}). */
    public MemorySegment kvmRun() {
        return run;
    }

    /**
     * KVM_RUN; returns 0 after a guest exit, -EINTR when a signal (a kick) or immediate_exit ended it, or
     * -EAGAIN when a vCPU waiting for its start-up IPIs received INIT and must simply be run again.
     */
    public int run() {
        return Libc.ioctl(fd, KvmRequests.RUN, 0L, "KVM_RUN", RUN_TOLERATED);
    }

    public void getRegs(MemorySegment regs) {
        Libc.ioctl(fd, KvmRequests.GET_REGS, regs, "KVM_GET_REGS");
    }

    public void setRegs(MemorySegment regs) {
        Libc.ioctl(fd, KvmRequests.SET_REGS, regs, "KVM_SET_REGS");
    }

    public void setGuestDebug(MemorySegment guestDebug) {
        Libc.ioctl(fd, KvmRequests.SET_GUEST_DEBUG, guestDebug, "KVM_SET_GUEST_DEBUG");
    }

    public void translate(MemorySegment translation) {
        Libc.ioctl(fd, KvmRequests.TRANSLATE, translation, "KVM_TRANSLATE");
    }

    public void getSregs(MemorySegment sregs) {
        Libc.ioctl(fd, KvmRequests.GET_SREGS, sregs, "KVM_GET_SREGS");
    }

    public void setSregs(MemorySegment sregs) {
        Libc.ioctl(fd, KvmRequests.SET_SREGS, sregs, "KVM_SET_SREGS");
    }

    public void getVcpuEvents(MemorySegment events) {
        Libc.ioctl(fd, KvmRequests.GET_VCPU_EVENTS, events, "KVM_GET_VCPU_EVENTS");
    }

    public void setVcpuEvents(MemorySegment events) {
        Libc.ioctl(fd, KvmRequests.SET_VCPU_EVENTS, events, "KVM_SET_VCPU_EVENTS");
    }

    public void getLapic(MemorySegment lapicState) {
        Libc.ioctl(fd, KvmRequests.GET_LAPIC, lapicState, "KVM_GET_LAPIC");
    }

    public void setLapic(MemorySegment lapicState) {
        Libc.ioctl(fd, KvmRequests.SET_LAPIC, lapicState, "KVM_SET_LAPIC");
    }

    public void setCpuid2(MemorySegment cpuid) {
        Libc.ioctl(fd, KvmRequests.SET_CPUID2, cpuid, "KVM_SET_CPUID2");
    }

    /** The signal mask in force while this vCPU is in KVM_RUN ({@code kvm_signal_mask} with its sigset). */
    public void setSignalMask(MemorySegment signalMask) {
        Libc.ioctl(fd, KvmRequests.SET_SIGNAL_MASK, signalMask, "KVM_SET_SIGNAL_MASK");
    }

    public void getMpState(MemorySegment mpState) {
        Libc.ioctl(fd, KvmRequests.GET_MP_STATE, mpState, "KVM_GET_MP_STATE");
    }

    @Override
    public void close() {
        Libc.munmap(run);
        Libc.close(fd);
    }
}
