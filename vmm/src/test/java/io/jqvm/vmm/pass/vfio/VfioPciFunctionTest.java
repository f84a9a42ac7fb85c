package io.jqvm.vmm.pass.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.GuestMappings;
import io.jqvm.device.IrqLine;
import io.jqvm.device.pci.PciConfigSpace;
import io.jqvm.vmm.pass.EmulatedLineDelivery;
import io.jqvm.vmm.pass.Eventfds;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The virtualised configuration space, the BARs (mapped and trapped) and the interrupts of a VFIO device, against
 * the fake's simulated device.
 */
class VfioPciFunctionTest {
    static final long GUEST_BAR0 = 0x1000_0000L;
    static final long GUEST_BAR2 = 0x1_0000_0000L;

    final FakeVfioKernel kernel = new FakeVfioKernel();
    final List<long[]> messages = new CopyOnWriteArrayList<>();
    final VfioPciDevice device = VfioPciDevice.open(kernel, FakeVfioKernel.NAME, FakeVfioKernel.GROUP, List.of());
    final VfioPciFunction function = new VfioPciFunction(device, (address, data) -> messages.add(new long[] {address, data}),
            "test-msix");
    final PciConfigSpace config = function.config();

    /** The guest-physical map as the accelerator would hold it: page-aligned pieces that never overlap. */
    static final class Mappings implements GuestMappings {
        final TreeMap<Long, MemorySegment> map = new TreeMap<>();
        boolean refuse;

        @Override
        public void map(long gpa, MemorySegment host, String owner) {
            if (refuse) {
                throw new IllegalArgumentException("guest-physical " + Long.toHexString(gpa) + " overlaps a mapped region");
            }
            assertEquals(0, gpa % 4096);
            assertEquals(0, host.byteSize() % 4096);
            Map.Entry<Long, MemorySegment> below = map.floorEntry(gpa + host.byteSize() - 1);
            if (below != null && below.getKey() + below.getValue().byteSize() > gpa) {
                throw new IllegalArgumentException("guest-physical " + Long.toHexString(gpa) + " overlaps a mapped region");
            }
            map.put(gpa, host);
        }

        @Override
        public void unmap(long gpa) {
            assertTrue(map.remove(gpa) != null, "unmap of " + Long.toHexString(gpa) + ", which is not mapped");
        }
    }

    @AfterEach
    void release() {
        function.close();
        device.close();
        assertTrue(kernel.openDescriptors().isEmpty(), kernel.openDescriptors().toString());
        assertTrue(kernel.mappings().isEmpty(), "every BAR mmap undone");
    }

    private void write(int offset, int size, long value) {
        if (config.write(offset, size, value)) {
            function.configWritten(offset, size);
        }
    }

    private void placeBarsAndDecode() {
        write(0x10, 4, GUEST_BAR0);
        write(0x18, 4, GUEST_BAR2 & 0xffff_ffffL);
        write(0x1c, 4, GUEST_BAR2 >>> 32);
        write(PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_BUS_MASTER);
    }

