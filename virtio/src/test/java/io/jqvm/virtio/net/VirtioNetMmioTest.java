package io.jqvm.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.virtio.mmio.VirtioMmioTransport;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.MmioDriver;
import io.jqvm.virtio.testing.RecordingIrq;
import io.jqvm.virtio.testing.RingDriver;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** virtio-net behind the virtio-mmio transport, driven through its registers as Linux's drivers do. */
class VirtioNetMmioTest {
    static final long RAM = 0x4000_0000L;

    static RingDriver.Used awaitUsed(RingDriver ring) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            RingDriver.Used u = ring.pollUsed();
            if (u != null) {
                return u;
            }
            Thread.sleep(1);
        }
        return null;
    }

    @ParameterizedTest(name = "legacy={0}")
    @ValueSource(booleans = {false, true})
    void aDriverNegotiatesReadsTheMacExchangesFramesAndHearsOfTheLink(boolean legacy) throws Exception {
        ScriptedBackend backend = new ScriptedBackend();
        VirtioNet net = new VirtioNet("mmio", VirtioNetTest.MAC, backend);
        RecordingIrq irq = new RecordingIrq();
        try (GuardedMemory ram = new GuardedMemory(RAM, 8 << 20)) {
            VirtioMmioTransport transport = new VirtioMmioTransport("virtio-net", net, ram.memory(), irq, legacy);
            MmioDriver driver = new MmioDriver(transport, ram.memory(), RAM);
            long wanted = VirtioNet.F_MAC | VirtioNet.F_STATUS | MmioDriver.F_EVENT_IDX
                    | (legacy ? 0 : MmioDriver.F_VERSION_1 | VirtioNet.F_MRG_RXBUF);
            assertTrue(driver.negotiate(wanted));
            RingDriver rx = driver.setupQueue(VirtioNet.RECEIVEQ, 256, 1 << 20);
            RingDriver tx = driver.setupQueue(VirtioNet.TRANSMITQ, 256, 1 << 20);
            driver.driverOk();
            int header = legacy ? VirtioNet.LEGACY_HEADER : VirtioNet.HEADER;

            assertEquals(1, driver.read(0x008), "device ID 1: network card");
            byte[] mac = new byte[6];
            for (int i = 0; i < 6; i++) {
                mac[i] = (byte) driver.readConfig(i, 1);
            }
            assertArrayEquals(VirtioNetTest.MAC.bytes(), mac);
            assertEquals(VirtioNet.S_LINK_UP, driver.readConfig(6, 2));

            int head = rx.add(List.of(), List.of(2048));
            driver.notify(VirtioNet.RECEIVEQ);
            byte[] in = VirtioNetTest.frame(1000, 1);
            backend.inject(in);
            RingDriver.Used used = awaitUsed(rx);
            assertNotNull(used);
            assertEquals(head, used.head());
            assertEquals(header + 1000, used.written());
            assertArrayEquals(in, Arrays.copyOfRange(rx.writableContents(head), header, header + 1000));
            assertTrue(irq.level() && (driver.acknowledgeInterrupt() & 1) != 0, "a used-buffer interrupt");

            byte[] out = VirtioNetTest.frame(500, 2);
            tx.add(List.of(new byte[header], out), List.of());
            driver.notify(VirtioNet.TRANSMITQ);
            assertArrayEquals(out, backend.sent.poll(5, TimeUnit.SECONDS));
            assertNotNull(awaitUsed(tx));

            driver.acknowledgeInterrupt();
            backend.link(false);
            assertEquals(0, driver.readConfig(6, 2));
            assertTrue((driver.acknowledgeInterrupt() & 2) != 0, "a configuration-change interrupt");
            assertTrue(ram.guardsIntact());
        } finally {
            net.close();
        }
    }
}
