package io.jqvm.vmm.pass.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.memory.GuestRegion;
import io.jqvm.vmm.pass.PassThroughException;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Opening and releasing a VFIO device against the recorded fake of the kernel interface. */
class VfioPciDeviceTest {
    private final Arena arena = Arena.ofAuto();
    private final List<GuestRegion> ram = List.of(
            new GuestRegion(0x4000_0000L, 0x20_0000, false, arena.allocate(0x20_0000, 4096), "ram"),
            new GuestRegion(0x0, 0x1000, true, arena.allocate(0x1000, 4096), "rom"));

    @Test
    void theKernelSequenceFromContainerToDmaAndBackInReverse() {
        FakeVfioKernel kernel = new FakeVfioKernel();
        VfioPciDevice device = VfioPciDevice.open(kernel, FakeVfioKernel.NAME, FakeVfioKernel.GROUP, ram);
        assertEquals(List.of(
                "open /dev/vfio/vfio",
                "VFIO_GET_API_VERSION",
                "VFIO_CHECK_EXTENSION 3",
                "open /dev/vfio/7",
                "VFIO_GROUP_GET_STATUS",
                "VFIO_GROUP_SET_CONTAINER",
                "VFIO_SET_IOMMU 3",
                "VFIO_GROUP_GET_DEVICE_FD 0000:01:00.0",
                "VFIO_DEVICE_GET_INFO",
                "VFIO_DEVICE_GET_REGION_INFO 0", "VFIO_DEVICE_GET_REGION_INFO 1", "VFIO_DEVICE_GET_REGION_INFO 2",
                "VFIO_DEVICE_GET_REGION_INFO 3", "VFIO_DEVICE_GET_REGION_INFO 4", "VFIO_DEVICE_GET_REGION_INFO 5",
                "VFIO_DEVICE_GET_REGION_INFO 6", "VFIO_DEVICE_GET_REGION_INFO 7",
                "VFIO_DEVICE_GET_IRQ_INFO 0", "VFIO_DEVICE_GET_IRQ_INFO 1", "VFIO_DEVICE_GET_IRQ_INFO 2",
                "VFIO_DEVICE_RESET",
                "VFIO_IOMMU_MAP_DMA 40000000+200000 rw",
                "VFIO_IOMMU_MAP_DMA 0+1000 r"), kernel.calls, "guest RAM at IOVA = guest-physical, ROM read-only");
        assertEquals(1, kernel.resets, "a reset on start");
        assertEquals(4096, device.region(0).size());
        assertEquals(4, device.irq(VfioKernel.PCI_MSIX_IRQ).count());
        kernel.calls.clear();
        device.close();
        assertEquals(List.of(
                "VFIO_IOMMU_UNMAP_DMA 0+1000",
                "VFIO_IOMMU_UNMAP_DMA 40000000+200000",
                "close device",
                "VFIO_GROUP_UNSET_CONTAINER",
                "close group",
                "close container"), kernel.calls);
        assertTrue(kernel.openDescriptors().isEmpty(), "released: " + kernel.openDescriptors());
        assertTrue(kernel.dma.isEmpty(), "no mapping of guest memory outlives the VM");
    }

    @Test
    void aGroupThatIsNotViableIsRefusedAndNothingStaysOpen() {
        FakeVfioKernel kernel = new FakeVfioKernel();
        kernel.viable = false;
        PassThroughException e = assertThrows(PassThroughException.class,
                () -> VfioPciDevice.open(kernel, FakeVfioKernel.NAME, FakeVfioKernel.GROUP, ram));
        assertTrue(e.getMessage().contains("IOMMU group 7 is not viable"), e.getMessage());
        assertTrue(kernel.openDescriptors().isEmpty(), kernel.openDescriptors().toString());
    }

    @Test
    void aHostWithoutAnIommuIsRefused() {
        FakeVfioKernel kernel = new FakeVfioKernel();
        kernel.iommu = false;
        PassThroughException e = assertThrows(PassThroughException.class,
                () -> VfioPciDevice.open(kernel, FakeVfioKernel.NAME, FakeVfioKernel.GROUP, ram));
        assertTrue(e.getMessage().contains("no type-1 IOMMU"), e.getMessage());
        assertTrue(kernel.openDescriptors().isEmpty());
    }

    @Test
    void aRefusedDmaMappingUndoesTheOthersAndClosesEverythingOnce() {
        FakeVfioKernel kernel = new FakeVfioKernel();
        List<GuestRegion> overlapping = List.of(ram.getFirst(),
                new GuestRegion(0x4010_0000L, 0x1000, false, arena.allocate(0x1000, 4096), "overlap"));
        PassThroughException e = assertThrows(PassThroughException.class,
                () -> VfioPciDevice.open(kernel, FakeVfioKernel.NAME, FakeVfioKernel.GROUP, overlapping));
        assertTrue(e.getMessage().startsWith("0000:01:00.0: VFIO_IOMMU_MAP_DMA"), e.getMessage());
        assertTrue(kernel.dma.isEmpty(), "the first mapping undone: " + kernel.dma);
        assertTrue(kernel.openDescriptors().isEmpty(), kernel.openDescriptors().toString());
        assertEquals(1, kernel.calls.stream().filter(c -> c.equals("close container")).count(), "closed once");
    }

    @Test
    void aLockedMemoryLimitBelowTheGuestsRamSaysHowToRaiseIt() {
        FakeVfioKernel kernel = new FakeVfioKernel();
        kernel.memlock = 0x10_0000;
        PassThroughException e = assertThrows(PassThroughException.class,
                () -> VfioPciDevice.open(kernel, FakeVfioKernel.NAME, FakeVfioKernel.GROUP, ram));
        assertTrue(e.getMessage().contains("raise the locked-memory limit (ulimit -l"), e.getMessage());
        assertTrue(kernel.openDescriptors().isEmpty());
    }

    @Test
    void aKernelRefusalNamesTheDeviceAndTheCall() {
        FakeVfioKernel kernel = new FakeVfioKernel();
        PassThroughException e = assertThrows(PassThroughException.class,
                () -> VfioPciDevice.open(kernel, "0000:02:00.0", FakeVfioKernel.GROUP, ram));
        assertTrue(e.getMessage().startsWith("0000:02:00.0: VFIO_GROUP_GET_DEVICE_FD(0000:02:00.0)"), e.getMessage());
        assertTrue(kernel.openDescriptors().isEmpty());
    }
}
