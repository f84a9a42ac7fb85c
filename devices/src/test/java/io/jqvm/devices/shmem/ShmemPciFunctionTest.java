package io.jqvm.devices.shmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.BusDevice;
import io.jqvm.device.GuestMappings;
import io.jqvm.device.pci.PciBus;
import io.jqvm.device.pci.PciConfigSpace;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shmem PCI function on a bus, as a guest's enumeration and QNX's sample driver see it. */
class ShmemPciFunctionTest {
    private static final int DEVICE = 4;
    private static final int DEVFN = DEVICE * PciBus.FUNCTIONS;
    private static final long BAR_AT = 0x1000_0000L;
    private static final long WINDOW = 0x2_0000_0000L;
    private static final int VECTOR = 37;

    @TempDir
    Path dir;
    private final AtomicBoolean line = new AtomicBoolean();
    private final PciBus bus = new PciBus();
    private GuestShm shm;

    private ShmemPciFunction function() {
        GuestMappings none = new GuestMappings() {
            @Override
            public void map(long gpa, MemorySegment host, String what) {
            }

            @Override
            public void unmap(long gpa) {
            }
        };
        ShmemPciFunction f = new ShmemPciFunction(line::set, irq -> {
            shm = new GuestShm(dir, new ShmemPolicy(List.of(), Optional.empty(), ShmemPolicy.DEFAULT_UMASK, Optional.empty()),
                    irq, VECTOR, WINDOW, 16 * GuestShm.PAGE, none, "shmem test");
            return shm.factory();
        });
        bus.add(DEVICE, 0, f);
        return f;
    }

    @AfterEach
    void close() {
        if (shm != null) {
            shm.close();
        }
    }

    private long config(int offset, int size) {
        return bus.readConfig(0, DEVFN, offset, size);
    }

    private void enable(int command) {
        bus.writeConfig(0, DEVFN, PciConfigSpace.BAR0, 4, BAR_AT);
        bus.writeConfig(0, DEVFN, PciConfigSpace.COMMAND, 2, command);
    }

    @Test
    void identityIsGuestShmsAndInterruptIsIntA() {
        function();
        assertEquals(0x1c05, config(PciConfigSpace.VENDOR_ID, 2), "PCI_VID_BlackBerry_QNX");
        assertEquals(0x0001, config(PciConfigSpace.DEVICE_ID, 2), "PCI_DID_QNX_GUEST_SHM");
        assertEquals(0x05_00_00, config(PciConfigSpace.REVISION_ID, 4) >>> 8, "class: memory controller, RAM");
        assertEquals(1, config(PciConfigSpace.INTERRUPT_PIN, 1), "INTA#");
        assertEquals(0, config(PciConfigSpace.HEADER_TYPE, 1), "single function, type 0");
    }

    @Test
    void barZeroIsOneNonPrefetchable32BitPageAndNoOtherBarExists() {
        function();
        bus.writeConfig(0, DEVFN, PciConfigSpace.BAR0, 4, 0xffff_ffffL);
        assertEquals(0xffff_f000L, config(PciConfigSpace.BAR0, 4), "sizing: 4 KiB, memory, 32-bit, not prefetchable");
        for (int b = 1; b < PciConfigSpace.BARS; b++) {
            bus.writeConfig(0, DEVFN, PciConfigSpace.BAR0 + 4 * b, 4, 0xffff_ffffL);
            assertEquals(0, config(PciConfigSpace.BAR0 + 4 * b, 4), "BAR " + b + " is not implemented");
        }
    }

    @Test
    void theFactoryAnswersInBarZeroOnceMemoryDecodingIsOn() {
        function();
        BusDevice memory = bus.memoryWindow(0);
        bus.writeConfig(0, DEVFN, PciConfigSpace.BAR0, 4, BAR_AT);
        assertEquals(-1L, memory.read(0, BAR_AT, 8), "memory decoding off: nothing answers, all ones");
        enable(PciConfigSpace.COMMAND_MEMORY);
        assertEquals(GuestShm.SIGNATURE, memory.read(0, BAR_AT, 8));
        assertEquals(VECTOR, memory.read(0, BAR_AT + GuestShm.VECTOR_AT, 4), "vector: the INTx line's number");
        byte[] name = "pci-test".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < name.length; i++) {
            memory.write(0, BAR_AT + GuestShm.NAME_AT + i, 1, name[i]);
        }
        memory.write(0, BAR_AT + GuestShm.SIZE_AT, 4, 1);
        assertEquals(GuestShm.Status.OK.ordinal(), memory.read(0, BAR_AT + GuestShm.STATUS_AT, 4));
        assertEquals(WINDOW, memory.read(0, BAR_AT + GuestShm.SHMEM_AT, 8), "the control page lies in the window, outside the BAR");
    }

    @Test
    void attachingRaisesIntaUnlessTheCommandRegisterDisablesIt() throws Exception {
        function();
        enable(PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_INTX_DISABLE);
        BusDevice memory = bus.memoryWindow(0);
        memory.write(0, BAR_AT + GuestShm.NAME_AT, 2, 'q');
        memory.write(0, BAR_AT + GuestShm.SIZE_AT, 4, 1);
        assertEquals(GuestShm.Status.OK.ordinal(), memory.read(0, BAR_AT + GuestShm.STATUS_AT, 4));
        // A second client attaching to "q" is news for the first connection.
        SharedRegion peer = SharedRegion.open(dir, "q", 0, 0600, Optional.empty());
        try {
            int index = peer.attach();
            awaitStatusBit(true);
            assertFalse(line.get(), "INTx disabled: the line stays low while the status bit shows the request");
            bus.writeConfig(0, DEVFN, PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY);
            assertTrue(line.get(), "enabling INTx again raises the pending request");
            memory.read(0, WINDOW, 4); // no effect: the window is not behind the BAR
            shm.window().read(0, 0, 4); // the guest reads its connection's status: news taken
            assertFalse(line.get());
            assertEquals(0, config(PciConfigSpace.STATUS, 2) & 8, "status bit 3 follows the request");
            peer.detach(index);
        } finally {
            peer.close();
        }
    }

    private void awaitStatusBit(boolean set) throws InterruptedException {
        // The connection's thread turns the peer's doorbell into the request; no timing is asserted, only the outcome.
        while (((config(PciConfigSpace.STATUS, 2) & 8) != 0) != set) {
            Thread.sleep(5);
        }
    }
}
