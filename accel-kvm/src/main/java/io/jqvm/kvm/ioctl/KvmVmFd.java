package io.jqvm.kvm.ioctl;

import io.jqvm.host.Libc;
import io.jqvm.kvm.sys.KvmConstants;
import io.jqvm.kvm.sys.KvmRequests;
import io.jqvm.kvm.sys.KvmStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** A KVM VM fd: memory slots, the in-kernel platform devices, vCPU creation, interrupt lines. */
public final class KvmVmFd implements AutoCloseable {
    private static final long SLOT_FLAGS = KvmStructs.offset(KvmStructs.USERSPACE_MEMORY_REGION, "flags");
    private static final long SLOT_GPA = KvmStructs.offset(KvmStructs.USERSPACE_MEMORY_REGION, "guest_phys_addr");
    private static final long SLOT_SIZE = KvmStructs.offset(KvmStructs.USERSPACE_MEMORY_REGION, "memory_size");
    private static final long SLOT_HOST = KvmStructs.offset(KvmStructs.USERSPACE_MEMORY_REGION, "userspace_addr");
    private static final long IRQ_LEVEL = KvmStructs.offset(KvmStructs.IRQ_LEVEL, "level");

    /** IRQ lines are driven from device threads: one argument buffer per thread, freed with the thread. */
    private static final ThreadLocal<MemorySegment> IRQ_LEVEL_BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(KvmStructs.IRQ_LEVEL));

    /** KVM_SIGNAL_MSI runs per interrupt too, from any device thread. */
    private static final ThreadLocal<MemorySegment> MSI_BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(KvmStructs.MSI));
    private static final long MSI_ADDRESS_HI = KvmStructs.offset(KvmStructs.MSI, "address_hi");
    private static final long MSI_DATA = KvmStructs.offset(KvmStructs.MSI, "data");
    private static final long MSI_FLAGS = KvmStructs.offset(KvmStructs.MSI, "flags");

    /** KVM_IRQ_LINE runs per interrupt: no varargs array per call. */
    private static final int[] NOTHING_TOLERATED = {};

    private final int fd;

    KvmVmFd(int fd) {
        this.fd = fd;
    }

    public int checkExtension(int capability) {
        return Libc.ioctl(fd, KvmRequests.CHECK_EXTENSION, capability, "KVM_CHECK_EXTENSION(" + capability + ")");
    }

    /** Maps {@code host} at guest-physical {@code gpa} as slot {@code slot}; flags e.g. KVM_MEM_READONLY. */
    public void setUserMemoryRegion(int slot, int flags, long gpa, MemorySegment host) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment region = a.allocate(KvmStructs.USERSPACE_MEMORY_REGION);
            region.set(JAVA_INT, 0, slot);
            region.set(JAVA_INT, SLOT_FLAGS, flags);
            region.set(JAVA_LONG, SLOT_GPA, gpa);
            region.set(JAVA_LONG, SLOT_SIZE, host.byteSize());
            region.set(JAVA_LONG, SLOT_HOST, host.address());
            Libc.ioctl(fd, KvmRequests.SET_USER_MEMORY_REGION, region, "KVM_SET_USER_MEMORY_REGION(slot " + slot + ")");
        }
    }

    /** Deletes memory slot {@code slot} (a size of 0, as the KVM API defines); vCPUs no longer see it on return. */
    public void deleteUserMemoryRegion(int slot, long gpa) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment region = a.allocate(KvmStructs.USERSPACE_MEMORY_REGION);
            region.set(JAVA_INT, 0, slot);
            region.set(JAVA_LONG, SLOT_GPA, gpa);
            Libc.ioctl(fd, KvmRequests.SET_USER_MEMORY_REGION, region, "KVM_SET_USER_MEMORY_REGION(delete slot " + slot + ")");
        }
    }

    /** The three guest-physical pages VMX hosts use for the real-mode TSS. */
    public void setTssAddr(long gpa) {
        Libc.ioctl(fd, KvmRequests.SET_TSS_ADDR, gpa, "KVM_SET_TSS_ADDR");
    }

    /** The guest-physical page VMX hosts use for the real-mode identity page table. */
    public void setIdentityMapAddr(long gpa) {
        try (Arena a = Arena.ofConfined()) {
            Libc.ioctl(fd, KvmRequests.SET_IDENTITY_MAP_ADDR, a.allocateFrom(JAVA_LONG, gpa), "KVM_SET_IDENTITY_MAP_ADDR");
        }
    }

    /** The in-kernel 8259 pair, IOAPIC and (per vCPU, created later) local APICs. */
    public void createIrqchip() {
        Libc.ioctl(fd, KvmRequests.CREATE_IRQCHIP, 0L, "KVM_CREATE_IRQCHIP");
    }

    /** One route of a global system interrupt to an in-kernel interrupt controller pin. */
    public record IrqRoute(int gsi, int irqchip, int pin) {
    }

    /** Replaces the GSI routing table of the in-kernel irqchip. */
    public void setGsiRouting(java.util.List<IrqRoute> routes) {
        try (Arena a = Arena.ofConfined()) {
            long entry = KvmStructs.IRQ_ROUTING_ENTRY.byteSize();
            MemorySegment table = a.allocate(KvmStructs.IRQ_ROUTING.byteSize() + entry * routes.size(), 8);
            table.set(JAVA_INT, 0, routes.size());
            for (int i = 0; i < routes.size(); i++) {
                long at = KvmStructs.IRQ_ROUTING.byteSize() + entry * i;
                IrqRoute r = routes.get(i);
                table.set(JAVA_INT, at, r.gsi());
                table.set(JAVA_INT, at + 4, KvmConstants.IRQ_ROUTING_IRQCHIP);
                table.set(JAVA_INT, at + 16, r.irqchip());
                table.set(JAVA_INT, at + 20, r.pin());
            }
            Libc.ioctl(fd, KvmRequests.SET_GSI_ROUTING, table, "KVM_SET_GSI_ROUTING");
        }
    }

    /** The in-kernel 8254 PIT; needs the in-kernel irqchip. */
    public void createPit2(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment config = a.allocate(KvmStructs.PIT_CONFIG);
            config.set(JAVA_INT, 0, flags);
            Libc.ioctl(fd, KvmRequests.CREATE_PIT2, config, "KVM_CREATE_PIT2");
        }
    }

    /** KVM_GET_CLOCK: the VM's kvmclock now, in nanoseconds. */
    public long clock() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(KvmStructs.CLOCK_DATA);
            Libc.ioctl(fd, KvmRequests.GET_CLOCK, data, "KVM_GET_CLOCK");
            return data.get(JAVA_LONG, 0);
        }
    }

    /** KVM_SET_CLOCK: the VM's kvmclock reads {@code nanos} now (flags 0: relative to the host's clock now). */
    public void setClock(long nanos) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment data = a.allocate(KvmStructs.CLOCK_DATA);
            data.set(JAVA_LONG, 0, nanos);
            Libc.ioctl(fd, KvmRequests.SET_CLOCK, data, "KVM_SET_CLOCK");
        }
    }

    /** Drives global system interrupt {@code gsi} of the in-kernel irqchip; callable from any thread. */
    public void irqLine(int gsi, boolean asserted) {
        MemorySegment level = IRQ_LEVEL_BUFFER.get();
        level.set(JAVA_INT, 0, gsi);
        level.set(JAVA_INT, IRQ_LEVEL, asserted ? 1 : 0);
        Libc.ioctl(fd, KvmRequests.IRQ_LINE, level, "KVM_IRQ_LINE", NOTHING_TOLERATED);
    }

    /**
     * KVM_SIGNAL_MSI: the in-kernel irqchip delivers the message {@code data} written to {@code address} (on x86
     * the local APICs' window at 0xFEE0_0000). Returns whether it was delivered: 0 when the guest blocked it.
     */
    public boolean signalMsi(long address, int data) {
        MemorySegment msi = MSI_BUFFER.get();
        msi.set(JAVA_INT, 0, (int) address);
        msi.set(JAVA_INT, MSI_ADDRESS_HI, (int) (address >>> 32));
        msi.set(JAVA_INT, MSI_DATA, data);
        msi.set(JAVA_INT, MSI_FLAGS, 0);
        return Libc.ioctl(fd, KvmRequests.SIGNAL_MSI, msi, "KVM_SIGNAL_MSI", NOTHING_TOLERATED) > 0;
    }

    /** kvm_irqfd.flags: remove the routing instead of adding it. */
    public static final int IRQFD_FLAG_DEASSIGN = 1 << 0;
    /** kvm_irqfd.flags: level-triggered, with a resample eventfd signalled at the guest's EOI. */
    public static final int IRQFD_FLAG_RESAMPLE = 1 << 1;

    /**
     * KVM_IRQFD: a signal on eventfd {@code eventFd} raises GSI {@code gsi}; with {@code resampleFd} (not -1) the
     * GSI is held until the guest's EOI, when KVM lowers it and signals {@code resampleFd}. {@code deassign}
     * removes a routing made before (the same fd and gsi).
     */
    public void irqfd(int eventFd, int gsi, int resampleFd, boolean deassign) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment irqfd = a.allocate(KvmStructs.IRQFD);
            irqfd.set(JAVA_INT, 0, eventFd);
            irqfd.set(JAVA_INT, 4, gsi);
            int flags = deassign ? IRQFD_FLAG_DEASSIGN : resampleFd >= 0 ? IRQFD_FLAG_RESAMPLE : 0;
            irqfd.set(JAVA_INT, 8, flags);
            irqfd.set(JAVA_INT, 12, deassign || resampleFd < 0 ? 0 : resampleFd);
            Libc.ioctl(fd, KvmRequests.IRQFD, irqfd, "KVM_IRQFD(gsi " + gsi + (deassign ? ", deassign)" : ")"));
        }
    }

    /** Creates vCPU {@code id} (its local APIC id) and maps its {@code kvm_run} area of {@code mmapSize} bytes. */
    public KvmVcpuFd createVcpu(int id, int mmapSize) {
        int vcpuFd = Libc.ioctl(fd, KvmRequests.CREATE_VCPU, id, "KVM_CREATE_VCPU(" + id + ")");
        try {
            return new KvmVcpuFd(vcpuFd, Libc.mmap(mmapSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, vcpuFd, 0));
        } catch (RuntimeException e) {
            Libc.close(vcpuFd);
            throw e;
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
