package io.jqvm.accel.kvm;

import io.jqvm.kvm.sys.KvmConstants;

/** The KVM capabilities jqvm relies on, each with what it is needed for (for the error message). */
enum KvmCapability {
    USER_MEMORY(KvmConstants.CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest memory slots"),
    SET_TSS_ADDR(KvmConstants.CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", "real-mode guests"),
    SET_IDENTITY_MAP_ADDR(KvmConstants.CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR", "real-mode guests"),
    EXT_CPUID(KvmConstants.CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "CPUID and APIC id set-up"),
    VCPU_EVENTS(KvmConstants.CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS", "injecting faults for refused accesses"),
    IMMEDIATE_EXIT(KvmConstants.CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "injecting faults for refused accesses"),
    IRQCHIP(KvmConstants.CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "the in-kernel PIC, IOAPIC and local APICs (x86 irq chip)"),
    PIT2(KvmConstants.CAP_PIT2, "KVM_CAP_PIT2", "the in-kernel 8254 PIT"),
    READONLY_MEM(KvmConstants.CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM", "read-only ROM regions");

    private final int number;
    private final String kernelName;
    private final String neededFor;

    KvmCapability(int number, String kernelName, String neededFor) {
        this.number = number;
        this.kernelName = kernelName;
        this.neededFor = neededFor;
    }

    int number() {
        return number;
    }

    /** Why a host without it cannot be used: {@code /dev/kvm lacks KVM_CAP_PIT2, needed for ...}. */
    String missingReason() {
        return "/dev/kvm lacks " + kernelName + ", needed for " + neededFor + " — use a newer host kernel or accel soft";
    }
}
