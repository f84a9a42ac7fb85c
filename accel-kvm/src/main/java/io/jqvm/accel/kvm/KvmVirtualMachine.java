package io.jqvm.accel.kvm;

import io.jqvm.accel.ExitCounters;
import io.jqvm.accel.GuestIo;
import io.jqvm.accel.MachineSpec;
import io.jqvm.accel.Vcpu;
import io.jqvm.accel.VirtualMachine;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Hex;
import io.jqvm.common.Ranges;
import io.jqvm.common.VmmException;
import io.jqvm.device.InterruptController;
import io.jqvm.host.HostException;
import io.jqvm.host.HostMemory;
import io.jqvm.kvm.ioctl.KvmSystem;
import io.jqvm.kvm.ioctl.KvmVcpuFd;
import io.jqvm.kvm.ioctl.KvmVmFd;
import io.jqvm.kvm.sys.KvmConstants;
import io.jqvm.memory.GuestRegion;
import io.jqvm.kvm.sys.KvmStructs;
import io.jqvm.common.Log;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A KVM VM assembled from a {@link MachineSpec}: one memory slot per guest region (ROM read-only, so
 * guest writes to it exit as MMIO writes), the in-kernel irqchip and PIT when asked, and the vCPUs with
 * their CPUID. The vCPU fds are created here, on the creating thread, so that every host failure is
 * reported before the guest starts and an INIT/SIPI sent to a vCPU whose thread has not started yet is
 * latched by its local APIC; afterwards each vCPU's ioctls come only from its own thread.
 */
final class KvmVirtualMachine implements VirtualMachine {
    /**
     * Three pages for the real-mode TSS and one for the identity page table, which VMX hosts without
     * unrestricted guests need and other hosts ignore. Below the IOAPIC-to-BIOS hole, where QEMU puts them.
     */
    static final long IDENTITY_MAP_GPA = 0xfeffc000L;
    static final long TSS_GPA = IDENTITY_MAP_GPA + HostMemory.PAGE_SIZE;
    private static final long PRIVATE_PAGES_BYTES = 4 * HostMemory.PAGE_SIZE;

    private final KvmVmFd vm;
    private final List<KvmVcpu> vcpus;
    private final KvmGsiLines interrupts;
    private final ExitCounters counters;
    /** Slots of {@link #mapMemory} mappings by guest-physical address; they follow the guest regions' slots. */
    private final java.util.Map<Long, Integer> runtimeSlots = new java.util.HashMap<>();
    private final int firstRuntimeSlot;
    private boolean closed;

    private KvmVirtualMachine(KvmVmFd vm, List<KvmVcpu> vcpus, KvmGsiLines interrupts, ExitCounters counters,
                              int firstRuntimeSlot) {
        this.firstRuntimeSlot = firstRuntimeSlot;
        this.vm = vm;
        this.vcpus = vcpus;
        this.interrupts = interrupts;
        this.counters = counters;
    }

    /** Builds the VM; every failure is a {@link VmmException} with {@code FATAL_BEFORE_START}. */
    static KvmVirtualMachine create(MachineSpec spec, GuestIo io) {
        String unsupported = KvmHost.architectureProblem(spec.arch());
        if (unsupported != null) {
            throw fatal(spec, unsupported, null);
        }
        checkSpec(spec);
        KvmSystem kvm;
        try {
            kvm = KvmSystem.open();
        } catch (HostException e) {
            throw fatal(spec, KvmHost.openFailure(e.errno()), e);
        }
        try (kvm) {
            String missing = KvmHost.checkVersionAndCapabilities(kvm, neededCapabilities(spec));
            if (missing != null) {
                throw fatal(spec, missing, null);
            }
            int maxVcpus = kvm.checkExtension(KvmConstants.CAP_MAX_VCPUS);
            if (spec.vcpus() > maxVcpus) {
                throw fatal(spec, spec.vcpus() + " vCPUs asked, this host's KVM allows at most " + maxVcpus, null);
            }
            return assemble(kvm, spec, io);
        } catch (HostException e) {
            throw fatal(spec, e.getMessage(), e);
        }
    }

    private static VmmException fatal(MachineSpec spec, String why, Throwable cause) {
        return new VmmException(ExitStatus.FATAL_BEFORE_START, "kvm: cannot create VM " + spec.name() + ": " + why, cause);
    }

