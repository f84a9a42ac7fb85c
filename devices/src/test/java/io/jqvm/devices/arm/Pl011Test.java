package io.jqvm.devices.arm;

import static io.jqvm.devices.arm.Pl011.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.devices.FakeBackend;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Pl011Test {
    private final CapturedLog log = CapturedLog.start();

    @AfterEach
    void restoreLog() {
        log.close();
    }

    private final RecordingLine irq = new RecordingLine();
    private final FakeBackend backend = new FakeBackend();
    private final Pl011 uart = new Pl011(irq, backend);

    @Test
    void primeCellIdsMatchWhatLinuxProbes() {
        int[] expected = {0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], uart.read(0, 0xFE0 + 4L * i, 4), "ID register " + i);
        }
        long amba = 0;
        for (int i = 0; i < 4; i++) {
            amba |= (uart.read(0, 0xFE0 + 4L * i, 4) & 0xFF) << (8 * i);
        }
        assertEquals(0x0004_1011, amba & 0x000F_FFFF, "the amba-pl011 driver matches id 0x00041011 under mask 0x000fffff");
    }

    @Test
    void resetState() {
        assertEquals(FR_TXFE | FR_RXFE, uart.read(0, FR, 4));
        assertEquals(CR_TXE | CR_RXE, uart.read(0, CR, 4));
        assertEquals(0x12, uart.read(0, IFLS, 4));
        assertEquals(0, uart.read(0, IMSC, 4));
        assertEquals(0, uart.read(0, RIS, 4));
        assertEquals(0, uart.read(0, RSR, 4));
    }

    @Test
    void transmittedBytesReachTheBackendAndRaiseTheTransmitInterrupt() {
        uart.write(0, DR, 4, 'h');
        uart.write(0, DR, 1, 'i');
        assertEquals("hi", backend.output());
        assertEquals(INT_TX, uart.read(0, RIS, 4));
        assertFalse(irq.level(), "masked");
        uart.write(0, IMSC, 4, INT_TX);
        assertTrue(irq.level());
        assertEquals(INT_TX, uart.read(0, MIS, 4));
        uart.write(0, ICR, 4, INT_TX);
        assertFalse(irq.level());
        assertEquals(0, uart.read(0, RIS, 4));
    }

    @Test
    void transmitterFollowsTxeNotUartenAsOnQemu() {
        uart.write(0, CR, 4, CR_UARTEN | CR_RXE);
        uart.write(0, DR, 4, 'x');
        assertEquals("", backend.output());
        uart.write(0, CR, 4, CR_TXE | CR_RXE);
        uart.write(0, DR, 4, 'y');
        assertEquals("y", backend.output());
    }

    @Test
    void withoutFifoOneByteIsHeldAndTheRestWaitsInTheBackend() {
        uart.write(0, IMSC, 4, INT_RX);
        backend.offer("ab");
        assertTrue(irq.level());
        assertEquals(FR_TXFE | FR_RXFF, uart.read(0, FR, 4));
        assertEquals(1, backend.pending(), "back-pressure: one byte left in the backend");
        assertEquals('a', uart.read(0, DR, 4));
        assertTrue(irq.level(), "the next byte was pulled in");
        assertEquals('b', uart.read(0, DR, 4));
        assertFalse(irq.level());
        assertEquals(FR_TXFE | FR_RXFE, uart.read(0, FR, 4));
        assertEquals(0, uart.read(0, DR, 4), "empty FIFO reads 0");
    }

    @Test
    void fifoRaisesReceiveAtTheTriggerLevelAndTimeoutBelowIt() {
        uart.write(0, LCR_H, 4, LCR_FEN | (3 << 5));
        assertEquals(LCR_FEN | (3 << 5), uart.read(0, LCR_H, 4));
        uart.write(0, IFLS, 4, 0); // RX trigger at 1/8 = 4 bytes
        uart.write(0, IMSC, 4, INT_RX | INT_RT);
        backend.offer("abc");
        assertEquals(INT_RT, uart.read(0, RIS, 4), "3 bytes below the trigger: timeout only");
        assertTrue(irq.level());
        backend.offer("d");
        assertEquals(INT_RT | INT_RX, uart.read(0, RIS, 4));
        uart.read(0, DR, 4);
        assertEquals(INT_RT, uart.read(0, RIS, 4), "below the trigger again");
        uart.read(0, DR, 4);
        uart.read(0, DR, 4);
        assertEquals('d', uart.read(0, DR, 4));
        assertEquals(0, uart.read(0, RIS, 4));
        assertFalse(irq.level());
    }

    @Test
    void fifoHoldsThirtyTwoBytes() {
        uart.write(0, LCR_H, 4, LCR_FEN);
        backend.offer("0123456789abcdefghijklmnopqrstuvwxyz");
        assertEquals(FR_TXFE | FR_RXFF, uart.read(0, FR, 4));
        assertEquals(4, backend.pending());
        StringBuilder got = new StringBuilder();
        for (int i = 0; i < 36; i++) {
            got.append((char) uart.read(0, DR, 4));
        }
        assertEquals("0123456789abcdefghijklmnopqrstuvwxyz", got.toString());
    }

    @Test
    void disablingTheFifoKeepsTheOldestByte() {
        uart.write(0, LCR_H, 4, LCR_FEN);
        backend.offer("xyz");
        uart.write(0, LCR_H, 4, 0);
        assertEquals('x', uart.read(0, DR, 4));
    }

    @Test
    void disabledReceiverLeavesInputInTheBackend() {
        uart.write(0, CR, 4, CR_UARTEN | CR_TXE);
        backend.offer("q");
        assertEquals(1, backend.pending());
        uart.write(0, CR, 4, CR_UARTEN | CR_TXE | CR_RXE);
        assertEquals(0, backend.pending());
        assertEquals('q', uart.read(0, DR, 4));
    }

    @Test
    void loopbackFeedsTransmittedBytesToTheReceiver() {
        uart.write(0, LCR_H, 4, LCR_FEN);
        uart.write(0, CR, 4, CR_UARTEN | CR_TXE | CR_RXE | CR_LBE);
        uart.write(0, DR, 4, 'L');
        assertEquals("", backend.output());
        assertEquals('L', uart.read(0, DR, 4));
    }

    @Test
    void plainRegistersKeepTheirImplementedBits() {
        uart.write(0, IBRD, 4, 0x1_0027);
        assertEquals(0x0027, uart.read(0, IBRD, 4));
        uart.write(0, FBRD, 4, 0xFF);
        assertEquals(0x3F, uart.read(0, FBRD, 4));
        uart.write(0, ILPR, 4, 0x1FF);
        assertEquals(0xFF, uart.read(0, ILPR, 4));
        uart.write(0, IMSC, 4, 0xFFFF);
        assertEquals(0x7FF, uart.read(0, IMSC, 4));
        uart.write(0, DMACR, 4, 0xF);
        assertEquals(7, uart.read(0, DMACR, 4));
        uart.write(0, FR, 4, 0);
        assertEquals(FR_TXFE | FR_RXFE, uart.read(0, FR, 4), "FR is read-only");
    }

    @Test
    void halfwordAccessesLikeLinuxMakesReachTheRegisters() {
        assertEquals(CR_TXE | CR_RXE, uart.read(0, CR, 2));
        assertEquals(0x00, uart.read(0, CR, 1), "a byte read gets the low byte: UARTEN clear at reset");
        uart.write(0, IMSC, 2, INT_RX);
        assertEquals(INT_RX, uart.read(0, IMSC, 4));
        uart.write(0, IBRD, 2, 0x12_3456);
        assertEquals(0x3456, uart.read(0, IBRD, 4), "a 2-byte write carries 16 bits");
        backend.offer("k");
        assertEquals('k', uart.read(0, DR, 2));
        assertEquals(FR_TXFE | FR_RXFE, uart.read(0, FR, 2));
    }

    @Test
    void badAccessesReadZeroAndAreIgnored() {
        assertEquals(0, uart.read(0, 0x002, 4));
        assertEquals(0, uart.read(0, CR + 2, 2));
        assertEquals(0, uart.read(0, CR, 8));
        assertEquals(0, uart.read(0, 0x800, 4));
        uart.write(0, CR, 8, 0);
        uart.write(0, CR + 1, 1, 0);
        assertEquals(CR_TXE | CR_RXE, uart.read(0, CR, 4));
    }

    @Test
    void randomAccessesNeverThrow() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            int size = 1 << random.nextInt(4);
            long offset = random.nextLong(Pl011.SIZE - size + 1);
            if (random.nextBoolean()) {
                uart.read(0, offset, size);
            } else {
                uart.write(0, offset, size, random.nextLong());
            }
            if (random.nextInt(10) == 0) {
                backend.offer("z");
            }
        }
        int logged = log.lines().size();
        assertTrue(logged > 0 && logged < 100, "bad accesses logged, rate-limited: " + logged + " lines");
    }
}
