package io.jqvm.kvm.ioctl;

import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.kvm.sys.KvmRequests;
import io.jqvm.kvm.sys.KvmStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** The KVM system fd ({@code /dev/kvm}): version and capability queries, VM creation. */
public final class KvmSystem implements AutoCloseable {
    public static final String DEVICE = "/dev/kvm";
    private static final int E2BIG = 7;
    /** More CPUID leaves than any host reports; the query is retried with twice as many on E2BIG. */
    private static final int CPUID_FIRST_GUESS = 128;
    private static final int CPUID_MAX_ENTRIES = 4096;

    private final int fd;

    private KvmSystem(int fd) {
        this.fd = fd;
    }

    /** Opens {@link #DEVICE}; throws {@link HostException} (ENOENT, EACCES...) when that fails. */
    public static KvmSystem open() {
        return new KvmSystem(Libc.open(DEVICE, Libc.O_RDWR));
    }

    public int apiVersion() {
        return Libc.ioctl(fd, KvmRequests.GET_API_VERSION, 0L, "KVM_GET_API_VERSION");
    }

    /** 0 when the capability is absent, otherwise a positive value (a count for some capabilities). */
    public int checkExtension(int capability) {
        return Libc.ioctl(fd, KvmRequests.CHECK_EXTENSION, capability, "KVM_CHECK_EXTENSION(" + capability + ")");
    }

    /** Size of the {@code kvm_run} area each vCPU fd maps. */
    public int vcpuMmapSize() {
        return Libc.ioctl(fd, KvmRequests.GET_VCPU_MMAP_SIZE, 0L, "KVM_GET_VCPU_MMAP_SIZE");
    }

    /** The CPUID leaves KVM can expose on this host, as a {@code kvm_cpuid2} allocated in {@code arena}. */
    public MemorySegment supportedCpuid(Arena arena) {
        for (int entries = CPUID_FIRST_GUESS; entries <= CPUID_MAX_ENTRIES; entries *= 2) {
            MemorySegment cpuid = arena.allocate(KvmStructs.CPUID2.byteSize() + entries * KvmStructs.CPUID_ENTRY2.byteSize(), 8);
            cpuid.set(JAVA_INT, 0, entries);
            if (Libc.ioctl(fd, KvmRequests.GET_SUPPORTED_CPUID, cpuid, "KVM_GET_SUPPORTED_CPUID", E2BIG) >= 0) {
                return cpuid;
            }
        }
        throw new HostException("KVM_GET_SUPPORTED_CPUID with " + CPUID_MAX_ENTRIES + " entries", E2BIG);
    }

    public KvmVmFd createVm() {
        return new KvmVmFd(Libc.ioctl(fd, KvmRequests.CREATE_VM, 0L, "KVM_CREATE_VM"));
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
