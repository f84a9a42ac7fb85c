package io.jqvm.accel.kvm;

import io.jqvm.accel.Accelerator;
import io.jqvm.accel.MachineSpec;
import io.jqvm.common.Arch;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;
import io.jqvm.memory.GuestMemory;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery, availability messages and the specs KVM refuses before touching the host. */
class KvmAcceleratorTest {
    @Test
    void isFoundThroughTheServiceLoaderAsKvm() {
        List<String> names = ServiceLoader.load(Accelerator.class).stream().map(p -> p.get().name()).toList();
        assertTrue(names.contains("kvm"), names::toString);
    }

    @Test
    void missingDeviceSaysWhatToDo() {
        assertEquals("/dev/kvm: No such file or directory — load the kvm module or use accel soft", KvmHost.openFailure(2));
        assertEquals("/dev/kvm: Permission denied — give this user read-write access to /dev/kvm (usually the kvm group)"
                + " or use accel soft", KvmHost.openFailure(13));
    }

    @Test
    void aarch64GuestsAreRefusedOnThisHost() {
        Assumptions.assumeTrue(Arch.host() == Arch.X86_64, "the message differs on other hosts");
        assertEquals("kvm runs only x86_64 guests on this x86_64 host, not aarch64 — use accel soft",
                new KvmAccelerator().unavailableReason(Arch.AARCH64));
    }

    @Test
    void aarch64SpecIsRefusedBeforeStart() {
        Assumptions.assumeTrue(Arch.host() == Arch.X86_64, "the message differs on other hosts");
        try (GuestMemory memory = GuestMemory.allocate(List.of(ram(0)))) {
            VmmException e = assertThrows(VmmException.class, () -> new KvmAccelerator().create(
                    MachineSpec.aarch64("t", memory, 1), new RecordingGuestIo()));
            assertEquals(ExitStatus.FATAL_BEFORE_START, e.status());
            assertEquals("kvm: cannot create VM t: kvm runs only x86_64 guests on this x86_64 host, not aarch64"
                    + " — use accel soft", e.getMessage());
        }
    }

    @Test
    void ioapicElsewhereThanKvmsFixedAddressIsRefused() {
        assertRefused("kvm: cannot create VM t: the in-kernel IOAPIC answers only at 0xfec00000, not at 0xfec01000"
                + " — place the ioapic at 0xfec00000", 1, true, false, 0xfec01000L, ram(0));
    }

    @Test
    void pitWithoutIrqChipIsRefused() {
        assertRefused("kvm: cannot create VM t: the in-kernel PIT interrupts through the in-kernel PIC and IOAPIC:"
                + " x86 PIT needs the x86 irq chip", 1, false, true, 0, ram(0));
    }

    @Test
    void memoryOverKvmsPrivatePagesIsRefused() {
        assertRefused("kvm: cannot create VM t: ram 0xfe000000+32M (ram) overlaps 0xfeffc000-0xfeffffff, which KVM keeps"
                + " for its real-mode TSS and identity page table — move the region", 1, false, false, 0, ram(0xfe000000L));
    }

    @Test
    void zeroVcpusIsRefused() {
        assertRefused("kvm: cannot create VM t: a VM needs at least one vCPU, 0 given", 0, false, false, 0, ram(0));
    }

    private static GuestMemory.RegionSpec ram(long base) {
        return new GuestMemory.RegionSpec(base, 32 << 20, false, "ram");
    }

    private static void assertRefused(String message, int vcpus, boolean irqChip, boolean pit, long ioapic,
                                      GuestMemory.RegionSpec region) {
        try (GuestMemory memory = GuestMemory.allocate(List.of(region))) {
            MachineSpec spec = new MachineSpec("t", Arch.X86_64, memory, vcpus, irqChip, pit, ioapic, false);
            VmmException e = assertThrows(VmmException.class, () -> new KvmAccelerator().create(spec, new RecordingGuestIo()));
            assertEquals(ExitStatus.FATAL_BEFORE_START, e.status());
            assertEquals(message, e.getMessage());
        }
    }
}
