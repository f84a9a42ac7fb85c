package io.jqvm.devices.uart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.devices.FakeBackend;
import io.jqvm.devices.RecordingIrq;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Uart16550Test {
    private final FakeBackend backend = new FakeBackend();
    private final RecordingIrq irq = new RecordingIrq();
    private final Uart16550 uart = new Uart16550("ser8250 test", irq, backend);

    private int in(int reg) {
        return (int) uart.read(0, reg, 1);
    }

    private void out(int reg, int value) {
        uart.write(0, reg, 1, value);
    }

    @Test
    void resetStateIsIdleTerminal() {
        assertEquals(0x60, in(Uart16550.LSR), "THRE and TEMT");
        assertEquals(0x01, in(Uart16550.IIR_FCR), "no interrupt, FIFOs off");
        assertEquals(0xb0, in(Uart16550.MSR), "DCD, DSR, CTS");
        assertEquals(0, in(Uart16550.RBR_THR_DLL), "empty RBR reads 0");
        assertFalse(irq.level());
    }

    @Test
    void transmitGoesToBackendAndRaisesThre() {
        out(Uart16550.RBR_THR_DLL, 'h');
        out(Uart16550.RBR_THR_DLL, 'i');
        assertEquals("hi", backend.output());
        assertFalse(irq.level(), "THRE interrupt not enabled");
        out(Uart16550.IER_DLM, Uart16550.IER_THR_EMPTY);
        assertTrue(irq.level(), "enabling THRE with an empty THR interrupts at once");
        assertEquals(0x02, in(Uart16550.IIR_FCR));
        assertFalse(irq.level(), "reading IIR clears THRE");
        assertEquals(0x01, in(Uart16550.IIR_FCR));
        out(Uart16550.RBR_THR_DLL, '!');
        assertTrue(irq.level(), "THR empties again after a write");
    }

    @Test
    void divisorLatchShadowsThrAndIer() {
        out(Uart16550.LCR, 0x83);
        out(Uart16550.RBR_THR_DLL, 0x01);
        out(Uart16550.IER_DLM, 0x02);
        assertEquals(0x01, in(Uart16550.RBR_THR_DLL));
        assertEquals(0x02, in(Uart16550.IER_DLM));
        out(Uart16550.LCR, 0x03);
        assertEquals(0, in(Uart16550.IER_DLM), "IER untouched by DLM writes");
        assertEquals("", backend.output(), "DLL writes are not transmitted");
        assertEquals(0x03, in(Uart16550.LCR));
    }

    @Test
    void receiveWithoutFifoTakesOneByteAtATime() {
        uart.start();
        out(Uart16550.IER_DLM, Uart16550.IER_RX_AVAILABLE);
        backend.offer("abc");
        assertEquals(2, backend.pending(), "one-byte holding register");
        assertTrue(irq.level());
        assertEquals(0x04, in(Uart16550.IIR_FCR));
        assertEquals(0x61, in(Uart16550.LSR));
        assertEquals('a', in(Uart16550.RBR_THR_DLL));
        assertEquals('b', in(Uart16550.RBR_THR_DLL));
        assertEquals('c', in(Uart16550.RBR_THR_DLL));
        assertFalse(irq.level());
        assertEquals(0x60, in(Uart16550.LSR));
    }

    @Test
    void fifoHoldsSixteenBytesAndReportsTriggerOrTimeout() {
        uart.start();
        out(Uart16550.IIR_FCR, 0xc7); // enable, clear both, trigger 14
        out(Uart16550.IER_DLM, Uart16550.IER_RX_AVAILABLE);
        backend.offer("0123456789");
        assertEquals(0xcc, in(Uart16550.IIR_FCR), "below the trigger: character timeout");
        backend.offer("abcdefghij");
        assertEquals(4, backend.pending(), "back-pressure: the rest stays in the backend");
        assertEquals(0xc4, in(Uart16550.IIR_FCR), "at the trigger level: data available");
        StringBuilder got = new StringBuilder();
        while ((in(Uart16550.LSR) & 1) != 0) {
            got.append((char) in(Uart16550.RBR_THR_DLL));
        }
        assertEquals("0123456789abcdefghij", got.toString());
        assertEquals(0xc1, in(Uart16550.IIR_FCR));
    }

    @Test
    void fifoResetDropsReceivedBytes() {
        uart.start();
        out(Uart16550.IIR_FCR, 0x01);
        backend.offer("xy");
        out(Uart16550.IIR_FCR, 0x03);
        assertEquals(0x60, in(Uart16550.LSR));
    }

    @Test
    void loopbackReflectsModemControlAndOverruns() {
        uart.start();
        out(Uart16550.MCR, 0x10);
        assertEquals(0x0b, in(Uart16550.MSR), "inputs dropped: CTS, DSR, DCD deltas");
        out(Uart16550.MCR, 0x1f);
        assertEquals(0xf0 | 0x0b, in(Uart16550.MSR));
        out(Uart16550.MCR, 0x1b);
        assertEquals(0xb4, in(Uart16550.MSR), "RI trailing edge");
        assertEquals(0xb0, in(Uart16550.MSR), "deltas clear on read");
        out(Uart16550.IER_DLM, Uart16550.IER_LINE_STATUS | Uart16550.IER_RX_AVAILABLE);
        backend.offer("host");
        out(Uart16550.RBR_THR_DLL, 'p');
        out(Uart16550.RBR_THR_DLL, 'q');
        assertEquals("", backend.output(), "loopback does not transmit");
        assertEquals(0x06, in(Uart16550.IIR_FCR), "overrun: line status interrupt first");
        assertEquals(0x63, in(Uart16550.LSR));
        assertEquals(0x04, in(Uart16550.IIR_FCR));
        assertEquals('p', in(Uart16550.RBR_THR_DLL));
        assertEquals(4, backend.pending(), "host input not taken during loopback");
        out(Uart16550.MCR, 0x0b);
        assertEquals('h', in(Uart16550.RBR_THR_DLL));
    }

    @Test
    void scratchRegisterAndReadOnlyWrites() {
        out(Uart16550.SCR, 0x5a);
        assertEquals(0x5a, in(Uart16550.SCR));
        out(Uart16550.LSR, 0);
        out(Uart16550.MSR, 0);
        assertEquals(0x60, in(Uart16550.LSR));
        assertEquals(0xb0, in(Uart16550.MSR));
    }

    @Test
    void stateRoundTrips() {
        uart.start();
        out(Uart16550.IIR_FCR, 0x41);
        out(Uart16550.SCR, 7);
        out(Uart16550.IER_DLM, 0x0f);
        backend.offer("zz");
        Uart16550.State s = uart.state();
        Uart16550.State restored = new Uart16550("copy", new RecordingIrq(), new FakeBackend(), s).state();
        assertArrayEquals(s.rx(), restored.rx());
        assertEquals(s.toString().replaceAll("rx=\\[B@\\w+", ""), restored.toString().replaceAll("rx=\\[B@\\w+", ""));
        assertEquals(4, s.triggerLevel());
    }

    @Test
    void randomAccessesNeverThrowAndIrqFollowsIir() {
        Random random = new Random(7);
        uart.start();
        int[] sizes = {1, 2, 4, 8};
        for (int i = 0; i < 50_000; i++) {
            long offset = random.nextInt(9);
            int size = sizes[random.nextInt(4)];
            if (random.nextBoolean()) {
                uart.write(0, offset, size, random.nextLong());
            } else {
                uart.read(0, offset, size);
            }
            if (random.nextInt(50) == 0) {
                backend.offer("r");
            }
            assertEquals(uart.interruptId() != Uart16550.IIR_NONE, irq.level());
        }
    }
}
