package io.jqvm.virtio.console;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jqvm.virtio.DriverHarness;
import io.jqvm.virtio.testing.RingDriver;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of virtio-console: host input, well-formed buffers of any shape and raw descriptors
 * (outside RAM, loops, indirect tables) in both queues, resets and emergency writes. The device must never
 * throw, and while the queues are well formed it must deliver the host's input whole and in order and send
 * exactly the guest's bytes. Its corpus runs with the normal tests.
 */
class ConsoleFuzzTest {
    private static final int RX = VirtioConsole.RECEIVEQ;
    private static final int TX = VirtioConsole.TRANSMITQ;

    @FuzzTest(maxDuration = "60s")
    void guestScripts(FuzzedDataProvider data) {
        ScriptedBackend host = new ScriptedBackend();
        VirtioConsole console = new VirtioConsole(host);
        try (DriverHarness driver = new DriverHarness(0, 16, 16)) {
            console.activate(driver);
            ByteArrayOutputStream typed = new ByteArrayOutputStream();
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            ByteArrayOutputStream delivered = new ByteArrayOutputStream();
            List<DriverHarness.Chain> rxInFlight = new ArrayList<>();
            boolean wellFormed = true;
            int steps = 0;
            while (data.remainingBytes() > 0 && steps++ < 64 && driver.failure() == null) {
                switch (data.consumeInt(0, 4)) {
                    case 0 -> {
                        byte[] in = data.consumeBytes(data.consumeInt(0, 200));
                        typed.writeBytes(in);
                        host.type(in);
                    }
                    case 1 -> {
                        int parts = data.consumeInt(1, 3);
                        int[] sizes = new int[parts];
                        for (int i = 0; i < parts; i++) {
                            sizes[i] = data.consumeInt(1, 300);
                        }
                        if (driver.fits(RX, parts)) {
                            rxInFlight.add(driver.send(RX, List.of(), sizes));
                            console.queueNotify(RX);
                        }
                    }
                    case 2 -> {
                        int parts = data.consumeInt(1, 3);
                        List<byte[]> out = new ArrayList<>();
                        for (int i = 0; i < parts; i++) {
                            out.add(data.consumeBytes(data.consumeInt(1, 300)));
                        }
                        if (out.stream().allMatch(b -> b.length > 0) && driver.fits(TX, parts)) {
                            out.forEach(sent::writeBytes);
                            driver.send(TX, out);
                            console.queueNotify(TX);
                        }
                    }
                    case 3 -> {
                        int q = data.consumeInt(0, 1);
                        driver.rawChain(q, data.consumeInt(0, 15), data.consumeLong(), data.consumeInt(),
                                data.consumeInt(0, 7), data.consumeInt(0, 0xffff));
                        console.queueNotify(q);
                        wellFormed = false;
                    }
                    default -> {
                        int b = data.consumeInt(0, 255);
                        sent.write(b);
                        console.writeConfig(VirtioConsole.EMERG_WR_OFFSET, 4, b);
                    }
                }
                for (RingDriver.Used u : driver.takeUsed(RX)) {
                    if (!wellFormed) {
                        continue; // raw descriptors may have rewritten any chain: nothing left to compare
                    }
                    DriverHarness.Chain c = rxInFlight.removeFirst();
                    if (c.head() != u.head()) {
                        throw new AssertionError("receive buffers returned out of order");
                    }
                    delivered.writeBytes(driver.writtenInto(RX, c, u.written()));
                }
            }
            if (!driver.guardsIntact()) {
                throw new AssertionError("the device wrote outside guest memory");
            }
            if (wellFormed) {
                if (driver.failure() != null) {
                    throw new AssertionError("well-formed queues failed the device: " + driver.failure());
                }
                byte[] expected = typed.toByteArray();
                byte[] got = delivered.toByteArray();
                byte[] pending = java.util.Arrays.copyOfRange(expected, got.length, expected.length);
                if (!java.util.Arrays.equals(java.util.Arrays.copyOf(expected, got.length), got) || host.unread() != pending.length) {
                    throw new AssertionError("input lost, duplicated or reordered");
                }
                if (!java.util.Arrays.equals(sent.toByteArray(), host.output())) {
                    throw new AssertionError("output differs from what the guest sent");
                }
            }
        } finally {
            console.close();
        }
    }
}