    private static Set<KvmCapability> neededCapabilities(MachineSpec spec) {
        Set<KvmCapability> needed = EnumSet.copyOf(KvmHost.ALWAYS_NEEDED);
        if (spec.x86IrqChip()) {
            needed.add(KvmCapability.IRQCHIP);
        }
        if (spec.x86Pit()) {
            needed.add(KvmCapability.PIT2);
        }
        if (spec.memory().regions().stream().anyMatch(GuestRegion::readOnly)) {
            needed.add(KvmCapability.READONLY_MEM);
        }
        return needed;
    }

    /** What KVM cannot do whatever the host: refused with the configuration change that would work. */
    private static void checkSpec(MachineSpec spec) {
        if (spec.vcpus() < 1) {
            throw fatal(spec, "a VM needs at least one vCPU, " + spec.vcpus() + " given", null);
        }
        if (spec.x86Pit() && !spec.x86IrqChip()) {
            throw fatal(spec, "the in-kernel PIT interrupts through the in-kernel PIC and IOAPIC: x86 PIT needs the x86 irq chip", null);
        }
        if (spec.x86IrqChip() && spec.x86IoapicBase() != KvmConstants.IOAPIC_DEFAULT_BASE) {
            throw fatal(spec, "the in-kernel IOAPIC answers only at " + Hex.of(KvmConstants.IOAPIC_DEFAULT_BASE) + ", not at "
                    + Hex.of(spec.x86IoapicBase()) + " — place the ioapic at " + Hex.of(KvmConstants.IOAPIC_DEFAULT_BASE), null);
        }
        for (GuestRegion r : spec.memory().regions()) {
            if (Ranges.overlap(r.base(), r.size(), IDENTITY_MAP_GPA, PRIVATE_PAGES_BYTES)) {
                throw fatal(spec, r + " overlaps " + Hex.of(IDENTITY_MAP_GPA) + "-" + Hex.of(IDENTITY_MAP_GPA + PRIVATE_PAGES_BYTES - 1)
                        + ", which KVM keeps for its real-mode TSS and identity page table — move the region", null);
            }
            if (r.host().address() % HostMemory.PAGE_SIZE != 0) {
                throw fatal(spec, r + " is backed by host memory at " + Hex.of(r.host().address())
                        + ", which is not page aligned as KVM memory slots must be", null);
            }
        }
    }

    /**
     * The PC's interrupt routing, as QEMU sets it: ISA IRQs 0-15 reach the 8259 pair (except 2, the
     * cascade), GSIs reach the IOAPIC pin of the same number, except that ISA IRQ 0 (the PIT) arrives on
     * IOAPIC pin 2 — what the MADT's interrupt source override tells the guest.
     */
    static List<KvmVmFd.IrqRoute> pcRouting() {
        List<KvmVmFd.IrqRoute> routes = new ArrayList<>();
        for (int irq = 0; irq < 16; irq++) {
            if (irq != 2) {
                routes.add(new KvmVmFd.IrqRoute(irq, irq < 8 ? KvmConstants.IRQCHIP_PIC_MASTER : KvmConstants.IRQCHIP_PIC_SLAVE, irq % 8));
            }
        }
        for (int gsi = 0; gsi < KvmConstants.IOAPIC_PINS; gsi++) {
            if (gsi != 2) {
                routes.add(new KvmVmFd.IrqRoute(gsi, KvmConstants.IRQCHIP_IOAPIC, gsi == 0 ? 2 : gsi));
            }
        }
        return routes;
    }