    private int msixCapability() {
        return (int) config.read(PciConfigSpace.CAPABILITIES_POINTER, 1);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 6_000 && !condition.getAsBoolean(); i++) { // up to 30 s: a loaded host is slow, never wrong
            Thread.sleep(5);
        }
        assertTrue(condition.getAsBoolean(), what);
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
        int at = msixCapability();
        assertEquals(0x11, config.read(at, 1), "MSI-X");
        assertEquals(0, config.read(at + 1, 1), "and nothing after it: PM, MSI, PCIe, vendor hidden");
        assertEquals(3, config.read(at + 2, 2) & 0x7ff, "4 vectors, as the device");
        assertEquals(2, config.read(at + 4, 4), "table in BAR 2 at 0");
        function.writeBar(0, 2, 16, 4, 0x0802_0040L);
        function.writeBar(0, 2, 24, 4, 0x61);
        assertEquals(0x61, function.readBar(0, 2, 24, 4));
        assertEquals(0, kernel.bar2.get(ValueLayout.JAVA_INT, 24), "the table lives in the emulation, not the device");
    }

    @Test
    void trappedBarAccessesReachTheDeviceRegionWithinItsBounds() {
        function.writeBar(0, 0, 0x100, 4, 0xcafe_f00dL);
        assertEquals(0xcafe_f00dL, Integer.toUnsignedLong(kernel.bar0.get(ValueLayout.JAVA_INT, 0x100)));
        assertEquals(0xcafe_f00dL, function.readBar(0, 0, 0x100, 4));
        assertEquals(0xffff_ffffL, function.readBar(0, 0, 4094, 4), "past the region's end: no access");
        function.writeBar(0, 0, 4095, 2, 0x1234); // dropped
        assertEquals(0, kernel.bar0.get(ValueLayout.JAVA_BYTE, 4095));
        function.writeBar(0, 4, 2, 2, 0xbeef);
        assertEquals(0xbeef, function.readBar(0, 4, 2, 2), "the I/O BAR is forwarded");
        assertEquals(0xbeef, kernel.get(kernel.ports, 2, 2));
    }

    @Test
    void mmapableBarsAreMappedWhereTheGuestPutsThemButTheMsixPageStaysTrapped() {
        Mappings guest = new Mappings();
        function.attach(guest);
        assertTrue(guest.map.isEmpty(), "no BAR placed, no decode: nothing mapped");
        assertTrue(kernel.calls.contains("mmap 0+0 1000") && kernel.calls.contains("mmap 2+0 4000"), kernel.calls.toString());
        placeBarsAndDecode();
        assertEquals(List.of(GUEST_BAR0, GUEST_BAR2 + 0x1000), List.copyOf(guest.map.keySet()),
                "BAR 0 whole; BAR 2 but its first page (MSI-X table and pending bits)");
        assertEquals(0x3000, guest.map.get(GUEST_BAR2 + 0x1000).byteSize());
        guest.map.get(GUEST_BAR0).set(ValueLayout.JAVA_INT, 0x40, 0x1234_5678);
        assertEquals(0x1234_5678, kernel.bar0.get(ValueLayout.JAVA_INT, 0x40), "a guest store through the mapping reaches the device");
        assertEquals(0x1234_5678, function.readBar(0, 0, 0x40, 4), "and the trapped path sees the same registers");
        assertEquals(GUEST_BAR0, function.barMappedAt(0));

        write(0x10, 4, 0x2000_0000L);
        assertEquals(List.of(0x2000_0000L, GUEST_BAR2 + 0x1000), List.copyOf(guest.map.keySet()), "BAR 0 moved");
        write(PciConfigSpace.COMMAND, 2, 0);
        assertTrue(guest.map.isEmpty(), "memory decode off: nothing mapped");
        guest.refuse = true;
        write(PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY);
        assertEquals(-1, function.barMappedAt(0), "a refused mapping leaves the BAR trapped");
        function.writeBar(0, 0, 0x44, 4, 0x55);
        assertEquals(0x55, kernel.bar0.get(ValueLayout.JAVA_INT, 0x44));
    }

    @Test
    void barsPlacedBeforeTheVmRunsAreMappedWhenItDoes() {
        placeBarsAndDecode(); // the PC board's firmware work, done at assembly
        Mappings guest = new Mappings();
        function.attach(guest);
        assertEquals(2, guest.map.size());
    }

    @Test
    void intxReachesTheGuestLineAndTheGuestsEndOfInterruptUnmasksIt() throws Exception {
        assertTrue(kernel.calls.containsAll(List.of("VFIO_DEVICE_SET_IRQS 0 trigger 0+1", "VFIO_DEVICE_SET_IRQS 0 unmask")));
        List<Runnable> endOfInterrupt = new ArrayList<>();
        boolean[] level = new boolean[1];
        IrqLine line = new IrqLine() {
            @Override
            public synchronized void set(boolean high) {
                level[0] = high;
            }
        };
        try (EmulatedLineDelivery delivery = new EmulatedLineDelivery(function.intx(), line,
                (n, callback) -> endOfInterrupt.add(callback), 35, "test-intx")) {
            assertTrue(kernel.raiseIntx());
            await(() -> { synchronized (line) { return level[0]; } }, "the guest line rises");
            assertFalse(kernel.raiseIntx(), "vfio-pci keeps INTx masked until the guest has handled it");
            endOfInterrupt.getFirst().run();
            synchronized (line) {
                assertFalse(level[0], "the end of interrupt lowers the line");
            }
            assertTrue(kernel.serviceUnmask(), "and signals the unmask eventfd");
            assertTrue(kernel.raiseIntx(), "unmasked: the next interrupt is delivered");
        }
    }

    @Test
    void msixVectorsBecomeTheGuestsMessagesHeldWhileMaskedAndIntxStepsAside() throws Exception {
        int at = msixCapability();
        function.writeBar(0, 2, 32, 4, 0x0802_0040L); // vector 2: address, data, unmasked
        function.writeBar(0, 2, 36, 4, 0);
        function.writeBar(0, 2, 40, 4, 0x62);
        function.writeBar(0, 2, 44, 4, 0);
        kernel.calls.clear();
        write(at + 2, 2, 1 << 15);
        assertEquals(List.of("VFIO_DEVICE_SET_IRQS 0 off", "VFIO_DEVICE_SET_IRQS 2 trigger 0+4"), kernel.calls,
                "vfio-pci takes one type at a time: INTx off, then every vector an eventfd");
        assertTrue(kernel.raiseMsix(2));
        await(() -> messages.size() == 1, "vector 2 arrives as its message");
        assertEquals(0x0802_0040L, messages.getFirst()[0]);
        assertEquals(0x62, messages.getFirst()[1]);

        function.writeBar(0, 2, 44, 4, 1); // the guest masks vector 2
        assertTrue(kernel.raiseMsix(2));
        await(() -> (function.readBar(0, 2, 0x800, 8) & 4) != 0, "a masked vector is held pending");
        assertEquals(1, messages.size());
        function.writeBar(0, 2, 44, 4, 0);
        assertEquals(2, messages.size(), "unmasking delivers it");

        kernel.calls.clear();
        write(at + 2, 2, 0);
        assertEquals(List.of("VFIO_DEVICE_SET_IRQS 2 off", "VFIO_DEVICE_SET_IRQS 0 trigger 0+1",
                "VFIO_DEVICE_SET_IRQS 0 unmask"), kernel.calls, "MSI-X off: back to INTx");
        assertFalse(kernel.raiseMsix(2));
        assertTrue(kernel.raiseIntx());
        assertEquals(1, Eventfds.drain(function.intx().triggerFd()));
    }

    @Test
    void withoutIntxFromVfioTheGuestSeesNoPin() {
        FakeVfioKernel noIntx = new FakeVfioKernel();
        noIntx.intx = false;
        VfioPciDevice d = VfioPciDevice.open(noIntx, FakeVfioKernel.NAME, FakeVfioKernel.GROUP, List.of());
        try (VfioPciFunction f = new VfioPciFunction(d, (address, data) -> { }, "test-no-intx")) {
            assertEquals(0, f.config().read(PciConfigSpace.INTERRUPT_PIN, 1));
            assertEquals(null, f.intx());
            assertTrue(noIntx.calls.stream().noneMatch(c -> c.startsWith("VFIO_DEVICE_SET_IRQS")), noIntx.calls.toString());
        } finally {
            d.close();
        }
    }

    @Test
    void closingTurnsTheActiveInterruptTypeOff() {
        kernel.calls.clear();
        function.close();
        assertEquals(List.of("VFIO_DEVICE_SET_IRQS 0 off", "munmap 1000", "munmap 4000"), kernel.calls);
        assertEquals(-1, kernel.irqType());
    }
}
