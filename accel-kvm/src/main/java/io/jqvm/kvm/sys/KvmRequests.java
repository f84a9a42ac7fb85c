package io.jqvm.kvm.sys;

import static io.jqvm.kvm.sys.IoctlEncoding.io;
import static io.jqvm.kvm.sys.IoctlEncoding.ior;
import static io.jqvm.kvm.sys.IoctlEncoding.iow;
import static io.jqvm.kvm.sys.IoctlEncoding.iowr;

/** The KVM ioctl request numbers jqvm issues, encoded as {@code linux/kvm.h} defines them. */
public final class KvmRequests {
    /** KVMIO, the ioctl type byte of every KVM request. */
    private static final int KVMIO = 0xAE;

    private KvmRequests() {
    }

    // system (/dev/kvm)
    public static final long GET_API_VERSION = io(KVMIO, 0x00);
    public static final long CREATE_VM = io(KVMIO, 0x01);
    public static final long CHECK_EXTENSION = io(KVMIO, 0x03);
    public static final long GET_VCPU_MMAP_SIZE = io(KVMIO, 0x04);
    public static final long GET_SUPPORTED_CPUID = iowr(KVMIO, 0x05, KvmStructs.CPUID2.byteSize());

    // VM
    public static final long CREATE_VCPU = io(KVMIO, 0x41);
    public static final long SET_USER_MEMORY_REGION = iow(KVMIO, 0x46, KvmStructs.USERSPACE_MEMORY_REGION.byteSize());
    public static final long SET_TSS_ADDR = io(KVMIO, 0x47);
    public static final long SET_IDENTITY_MAP_ADDR = iow(KVMIO, 0x48, Long.BYTES);
    public static final long CREATE_IRQCHIP = io(KVMIO, 0x60);
    public static final long IRQ_LINE = iow(KVMIO, 0x61, KvmStructs.IRQ_LEVEL.byteSize());
    public static final long SET_GSI_ROUTING = iow(KVMIO, 0x6a, KvmStructs.IRQ_ROUTING.byteSize());
    public static final long IRQFD = iow(KVMIO, 0x76, KvmStructs.IRQFD.byteSize());
    public static final long SIGNAL_MSI = iow(KVMIO, 0xa5, KvmStructs.MSI.byteSize());
    public static final long CREATE_PIT2 = iow(KVMIO, 0x77, KvmStructs.PIT_CONFIG.byteSize());
    public static final long SET_CLOCK = iow(KVMIO, 0x7b, KvmStructs.CLOCK_DATA.byteSize());
    public static final long GET_CLOCK = ior(KVMIO, 0x7c, KvmStructs.CLOCK_DATA.byteSize());

    // vCPU
    public static final long RUN = io(KVMIO, 0x80);
    public static final long GET_REGS = ior(KVMIO, 0x81, KvmStructs.REGS.byteSize());
    public static final long SET_REGS = iow(KVMIO, 0x82, KvmStructs.REGS.byteSize());
    public static final long GET_SREGS = ior(KVMIO, 0x83, KvmStructs.SREGS.byteSize());
    public static final long SET_SREGS = iow(KVMIO, 0x84, KvmStructs.SREGS.byteSize());
    public static final long GET_LAPIC = ior(KVMIO, 0x8e, KvmStructs.LAPIC_STATE.byteSize());
    public static final long SET_LAPIC = iow(KVMIO, 0x8f, KvmStructs.LAPIC_STATE.byteSize());
    public static final long SET_SIGNAL_MASK = iow(KVMIO, 0x8b, KvmStructs.SIGNAL_MASK.byteSize());
    public static final long SET_CPUID2 = iow(KVMIO, 0x90, KvmStructs.CPUID2.byteSize());
    public static final long GET_MP_STATE = ior(KVMIO, 0x98, KvmStructs.MP_STATE.byteSize());
    public static final long SET_MP_STATE = iow(KVMIO, 0x99, KvmStructs.MP_STATE.byteSize());
    public static final long GET_VCPU_EVENTS = ior(KVMIO, 0x9f, KvmStructs.VCPU_EVENTS.byteSize());
    public static final long SET_VCPU_EVENTS = iow(KVMIO, 0xa0, KvmStructs.VCPU_EVENTS.byteSize());
    public static final long TRANSLATE = iowr(KVMIO, 0x85, KvmStructs.TRANSLATION.byteSize());
    public static final long SET_GUEST_DEBUG = iow(KVMIO, 0x9b, KvmStructs.GUEST_DEBUG.byteSize());
}
