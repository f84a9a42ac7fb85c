package io.jqvm.accel.kvm;

import io.jqvm.accel.kvm.CpuidTable.Entry;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The per-vCPU topology rewrite, on a table shaped like this AMD host's KVM_GET_SUPPORTED_CPUID. */
class CpuidTableTest {
    private static final List<Entry> SUPPORTED = List.of(
            new Entry(0x0, 0, 0, 0x1c, 0x68747541, 0x444d4163, 0x69746e65),
            new Entry(0x1, 0, 0, 0x00a10f11, 0x01020800, 0x81202000, 0x078bfbff),
            new Entry(0x4, 0, 1, 0x00000121, 0x01c0003f, 0x3f, 0),
            new Entry(0xb, 0, 1, 0, 0, 0, 1),
            new Entry(0x80000008, 0, 0, 0x3030, 0x50020005, 0x7001, 0),
            new Entry(0x8000001e, 0, 0, 0, 0, 0, 0),
            new Entry(0x80000001, 0, 0, 0x00a10f11, 0x40000000, 0x00400393, 0x23d3fbff));

    private static CpuidTable table() {
        try (Arena arena = Arena.ofConfined()) {
            return CpuidTable.fromKvm(CpuidTable.toKvm(SUPPORTED, arena));
        }
    }

    private static Entry find(List<Entry> entries, int function, int index) {
        return entries.stream().filter(e -> e.function() == function && e.index() == index).findFirst().orElseThrow();
    }

    @Test
    void leafOneCarriesTheApicIdAndPackageSize() {
        List<Entry> vcpu2 = table().forVcpu(2, 3, true);
        Entry leaf1 = find(vcpu2, 0x1, 0);
        assertEquals(0x02040800, leaf1.ebx()); // APIC id 2, 4 addressable ids, CLFLUSH and brand kept
        assertEquals(0x078bfbff | 1 << 28, leaf1.edx()); // HTT: more than one logical CPU
        assertEquals(0x81202000, leaf1.ecx());
    }

    @Test
    void withoutLocalApicTheApicFeaturesAreHidden() {
        Entry leaf1 = find(table().forVcpu(0, 1, false), 0x1, 0);
        assertEquals(0, leaf1.edx() & (1 << 9 | 1 << 28));
        assertEquals(0, leaf1.ecx() & (1 << 21 | 1 << 24));
        assertEquals(0x00010800, leaf1.ebx()); // APIC id 0, one logical CPU
    }

    @Test
    void extendedTopologyHasSmtCoreAndEndLevels() {
        List<Entry> vcpu3 = table().forVcpu(3, 4, true);
        assertEquals(new Entry(0xb, 0, 1, 0, 1, 0x100, 3), find(vcpu3, 0xb, 0));
        assertEquals(new Entry(0xb, 1, 1, 2, 4, 0x201, 3), find(vcpu3, 0xb, 1));
        assertEquals(new Entry(0xb, 2, 1, 0, 0, 2, 3), find(vcpu3, 0xb, 2));
    }

    @Test
    void amdLeavesCountCoresAndNameTheApicId() {
        List<Entry> vcpu1 = table().forVcpu(1, 4, true);
        assertEquals(0x2003, find(vcpu1, 0x80000008, 0).ecx()); // 4 cores, 2 APIC id bits
        assertEquals(new Entry(0x8000001e, 0, 0, 1, 1, 0, 0), find(vcpu1, 0x8000001e, 0));
        assertEquals((3 << 26) | 0x121, find(vcpu1, 0x4, 0).eax());
        assertEquals(SUPPORTED.get(6), find(vcpu1, 0x80000001, 0));
    }
}
