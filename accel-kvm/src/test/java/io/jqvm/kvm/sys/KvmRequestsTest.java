package io.jqvm.kvm.sys;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Request numbers against the literal values {@code linux/kvm.h} produces on x86-64 (a C compiler's
 * output for each macro), so that a wrong direction, size or number cannot reach the kernel.
 */
class KvmRequestsTest {
    @Test
    void systemRequests() {
        assertEquals(0xAE00L, KvmRequests.GET_API_VERSION);
        assertEquals(0xAE01L, KvmRequests.CREATE_VM);
        assertEquals(0xAE03L, KvmRequests.CHECK_EXTENSION);
        assertEquals(0xAE04L, KvmRequests.GET_VCPU_MMAP_SIZE);
        assertEquals(0xC008AE05L, KvmRequests.GET_SUPPORTED_CPUID);
    }

    @Test
    void vmRequests() {
        assertEquals(0xAE41L, KvmRequests.CREATE_VCPU);
        assertEquals(0x4020AE46L, KvmRequests.SET_USER_MEMORY_REGION);
        assertEquals(0xAE47L, KvmRequests.SET_TSS_ADDR);
        assertEquals(0x4008AE48L, KvmRequests.SET_IDENTITY_MAP_ADDR);
        assertEquals(0xAE60L, KvmRequests.CREATE_IRQCHIP);
        assertEquals(0x4008AE61L, KvmRequests.IRQ_LINE);
        assertEquals(0x4008AE6AL, KvmRequests.SET_GSI_ROUTING);
        assertEquals(0x4020AE76L, KvmRequests.IRQFD);
        assertEquals(0x4020AEA5L, KvmRequests.SIGNAL_MSI);
        assertEquals(0x4040AE77L, KvmRequests.CREATE_PIT2);
        assertEquals(0x4030AE7BL, KvmRequests.SET_CLOCK);
        assertEquals(0x8030AE7CL, KvmRequests.GET_CLOCK);
    }

    @Test
    void vcpuRequests() {
        assertEquals(0xAE80L, KvmRequests.RUN);
        assertEquals(0x8090AE81L, KvmRequests.GET_REGS);
        assertEquals(0x4090AE82L, KvmRequests.SET_REGS);
        assertEquals(0x8138AE83L, KvmRequests.GET_SREGS);
        assertEquals(0x4138AE84L, KvmRequests.SET_SREGS);
        assertEquals(0x8400AE8EL, KvmRequests.GET_LAPIC);
        assertEquals(0x4400AE8FL, KvmRequests.SET_LAPIC);
        assertEquals(0x4004AE8BL, KvmRequests.SET_SIGNAL_MASK);
        assertEquals(0x4008AE90L, KvmRequests.SET_CPUID2);
        assertEquals(0x8004AE98L, KvmRequests.GET_MP_STATE);
        assertEquals(0x4004AE99L, KvmRequests.SET_MP_STATE);
        assertEquals(0x8040AE9FL, KvmRequests.GET_VCPU_EVENTS);
        assertEquals(0x4040AEA0L, KvmRequests.SET_VCPU_EVENTS);
        assertEquals(0x4048AE9BL, KvmRequests.SET_GUEST_DEBUG);
        assertEquals(0xC018AE85L, KvmRequests.TRANSLATE);
    }

    @Test
    void encodingRefusesFieldsThatDoNotFit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IoctlEncoding.iow(0xAE, 0x46, 1 << 14));
        assertEquals("ioctl type 174, nr 70, size 16384 does not fit the request encoding", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IoctlEncoding.io(0x100, 0));
        assertThrows(IllegalArgumentException.class, () -> IoctlEncoding.ior(0xAE, 0x100, 8));
    }
}
