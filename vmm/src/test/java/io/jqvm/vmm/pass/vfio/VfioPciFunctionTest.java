package io.jqvm.vmm.pass.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.pci.PciConfigSpace;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The virtualised configuration space and BARs of a VFIO device, against the fake's simulated device. */
class VfioPciFunctionTest {
    final FakeVfioKernel kernel = new FakeVfioKernel();
    final List<long[]> messages = new ArrayList<>();
    final VfioPciFunction function = new VfioPciFunction(
            VfioPciDevice.open(kernel, FakeVfioKernel.NAME, FakeVfioKernel.GROUP, List.of()),
            (address, data) -> messages.add(new long[] {address, data}));
    final PciConfigSpace config = function.config();

    private void write(int offset, int size, long value) {
        if (config.write(offset, size, value)) {
            function.configWritten(offset, size);
        }
    }

    @Test
    void identityAndPinAreTheDevicesAndBarsAreRelocatedNotWrittenThrough() {
        assertEquals(FakeVfioKernel.VENDOR, config.read(0, 2));
        assertEquals(FakeVfioKernel.DEVICE, config.read(2, 2));
        assertEquals(0x020000, config.get(0x09, 3));
        assertEquals(1, config.read(PciConfigSpace.INTERRUPT_PIN, 1));
        assertEquals(0, config.read(0x10, 4), "the guest never sees the host's BAR address");
        write(0x10, 4, 0xffff_ffffL);
        assertEquals(0xffff_f000L, config.read(0x10, 4), "sizing: 4 KiB, 32-bit memory");
        write(0x18, 4, 0xffff_ffffL);
        write(0x1c, 4, 0xffff_ffffL);
        assertEquals(0xffff_c00cL, config.read(0x18, 4), "16 KiB, 64-bit prefetchable");
        assertEquals(0xffff_ffffL, config.read(0x1c, 4));
        write(0x20, 4, 0xffff_ffffL);
        assertEquals(0xffff_ffe1L, config.read(0x20, 4), "32 ports");
        write(0x10, 4, 0x1000_0000L);
        assertEquals(0x1000_0000L, config.barAddress(0));
        assertTrue(kernel.configWrites.isEmpty(), "BAR writes stay virtual");
        assertEquals(FakeVfioKernel.HOST_BAR0, kernel.get(kernel.config, 0x10, 4));
    }

    @Test
    void onlyTheCommandBitsAGuestMayControlReachTheDevice() {
        write(PciConfigSpace.COMMAND, 2, 0xffff);
        assertEquals(1, kernel.configWrites.size());
        long[] w = kernel.configWrites.getFirst();
        assertEquals(PciConfigSpace.COMMAND, w[0]);
        assertEquals(2, w[1]);
        assertEquals(0x0400 | 0x7 | 0x0400, w[2], "IO, memory, bus master, INTx disable from the guest");
        write(PciConfigSpace.COMMAND, 2, 0);
        assertEquals(0, kernel.configWrites.get(1)[2] & VfioPciFunction.PASSED_COMMAND_BITS);
        write(PciConfigSpace.COMMAND, 2, 0x0100); // SERR# enable: the guest's own copy only
        assertEquals(0, kernel.configWrites.get(2)[2] & 0x0100, "the host's SERR setting (off here) is kept");
    }

    @Test
    void ofTheCapabilitiesOnlyMsixIsShownAndItIsEmulated() {
        assertEquals(0x10, config.read(PciConfigSpace.STATUS, 2) & 0x10);
        int at = (int) config.read(PciConfigSpace.CAPABILITIES_POINTER, 1);
        assertEquals(0x11, config.read(at, 1), "MSI-X");
        assertEquals(0, config.read(at + 1, 1), "and nothing after it: PM, MSI, PCIe, vendor hidden");
        assertEquals(3, config.read(at + 2, 2) & 0x7ff, "4 vectors, as the device");
        assertEquals(2, config.read(at + 4, 4), "table in BAR 2 at 0");
        // The guest programs vector 1 and enables MSI-X; the table lives in the emulation, not the device.
        function.writeBar(0, 2, 16, 4, 0x0802_0040L);
        function.writeBar(0, 2, 20, 4, 0);
        function.writeBar(0, 2, 24, 4, 0x61);
        function.writeBar(0, 2, 28, 4, 0);
        assertEquals(0x61, function.readBar(0, 2, 24, 4));
        write(at + 2, 2, 1 << 15);
        function.msix().signal(1);
        assertEquals(1, messages.size());
        assertEquals(0x0802_0040L, messages.getFirst()[0]);
        assertEquals(0x61, messages.getFirst()[1]);
    }

    @Test
    void barAccessesReachTheDeviceRegionWithinItsBounds() {
        function.writeBar(0, 0, 0x100, 4, 0xcafe_f00dL);
        assertEquals(0xcafe_f00dL, kernel.get(kernel.bar0, 0x100, 4));
        assertEquals(0xcafe_f00dL, function.readBar(0, 0, 0x100, 4));
        assertEquals(0xffff_ffffL, function.readBar(0, 0, 4094, 4), "past the region's end: no access");
        function.writeBar(0, 0, 4095, 2, 0x1234); // dropped
        assertEquals(0, kernel.get(kernel.bar0, 4095, 1));
    }
}
