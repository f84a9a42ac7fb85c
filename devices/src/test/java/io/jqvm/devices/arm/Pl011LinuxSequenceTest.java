package io.jqvm.devices.arm;

import static io.jqvm.devices.arm.Pl011.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.devices.FakeBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What Linux 6.1's amba-pl011 driver does, with its 16-bit register accesses: AMBA probe, earlycon
 * output, port start-up, a termios change, console output and an interrupt-driven receive.
 */
class Pl011LinuxSequenceTest {
    private final CapturedLog log = CapturedLog.start();

    @AfterEach
    void restoreLog() {
        log.close();
    }

    private final RecordingLine irq = new RecordingLine();
    private final FakeBackend backend = new FakeBackend();
    private final Pl011 uart = new Pl011(irq, backend);

    private int read(int reg) {
        return (int) uart.read(0, reg, 2);
    }

    private void write(int reg, int value) {
        uart.write(0, reg, 2, value);
    }

    /** pl011_int: acknowledge, drain the receive FIFO, feed the transmitter, until MIS is clear. */
    private String interrupt() {
        StringBuilder got = new StringBuilder();
        int status = read(MIS);
        for (int pass = 0; status != 0 && pass < 256; pass++) {
            write(ICR, status & ~(INT_TX | INT_RT | INT_RX));
            if ((status & (INT_RT | INT_RX)) != 0) {
                while ((read(FR) & FR_RXFE) == 0) {
                    got.append((char) (read(DR) & 0xFF));
                }
            }
            status = read(MIS);
        }
        return got.toString();
    }

    @Test
    void linuxDriverLifecycle() {
        // amba_device_try_add: readl of the identification registers
        long pid = 0;
        long cid = 0;
        for (int i = 0; i < 4; i++) {
            pid |= (uart.read(0, 0xFE0 + 4L * i, 4) & 0xFF) << (8 * i);
            cid |= (uart.read(0, 0xFF0 + 4L * i, 4) & 0xFF) << (8 * i);
        }
        assertEquals(0xB105_F00DL, cid);
        assertEquals(0x0004_1011L, pid & 0x000F_FFFF);

        // earlycon (pl011_putc): readw(FR) until not full, writeb(DR)
        for (char ch : "early\n".toCharArray()) {
            assertEquals(0, read(FR) & FR_TXFF);
            uart.write(0, DR, 1, ch);
        }

        // pl011_startup: hwinit, IFLS, CR, enable_interrupts (drain + RTIM|RXIM)
        write(ICR, 0x7F0);
        write(IMSC, INT_RT | INT_RX);
        write(IFLS, 0x12);
        write(CR, CR_UARTEN | CR_TXE | CR_RXE | (1 << 10) | (1 << 11));
        write(ICR, INT_RT | INT_RX);
        for (int i = 0; i < 64 && (read(FR) & FR_RXFE) == 0; i++) {
            read(DR);
        }
        write(IMSC, INT_RT | INT_RX);
        assertFalse(irq.level());

        // pl011_set_termios: CR to 0 while the line settings change, then back
        int oldCr = read(CR);
        write(CR, 0);
        write(IBRD, 13);
        write(FBRD, 1);
        write(LCR_H, (3 << 5) | LCR_FEN);
        write(CR, oldCr);
        assertEquals(CR_UARTEN | CR_TXE | CR_RXE | (1 << 10) | (1 << 11), read(CR));

        // console write: TXFF polling, DR writes, BUSY polling
        for (char ch : "hello\n".toCharArray()) {
            while ((read(FR) & FR_TXFF) != 0) {
                Thread.onSpinWait();
            }
            write(DR, ch);
        }
        assertEquals(0, read(FR) & FR_BUSY);
        assertEquals("early\nhello\n", backend.output());
        assertFalse(irq.level(), "TXIM stays masked: the driver never needed to wait");

        // typed input raises the receive timeout interrupt; the handler drains it
        backend.offer("ls\n");
        assertTrue(irq.level());
        assertEquals("ls\n", interrupt());
        assertFalse(irq.level());

        // a burst larger than the FIFO arrives in pieces as the handler makes room
        String burst = "0123456789".repeat(5);
        backend.offer(burst);
        StringBuilder got = new StringBuilder();
        while (irq.level()) {
            got.append(interrupt());
        }
        assertEquals(burst, got.toString());
    }
}
