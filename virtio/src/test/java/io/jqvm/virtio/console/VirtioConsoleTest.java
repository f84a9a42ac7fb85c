package io.jqvm.virtio.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.virtio.DriverHarness;
import io.jqvm.virtio.DriverHarness.Chain;
import io.jqvm.virtio.testing.RingDriver;
import io.jqvm.virtio.testing.RingDriver.Used;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtioConsoleTest {
    private static final int RX = VirtioConsole.RECEIVEQ;
    private static final int TX = VirtioConsole.TRANSMITQ;

    private final ScriptedBackend host = new ScriptedBackend();
    private final VirtioConsole console = new VirtioConsole(host);
    private final DriverHarness driver = new DriverHarness(0, 16, 16);

    @AfterEach
    void close() {
        console.close();
        driver.close();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void describesItselfAsAConsoleWithOnePortAndEmergencyWrite() {
        assertEquals(3, console.deviceId());
        assertEquals(2, console.queueCount());
        assertEquals(VirtioConsole.F_EMERG_WRITE, console.offeredFeatures());
        assertEquals(12, console.configSize());
        assertEquals(0, console.readConfig(0, 4), "cols and rows: no size reported");
        assertEquals(1, console.readConfig(4, 4), "max_nr_ports");
        assertEquals(0x0100, console.readConfig(3, 2), "reads straddling fields assemble little-endian bytes");
    }

    @Test
    void emergencyWriteReachesTheHostBeforeTheQueuesExist() {
        console.writeConfig(VirtioConsole.EMERG_WR_OFFSET, 4, '!');
        console.writeConfig(0, 2, 'x'); // cols is read-only
        assertArrayEquals(ascii("!"), host.output());
    }

    @Test
    void transmitsEveryReadableBufferInOrderAndReturnsTheChain() {
        console.activate(driver);
        Chain chain = driver.send(TX, List.of(ascii("hel"), ascii("lo\n")));
        console.queueNotify(TX);
        assertArrayEquals(ascii("hello\n"), host.output());
        assertEquals(List.of(new Used(chain.head(), 0)), driver.takeUsed(TX));
        assertEquals(1, driver.interrupts(TX));
        assertNull(driver.failure());
    }

    @Test
    void inputWaitsInTheBackendUntilTheGuestGivesBuffers() {
        console.activate(driver);
        host.type(ascii("abc"));
        assertEquals(3, host.unread(), "no buffer yet: nothing taken, nothing dropped");
        assertEquals(0, driver.interrupts(RX));

        Chain first = driver.send(RX, List.of(), 2);
        console.queueNotify(RX);
        assertEquals(List.of(new Used(first.head(), 2)), driver.takeUsed(RX));
        assertArrayEquals(ascii("ab"), driver.writtenInto(RX, first, 2));
        assertEquals(1, host.unread(), "the rest stays in the backend");

        Chain second = driver.send(RX, List.of(), 64);
        console.queueNotify(RX);
        assertEquals(List.of(new Used(second.head(), 1)), driver.takeUsed(RX));
        assertArrayEquals(ascii("c"), driver.writtenInto(RX, second, 1));
        assertEquals(2, driver.interrupts(RX));
    }

    @Test
    void inputArrivingWhileBuffersWaitIsDeliveredAtOnce() {
        console.activate(driver);
        Chain chain = driver.send(RX, List.of(), 64);
        console.queueNotify(RX);
        assertEquals(List.of(), driver.takeUsed(RX), "an empty backend fills nothing");
        host.type(ascii("ls\n"));
        assertEquals(List.of(new Used(chain.head(), 3)), driver.takeUsed(RX));
        assertArrayEquals(ascii("ls\n"), driver.writtenInto(RX, chain, 3));
    }

    @Test
    void aReceiveBufferSplitOverDescriptorsIsFilledAcrossThem() {
        console.activate(driver);
        host.type(ascii("split"));
        Chain chain = driver.send(RX, List.of(), 2, 8);
        console.queueNotify(RX);
        assertEquals(List.of(new Used(chain.head(), 5)), driver.takeUsed(RX));
        assertArrayEquals(ascii("split"), driver.writtenInto(RX, chain, 5));
    }

    @Test
    void aReceiveBufferTheDeviceCannotWriteFailsTheDevice() {
        console.activate(driver);
        host.type(ascii("x"));
        driver.send(RX, List.of(ascii("read-only")));
        console.queueNotify(RX);
        assertNotNull(driver.failure());
        assertTrue(driver.failure().contains("no device-writable bytes"), driver.failure());
        assertEquals(1, host.unread(), "the byte is not lost to the broken buffer");
    }

    @Test
    void aDescriptorLoopFailsTheDeviceWithoutThrowing() {
        console.activate(driver);
        long buffer = driver.place(TX, ascii("loop"));
        RingDriver ring = driver.ring(TX);
        ring.writeDescriptor(ring.descTable(), 1, buffer, 4, RingDriver.F_NEXT, 0); // 1 -> 0
        driver.rawChain(TX, 0, buffer, 4, RingDriver.F_NEXT, 1);                    // 0 -> 1
        console.queueNotify(TX);
        assertNotNull(driver.failure());
        assertTrue(driver.failure().startsWith("virtio-console transmitq: "), driver.failure());
    }

    @Test
    void aBufferOutsideGuestRamFailsTheDeviceAndSendsNothing() {
        console.activate(driver);
        driver.rawChain(TX, 0, DriverHarness.RAM_SIZE - 2, 4, 0, 0);
        console.queueNotify(TX);
        assertNotNull(driver.failure());
        assertArrayEquals(new byte[0], host.output());
    }

    @Test
    void afterAResetInputStaysInTheBackend() {
        console.activate(driver);
        driver.send(RX, List.of(), 64);
        console.reset();
        host.type(ascii("late"));
        console.queueNotify(RX);
        assertEquals(4, host.unread());
        assertEquals(List.of(), driver.takeUsed(RX));
    }

    @Test
    void buffersPostedBeforeDriverOkAreServedOnActivation() {
        driver.send(TX, List.of(ascii("early")));
        host.type(ascii("in"));
        Chain rx = driver.send(RX, List.of(), 8);
        console.activate(driver);
        assertArrayEquals(ascii("early"), host.output());
        assertEquals(List.of(new Used(rx.head(), 2)), driver.takeUsed(RX));
    }

    /** However input is chunked and whatever buffer sizes the guest posts, every byte arrives once, in order. */
    @Property(tries = 200)
    void inputArrivesCompleteAndInOrder(@ForAll @Size(min = 1, max = 12) List<@Size(max = 40) byte[]> typed,
                                        @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 1, max = 33) Integer> buffers) {
        ScriptedBackend backend = new ScriptedBackend();
        VirtioConsole device = new VirtioConsole(backend);
        try (DriverHarness guest = new DriverHarness(0, 16, 16)) {
            device.activate(guest);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            Chain outstanding = null; // one receive buffer at a time, so each used entry names a known chain
            for (int round = 0; round < typed.size() || backend.unread() > 0; round++) {
                if (round < typed.size()) {
                    backend.type(typed.get(round));
                    expected.writeBytes(typed.get(round));
                }
                if (outstanding == null) {
                    outstanding = guest.send(RX, List.of(), buffers.get(round % buffers.size()));
                    device.queueNotify(RX);
                }
                for (Used u : guest.takeUsed(RX)) {
                    assertEquals(outstanding.head(), u.head());
                    received.writeBytes(guest.writtenInto(RX, outstanding, u.written()));
                    outstanding = null;
                }
            }
            assertArrayEquals(expected.toByteArray(), received.toByteArray());
            assertNull(guest.failure());
        }
    }
}
