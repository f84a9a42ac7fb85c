package io.jqvm.virtio.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.virtio.mmio.VirtioMmioTransport;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.MmioDriver;
import io.jqvm.virtio.testing.RecordingIrq;
import io.jqvm.virtio.testing.RingDriver;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The console behind the virtio-mmio transport, set up as Linux's virtio_mmio and virtio_console do. */
class VirtioConsoleMmioTest {
    private static final long RAM = 0x4000_0000L;

    private final GuardedMemory ram = new GuardedMemory(RAM, 1 << 20);
    private final RecordingIrq irq = new RecordingIrq();
    private final ScriptedBackend host = new ScriptedBackend();
    private final VirtioConsole console = new VirtioConsole(host);

    @AfterEach
    void guards() {
        assertTrue(ram.guardsIntact());
        console.close();
        ram.close();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void hvcTrafficFlowsBothWaysWithEventIndexAndIndirectChains() {
        for (boolean legacy : new boolean[] {false, true}) {
            MmioDriver d = new MmioDriver(new VirtioMmioTransport("virtio-console", console, ram.memory(), irq, legacy),
                    ram.memory(), RAM + (legacy ? 0x80000 : 0));
            assertEquals(3, d.read(0x008), "device ID: console");
            assertTrue(d.negotiate(MmioDriver.F_VERSION_1 | MmioDriver.F_EVENT_IDX | MmioDriver.F_INDIRECT_DESC
                    | VirtioConsole.F_EMERG_WRITE));
            assertEquals(1, d.readConfig(4, 4), "max_nr_ports");
            RingDriver rx = d.setupQueue(VirtioConsole.RECEIVEQ, 64, 0x4000);
            RingDriver tx = d.setupQueue(VirtioConsole.TRANSMITQ, 64, 0x4000);
            d.driverOk();

            int buffer = rx.add(List.of(), List.of(256));
            d.notify(VirtioConsole.RECEIVEQ);
            host.type(ascii("root\n"));
            assertEquals(new RingDriver.Used(buffer, 5), rx.pollUsed());
            assertArrayEquals(ascii("root\n"), java.util.Arrays.copyOf(rx.writableContents(buffer), 5));
            assertTrue(irq.level(), "input raises the interrupt");
            d.acknowledgeInterrupt();

            int out = tx.addIndirect(List.of(ascii("# "), ascii("ls\n")), List.of());
            d.notify(VirtioConsole.TRANSMITQ);
            assertEquals(new RingDriver.Used(out, 0), tx.pollUsed());
            assertTrue(new String(host.output(), StandardCharsets.US_ASCII).endsWith("# ls\n"));
            d.acknowledgeInterrupt();
            d.reset();
        }
    }
}
