package io.jqvm.kvm.sys;

/** Values from {@code linux/kvm.h} (and the x86 architecture) that jqvm passes to or reads from KVM. */
public final class KvmConstants {
    private KvmConstants() {
    }

    public static final int API_VERSION = 12;

    // capabilities (KVM_CAP_*)
    public static final int CAP_IRQCHIP = 0;
    public static final int CAP_USER_MEMORY = 3;
    public static final int CAP_SET_TSS_ADDR = 4;
    public static final int CAP_EXT_CPUID = 7;
    public static final int CAP_NR_VCPUS = 9;
    public static final int CAP_PIT2 = 33;
    public static final int CAP_SET_IDENTITY_MAP_ADDR = 37;
    public static final int CAP_SIGNAL_MSI = 77;
    public static final int CAP_VCPU_EVENTS = 41;
    public static final int CAP_MAX_VCPUS = 66;
    public static final int CAP_READONLY_MEM = 81;
    public static final int CAP_IMMEDIATE_EXIT = 136;
    /** The KVM_GUESTDBG_* flags KVM_SET_GUEST_DEBUG accepts (0 on kernels before 5.16). */
    public static final int CAP_SET_GUEST_DEBUG2 = 195;

    // KVM_SET_GUEST_DEBUG control flags (KVM_GUESTDBG_*, x86)
    public static final int GUESTDBG_ENABLE = 0x1;
    public static final int GUESTDBG_SINGLESTEP = 0x2;
    public static final int GUESTDBG_USE_HW_BP = 0x20000;
    public static final int GUESTDBG_BLOCKIRQ = 0x100000;

    // exit reasons (KVM_EXIT_*)
    public static final int EXIT_UNKNOWN = 0;
    public static final int EXIT_EXCEPTION = 1;
    public static final int EXIT_IO = 2;
    public static final int EXIT_HYPERCALL = 3;
    public static final int EXIT_DEBUG = 4;
    public static final int EXIT_HLT = 5;
    public static final int EXIT_MMIO = 6;
    public static final int EXIT_IRQ_WINDOW_OPEN = 7;
    public static final int EXIT_SHUTDOWN = 8;
    public static final int EXIT_FAIL_ENTRY = 9;
    public static final int EXIT_INTR = 10;
    public static final int EXIT_INTERNAL_ERROR = 17;
    public static final int EXIT_SYSTEM_EVENT = 24;

    public static final int EXIT_IO_IN = 0;
    public static final int EXIT_IO_OUT = 1;

    // internal error sub-reasons (KVM_INTERNAL_ERROR_*)
    public static final int INTERNAL_ERROR_EMULATION = 1;
    public static final int INTERNAL_ERROR_SIMUL_EX = 2;
    public static final int INTERNAL_ERROR_DELIVERY_EV = 3;
    public static final int INTERNAL_ERROR_UNEXPECTED_EXIT_REASON = 4;

    // system event types (KVM_SYSTEM_EVENT_*)
    public static final int SYSTEM_EVENT_SHUTDOWN = 1;
    public static final int SYSTEM_EVENT_RESET = 2;
    public static final int SYSTEM_EVENT_CRASH = 3;

    public static final int MEM_READONLY = 1 << 1;
    public static final int PIT_SPEAKER_DUMMY = 1;

    /** Where the in-kernel IOAPIC answers; KVM offers no way to move it. */
    public static final long IOAPIC_DEFAULT_BASE = 0xfec00000L;
    public static final int IOAPIC_PINS = 24;

    // x86 control and model-specific register bits
    public static final long CR0_PE = 1L;
    public static final long CR0_ET = 1L << 4;
    public static final long CR0_NE = 1L << 5;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;
    /** RFLAGS bit 1 reads as one. */
    public static final long RFLAGS_FIXED = 1L << 1;

    /** The general-protection exception vector. */
    public static final int VECTOR_GP = 13;

    /** kvm_irq_routing_entry.type for a route to an in-kernel interrupt controller pin. */
    public static final int IRQ_ROUTING_IRQCHIP = 1;
    public static final int IRQCHIP_PIC_MASTER = 0;
    public static final int IRQCHIP_PIC_SLAVE = 1;
    public static final int IRQCHIP_IOAPIC = 2;
}