    private static KvmVirtualMachine assemble(KvmSystem kvm, MachineSpec spec, GuestIo io) {
        KvmVmFd vm = kvm.createVm();
        List<KvmVcpu> vcpus = new ArrayList<>();
        KvmGsiLines interrupts = null;
        try {
            List<GuestRegion> regions = spec.memory().regions();
            for (int slot = 0; slot < regions.size(); slot++) {
                GuestRegion r = regions.get(slot);
                vm.setUserMemoryRegion(slot, r.readOnly() ? KvmConstants.MEM_READONLY : 0, r.base(), r.host());
            }
            vm.setIdentityMapAddr(IDENTITY_MAP_GPA);
            vm.setTssAddr(TSS_GPA);
            if (spec.x86IrqChip()) {
                vm.createIrqchip();
                vm.setGsiRouting(pcRouting());
                interrupts = new KvmGsiLines(vm);
            }
            if (spec.x86Pit()) {
                vm.createPit2(KvmConstants.PIT_SPEAKER_DUMMY);
            }
            ExitCounters counters = new ExitCounters();
            int mmapSize = kvm.vcpuMmapSize();
            int guestDebugFlags = Math.max(0, kvm.checkExtension(KvmConstants.CAP_SET_GUEST_DEBUG2));
            try (Arena scratch = Arena.ofConfined()) {
                CpuidTable cpuid = CpuidTable.fromKvm(kvm.supportedCpuid(scratch));
                List<KvmVcpuFd> fds = new ArrayList<>();
                for (int i = 0; i < spec.vcpus(); i++) {
                    KvmVcpuFd fd = vm.createVcpu(i, mmapSize);
                    vcpus.add(new KvmVcpu(i, fd, io, counters, guestDebugFlags));
                    fds.add(fd);
                    fd.setCpuid2(CpuidTable.toKvm(cpuid.forVcpu(i, spec.vcpus(), spec.x86IrqChip()), scratch));
                }
                if (spec.x86IrqChip()) {
                    rebuildApicMap(fds.getFirst(), scratch);
                }
            }
            return new KvmVirtualMachine(vm, List.copyOf(vcpus), interrupts, counters, regions.size());
        } catch (RuntimeException e) {
            vcpus.forEach(KvmVcpu::close);
            vm.close();
            throw e;
        }
    }

    /**
     * KVM rebuilds its APIC-id-to-vCPU map while creating a vCPU, before that vCPU is online, so the last
     * vCPU created is missing from it and an INIT or SIPI addressed to its APIC id is dropped (measured:
     * the secondary of a 2-vCPU VM never starts). Writing one local APIC's state back makes KVM rebuild
     * the map with every vCPU.
     */
    private static void rebuildApicMap(KvmVcpuFd anyVcpu, Arena scratch) {
        MemorySegment lapic = scratch.allocate(KvmStructs.LAPIC_STATE);
        anyVcpu.getLapic(lapic);
        anyVcpu.setLapic(lapic);
    }

    @Override
    public int vcpuCount() {
        return vcpus.size();
    }

    @Override
    public Vcpu vcpu(int index) {
        if (index < 0 || index >= vcpus.size()) {
            throw new IllegalArgumentException("vCPU " + index + " does not exist: this VM has vCPUs 0-" + (vcpus.size() - 1));
        }
        return vcpus.get(index);
    }

    @Override
    public InterruptController platformInterrupts() {
        return interrupts;
    }

    @Override
    public synchronized void mapMemory(long gpa, MemorySegment host, boolean readOnly) {
        if (runtimeSlots.containsKey(gpa)) {
            throw new IllegalStateException("guest-physical " + Hex.of(gpa) + " is mapped already");
        }
        int slot = firstRuntimeSlot;
        while (runtimeSlots.containsValue(slot)) {
            slot++;
        }
        vm.setUserMemoryRegion(slot, readOnly ? KvmConstants.MEM_READONLY : 0, gpa, host);
        runtimeSlots.put(gpa, slot);
    }

    @Override
    public synchronized void unmapMemory(long gpa) {
        Integer slot = runtimeSlots.remove(gpa);
        if (slot != null && !closed) {
            vm.deleteUserMemoryRegion(slot, gpa);
        }
    }

    /**
     * Takes a pause out of the guest's kvmclock (KVM_GET_CLOCK, then KVM_SET_CLOCK that much earlier), as QEMU
     * holds it across a stop: a guest on kvmclock reads on from where it stopped. Its TSC still advances.
     */
    @Override
    public void skipPausedTime(long nanos) {
        try {
            vm.setClock(vm.clock() - nanos);
        } catch (RuntimeException e) {
            Log.warn("the guest's clock keeps the pause: " + e.getMessage());
        }
    }

    @Override
    public ExitCounters exitCounters() {
        return counters;
    }

    /**
     * Releases the vCPUs and the VM; the vCPU threads must have returned from {@link Vcpu#run}. The guest
     * memory stays the caller's: KVM maps it until here, so close it only after this.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (interrupts != null) {
            interrupts.close();
        }
        vcpus.forEach(KvmVcpu::close);
        vm.close();
    }
}
