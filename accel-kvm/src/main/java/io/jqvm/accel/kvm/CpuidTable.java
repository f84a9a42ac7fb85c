package io.jqvm.accel.kvm;

import io.jqvm.kvm.sys.KvmStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The CPUID leaves one vCPU sees: what KVM supports on this host, with the topology rewritten so that
 * each vCPU is one core of a single package, identified by its APIC id (= its vCPU index).
 */
final class CpuidTable {
    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the leaf has sub-leaves selected by ECX. */
    private static final int FLAG_SIGNIFICANT_INDEX = 1;
    private static final int LEAF_FEATURES = 0x1;
    private static final int LEAF_CACHE_PARAMETERS = 0x4;
    private static final int LEAF_TOPOLOGY = 0xb;
    private static final int LEAF_TOPOLOGY_V2 = 0x1f;
    private static final int LEAF_AMD_SIZES = 0x80000008;
    private static final int LEAF_AMD_TOPOLOGY = 0x8000001e;
    private static final int LEAF1_EDX_APIC = 1 << 9;
    private static final int LEAF1_EDX_HTT = 1 << 28;
    private static final int LEAF1_ECX_X2APIC = 1 << 21;
    private static final int LEAF1_ECX_TSC_DEADLINE = 1 << 24;
    private static final int TOPOLOGY_LEVEL_SMT = 1;
    private static final int TOPOLOGY_LEVEL_CORE = 2;

    private static final long ENTRY_BYTES = KvmStructs.CPUID_ENTRY2.byteSize();
    private static final long HEADER_BYTES = KvmStructs.CPUID2.byteSize();
    private static final long FUNCTION = KvmStructs.offset(KvmStructs.CPUID_ENTRY2, "function");
    private static final long INDEX = KvmStructs.offset(KvmStructs.CPUID_ENTRY2, "index");
    private static final long FLAGS = KvmStructs.offset(KvmStructs.CPUID_ENTRY2, "flags");
    private static final long EAX = KvmStructs.offset(KvmStructs.CPUID_ENTRY2, "eax");
    private static final long EBX = KvmStructs.offset(KvmStructs.CPUID_ENTRY2, "ebx");
    private static final long ECX = KvmStructs.offset(KvmStructs.CPUID_ENTRY2, "ecx");
    private static final long EDX = KvmStructs.offset(KvmStructs.CPUID_ENTRY2, "edx");

    /** One CPUID leaf (and sub-leaf) as {@code kvm_cpuid_entry2} holds it. */
    record Entry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    }

    private final List<Entry> supported;

    private CpuidTable(List<Entry> supported) {
        this.supported = supported;
    }

    /** Reads a {@code kvm_cpuid2} as KVM_GET_SUPPORTED_CPUID filled it. */
    static CpuidTable fromKvm(MemorySegment cpuid2) {
        int count = cpuid2.get(JAVA_INT, 0);
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            MemorySegment e = cpuid2.asSlice(HEADER_BYTES + i * ENTRY_BYTES, ENTRY_BYTES);
            entries.add(new Entry(e.get(JAVA_INT, FUNCTION), e.get(JAVA_INT, INDEX), e.get(JAVA_INT, FLAGS),
                    e.get(JAVA_INT, EAX), e.get(JAVA_INT, EBX), e.get(JAVA_INT, ECX), e.get(JAVA_INT, EDX)));
        }
        return new CpuidTable(List.copyOf(entries));
    }

    /**
     * The leaves for the vCPU with APIC id {@code apicId} of {@code vcpuCount}; {@code localApic} false
     * hides the APIC features when no interrupt controller is emulated.
     */
    List<Entry> forVcpu(int apicId, int vcpuCount, boolean localApic) {
        int coreBits = 32 - Integer.numberOfLeadingZeros(Math.max(vcpuCount - 1, 0));
        List<Entry> out = new ArrayList<>();
        for (Entry e : supported) {
            switch (e.function) {
                case LEAF_FEATURES -> {
                    int logicalPerPackage = Math.min(1 << coreBits, 255);
                    int ebx = (e.ebx & 0xffff) | logicalPerPackage << 16 | apicId << 24;
                    int ecx = localApic ? e.ecx : e.ecx & ~(LEAF1_ECX_X2APIC | LEAF1_ECX_TSC_DEADLINE);
                    int edx = localApic ? e.edx : e.edx & ~LEAF1_EDX_APIC;
                    edx = vcpuCount > 1 ? edx | LEAF1_EDX_HTT : edx & ~LEAF1_EDX_HTT;
                    out.add(new Entry(e.function, e.index, e.flags, e.eax, ebx, ecx, edx));
                }
                case LEAF_CACHE_PARAMETERS -> {
                    // bits 31:26: addressable core ids in the package, minus one
                    int eax = e.eax == 0 ? 0 : (e.eax & 0x03ffffff) | ((1 << coreBits) - 1) << 26;
                    out.add(new Entry(e.function, e.index, e.flags, eax, e.ebx, e.ecx, e.edx));
                }
                case LEAF_TOPOLOGY, LEAF_TOPOLOGY_V2 -> {
                    if (e.index == 0) {
                        addTopologyLevels(out, e.function, apicId, vcpuCount, coreBits);
                    }
                }
                case LEAF_AMD_SIZES -> {
                    int ecx = (e.ecx & ~0xf0ff) | coreBits << 12 | (vcpuCount - 1);
                    out.add(new Entry(e.function, e.index, e.flags, e.eax, e.ebx, ecx, e.edx));
                }
                case LEAF_AMD_TOPOLOGY -> out.add(new Entry(e.function, e.index, e.flags, apicId, apicId & 0xff, 0, 0));
                default -> out.add(e);
            }
        }
        return out;
    }

    /** Leaf 0xB/0x1F: an SMT level of one thread, a core level of all vCPUs, then the terminating level. */
    private static void addTopologyLevels(List<Entry> out, int function, int apicId, int vcpuCount, int coreBits) {
        out.add(new Entry(function, 0, FLAG_SIGNIFICANT_INDEX, 0, 1, TOPOLOGY_LEVEL_SMT << 8, apicId));
        out.add(new Entry(function, 1, FLAG_SIGNIFICANT_INDEX, coreBits, vcpuCount, TOPOLOGY_LEVEL_CORE << 8 | 1, apicId));
        out.add(new Entry(function, 2, FLAG_SIGNIFICANT_INDEX, 0, 0, 2, apicId));
    }

    /** Writes {@code entries} as a {@code kvm_cpuid2} for KVM_SET_CPUID2. */
    static MemorySegment toKvm(List<Entry> entries, Arena arena) {
        MemorySegment cpuid2 = arena.allocate(HEADER_BYTES + entries.size() * ENTRY_BYTES, 8);
        cpuid2.set(JAVA_INT, 0, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            MemorySegment s = cpuid2.asSlice(HEADER_BYTES + i * ENTRY_BYTES, ENTRY_BYTES);
            s.set(JAVA_INT, FUNCTION, e.function);
            s.set(JAVA_INT, INDEX, e.index);
            s.set(JAVA_INT, FLAGS, e.flags);
            s.set(JAVA_INT, EAX, e.eax);
            s.set(JAVA_INT, EBX, e.ebx);
            s.set(JAVA_INT, ECX, e.ecx);
            s.set(JAVA_INT, EDX, e.edx);
        }
        return cpuid2;
    }
}
