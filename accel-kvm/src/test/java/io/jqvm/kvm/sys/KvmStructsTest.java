package io.jqvm.kvm.sys;

import org.junit.jupiter.api.Test;

import static io.jqvm.kvm.sys.KvmStructs.offset;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Sizes and offsets as a C compiler lays out {@code linux/kvm.h} on x86-64. */
class KvmStructsTest {
    @Test
    void sizes() {
        assertEquals(144, KvmStructs.REGS.byteSize());
        assertEquals(8, KvmStructs.IRQ_ROUTING.byteSize());
        assertEquals(48, KvmStructs.IRQ_ROUTING_ENTRY.byteSize());
        assertEquals(24, KvmStructs.SEGMENT.byteSize());
        assertEquals(16, KvmStructs.DTABLE.byteSize());
        assertEquals(312, KvmStructs.SREGS.byteSize());
        assertEquals(32, KvmStructs.USERSPACE_MEMORY_REGION.byteSize());
        assertEquals(8, KvmStructs.CPUID2.byteSize());
        assertEquals(40, KvmStructs.CPUID_ENTRY2.byteSize());
        assertEquals(8, KvmStructs.IRQ_LEVEL.byteSize());
        assertEquals(64, KvmStructs.PIT_CONFIG.byteSize());
        assertEquals(48, KvmStructs.CLOCK_DATA.byteSize());
        assertEquals(32, KvmStructs.IRQFD.byteSize());
        assertEquals(32, KvmStructs.MSI.byteSize());
        assertEquals(64, KvmStructs.VCPU_EVENTS.byteSize());
        assertEquals(4, KvmStructs.MP_STATE.byteSize());
        assertEquals(4, KvmStructs.SIGNAL_MASK.byteSize());
        assertEquals(1024, KvmStructs.LAPIC_STATE.byteSize());
        assertEquals(2352, KvmStructs.RUN.byteSize());
        assertEquals(72, KvmStructs.GUEST_DEBUG.byteSize());
        assertEquals(24, KvmStructs.TRANSLATION.byteSize());
    }

    @Test
    void kvmRunOffsets() {
        assertEquals(1, offset(KvmStructs.RUN, "immediate_exit"));
        assertEquals(8, offset(KvmStructs.RUN, "exit_reason"));
        assertEquals(16, offset(KvmStructs.RUN, "cr8"));
        assertEquals(24, offset(KvmStructs.RUN, "apic_base"));
        assertEquals(32, offset(KvmStructs.RUN, "exit", "io", "direction"));
        assertEquals(32, offset(KvmStructs.RUN, "exit", "debug", "exception"));
        assertEquals(40, offset(KvmStructs.RUN, "exit", "debug", "pc"));
        assertEquals(48, offset(KvmStructs.RUN, "exit", "debug", "dr6"));
        assertEquals(56, offset(KvmStructs.RUN, "exit", "debug", "dr7"));
        assertEquals(33, offset(KvmStructs.RUN, "exit", "io", "size"));
        assertEquals(34, offset(KvmStructs.RUN, "exit", "io", "port"));
        assertEquals(36, offset(KvmStructs.RUN, "exit", "io", "count"));
        assertEquals(40, offset(KvmStructs.RUN, "exit", "io", "data_offset"));
        assertEquals(32, offset(KvmStructs.RUN, "exit", "mmio", "phys_addr"));
        assertEquals(40, offset(KvmStructs.RUN, "exit", "mmio", "data"));
        assertEquals(48, offset(KvmStructs.RUN, "exit", "mmio", "len"));
        assertEquals(52, offset(KvmStructs.RUN, "exit", "mmio", "is_write"));
        assertEquals(32, offset(KvmStructs.RUN, "exit", "fail_entry", "hardware_entry_failure_reason"));
        assertEquals(40, offset(KvmStructs.RUN, "exit", "fail_entry", "cpu"));
        assertEquals(32, offset(KvmStructs.RUN, "exit", "internal", "suberror"));
        assertEquals(36, offset(KvmStructs.RUN, "exit", "internal", "ndata"));
        assertEquals(40, offset(KvmStructs.RUN, "exit", "internal", "data"));
        assertEquals(32, offset(KvmStructs.RUN, "exit", "system_event", "type"));
        assertEquals(40, offset(KvmStructs.RUN, "exit", "system_event", "data"));
        assertEquals(288, offset(KvmStructs.RUN, "kvm_valid_regs"));
        assertEquals(304, offset(KvmStructs.RUN, "s"));
    }

    @Test
    void registerOffsets() {
        assertEquals(128, offset(KvmStructs.REGS, "rip"));
        assertEquals(136, offset(KvmStructs.REGS, "rflags"));
        assertEquals(12, offset(KvmStructs.SEGMENT, "selector"));
        assertEquals(14, offset(KvmStructs.SEGMENT, "type"));
        assertEquals(19, offset(KvmStructs.SEGMENT, "l"));
        assertEquals(22, offset(KvmStructs.SEGMENT, "unusable"));
        assertEquals(120, offset(KvmStructs.SREGS, "ss"));
        assertEquals(144, offset(KvmStructs.SREGS, "tr"));
        assertEquals(192, offset(KvmStructs.SREGS, "gdt"));
        assertEquals(200, offset(KvmStructs.SREGS, "gdt", "limit"));
        assertEquals(208, offset(KvmStructs.SREGS, "idt"));
        assertEquals(224, offset(KvmStructs.SREGS, "cr0"));
        assertEquals(240, offset(KvmStructs.SREGS, "cr3"));
        assertEquals(248, offset(KvmStructs.SREGS, "cr4"));
        assertEquals(264, offset(KvmStructs.SREGS, "efer"));
        assertEquals(272, offset(KvmStructs.SREGS, "apic_base"));
        assertEquals(280, offset(KvmStructs.SREGS, "interrupt_bitmap"));
    }

    @Test
    void otherOffsets() {
        assertEquals(8, offset(KvmStructs.USERSPACE_MEMORY_REGION, "guest_phys_addr"));
        assertEquals(24, offset(KvmStructs.USERSPACE_MEMORY_REGION, "userspace_addr"));
        assertEquals(12, offset(KvmStructs.CPUID_ENTRY2, "eax"));
        assertEquals(24, offset(KvmStructs.CPUID_ENTRY2, "edx"));
        assertEquals(4, offset(KvmStructs.IRQ_LEVEL, "level"));
        assertEquals(4, offset(KvmStructs.IRQFD, "gsi"));
        assertEquals(12, offset(KvmStructs.IRQFD, "resamplefd"));
        assertEquals(8, offset(KvmStructs.MSI, "data"));
        assertEquals(16, offset(KvmStructs.MSI, "devid"));
        assertEquals(4, offset(KvmStructs.VCPU_EVENTS, "exception", "error_code"));
        assertEquals(8, offset(KvmStructs.VCPU_EVENTS, "interrupt"));
        assertEquals(12, offset(KvmStructs.VCPU_EVENTS, "nmi"));
        assertEquals(16, offset(KvmStructs.VCPU_EVENTS, "sipi_vector"));
        assertEquals(20, offset(KvmStructs.VCPU_EVENTS, "flags"));
        assertEquals(24, offset(KvmStructs.VCPU_EVENTS, "smi"));
        assertEquals(28, offset(KvmStructs.VCPU_EVENTS, "triple_fault"));
        assertEquals(55, offset(KvmStructs.VCPU_EVENTS, "exception_has_payload"));
        assertEquals(56, offset(KvmStructs.VCPU_EVENTS, "exception_payload"));
    }
}
