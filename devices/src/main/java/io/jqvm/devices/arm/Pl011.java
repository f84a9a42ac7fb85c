package io.jqvm.devices.arm;

import io.jqvm.device.DeviceCounters;
import io.jqvm.device.Metered;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.CharBackend;
import io.jqvm.device.IrqLine;

/**
 * Arm PrimeCell UART PL011 (qvm {@code vdev pl011}; QEMU virt puts it at 0x09000000, SPI 1). Transmission
 * is instantaneous: a byte written to UARTDR goes straight to the backend, so the transmit FIFO is always
 * empty and the transmit interrupt is raised after every write. Received bytes are pulled from the backend
 * while the receive FIFO (32 entries with FEN, else a 1-byte holding register) has room.
 *
 * <p>The receive timeout interrupt stands for "characters sit in the FIFO and no more are arriving": it is
 * raised whenever a pull leaves the FIFO non-empty and cleared when the FIFO empties.
 */
public final class Pl011 implements BusDevice, Metered {
    /** Characters moved, one request each (transmitted to or received from the backend). */
    private final DeviceCounters counters = new DeviceCounters();

    public static final long SIZE = 0x1000;
    static final PrimeCellId ID = new PrimeCellId(0x11, 0x10, 0x14, 0x00);
    private static final int FIFO_DEPTH = 32;

    static final int DR = 0x000;
    static final int RSR = 0x004;
    static final int FR = 0x018;
    static final int ILPR = 0x020;
    static final int IBRD = 0x024;
    static final int FBRD = 0x028;
    static final int LCR_H = 0x02C;
    static final int CR = 0x030;
    static final int IFLS = 0x034;
    static final int IMSC = 0x038;
    static final int RIS = 0x03C;
    static final int MIS = 0x040;
    static final int ICR = 0x044;
    static final int DMACR = 0x048;

    static final int FR_BUSY = 1 << 3;
    static final int FR_RXFE = 1 << 4;
    static final int FR_TXFF = 1 << 5;
    static final int FR_RXFF = 1 << 6;
    static final int FR_TXFE = 1 << 7;

    static final int INT_RX = 1 << 4;
    static final int INT_TX = 1 << 5;
    static final int INT_RT = 1 << 6;
    private static final int INT_ALL = 0x7FF;

    static final int LCR_FEN = 1 << 4;
    static final int CR_UARTEN = 1;
    static final int CR_LBE = 1 << 7;
    static final int CR_TXE = 1 << 8;
    static final int CR_RXE = 1 << 9;

    private final IrqLine irq;
    private final CharBackend backend;
    private final GuestAccessLog log = new GuestAccessLog("pl011");

    private final int[] rxFifo = new int[FIFO_DEPTH];
    private int rxHead;
    private int rxCount;
    private int ilpr;
    private int ibrd;
    private int fbrd;
    private int lcrH;
    /** Enabled for transmit and receive from reset, as firmware leaves it, so that earlycon works. */
    /** QEMU's reset value (TXE and RXE, UARTEN clear); see {@link #transmit} for why UARTEN is not required. */
    private int cr = CR_TXE | CR_RXE;
    private int ifls = 0x12;
    private int imsc;
    private int ris;
    private int dmacr;
    private boolean irqLevel;

    public Pl011(IrqLine irq, CharBackend backend) {
        this.irq = irq;
        this.backend = backend;
        backend.onInput(this::pullInput);
    }

    /**
     * Registers are 32 bits wide but Linux's driver makes 16-bit accesses (and earlycon byte writes to
     * UARTDR): an aligned access of 1, 2 or 4 bytes reaches the register's low bits.
     */
    private boolean validAccess(long offset, int size, String kind) {
        if (size > 4 || (offset & 3) != 0) {
            log.report(size + "-byte " + kind + " at " + Hex.of(offset) + " is not an aligned access of at most 4 bytes");
            return false;
        }
        return true;
    }

    @Override
    public synchronized long read(int vcpu, long offset, int size) {
        if (!validAccess(offset, size, "read")) {
            return 0;
        }
        return readRegister(offset) & (0xFFFF_FFFFL >>> (32 - 8 * size));
    }

    private long readRegister(long offset) {
        if (PrimeCellId.covers(offset)) {
            return ID.read(offset);
        }
        return switch ((int) offset) {
            case DR -> readData();
            case RSR -> 0; // no framing, parity, break or overrun errors ever happen
            case FR -> flags();
            case ILPR -> ilpr;
            case IBRD -> ibrd;
            case FBRD -> fbrd;
            case LCR_H -> lcrH;
            case CR -> cr;
            case IFLS -> ifls;
            case IMSC -> imsc;
            case RIS -> ris;
            case MIS -> ris & imsc;
            case DMACR -> dmacr;
            default -> {
                log.report("read of reserved offset " + Hex.of(offset));
                yield 0;
            }
        };
    }

    @Override
    public synchronized void write(int vcpu, long offset, int size, long value) {
        if (!validAccess(offset, size, "write")) {
            return;
        }
        int v = (int) (value & (0xFFFF_FFFFL >>> (32 - 8 * size)));
        switch ((int) offset) {
            case DR -> transmit(v & 0xFF);
            case RSR -> { } // writing clears the (never set) error flags
            case ILPR -> ilpr = v & 0xFF;
            case IBRD -> ibrd = v & 0xFFFF;
            case FBRD -> fbrd = v & 0x3F;
            case LCR_H -> setLineControl(v & 0xFF);
            case CR -> cr = v & 0xFF87;
            case IFLS -> ifls = v & 0x3F;
            case IMSC -> imsc = v & INT_ALL;
            case ICR -> ris &= ~v;
            case DMACR -> {
                dmacr = v & 7;
                if (dmacr != 0) {
                    log.report("DMA requested through UARTDMACR, but the UART has no DMA channel");
                }
            }
            default -> log.report("write of " + Hex.of(value) + " to read-only or reserved offset " + Hex.of(offset) + " ignored");
        }
        if (offset == CR || offset == LCR_H) {
            fillFromBackend();
        }
        updateIrq();
    }

    private int capacity() {
        return (lcrH & LCR_FEN) != 0 ? FIFO_DEPTH : 1;
    }

    private void setLineControl(int value) {
        lcrH = value;
        if (rxCount > capacity()) {
            log.report("FIFOs disabled with " + rxCount + " received bytes waiting: all but the oldest dropped");
            rxCount = capacity();
        }
    }

    private int flags() {
        int fr = FR_TXFE;
        if (rxCount == 0) {
            fr |= FR_RXFE;
        }
        if (rxCount == capacity()) {
            fr |= FR_RXFF;
        }
        return fr;
    }

    private int readData() {
        if (rxCount == 0) {
            return 0;
        }
        int b = rxFifo[rxHead];
        rxHead = (rxHead + 1) % FIFO_DEPTH;
        rxCount--;
        if (rxCount < rxTriggerLevel()) {
            ris &= ~INT_RX;
        }
        if (rxCount == 0) {
            ris &= ~INT_RT;
        }
        fillFromBackend();
        updateIrq();
        return b;
    }

    /**
     * Guests written for QEMU's virt board print without ever setting UARTEN (QEMU does not check it), so
     * jqvm, which runs them unchanged, gates transmission and reception on TXE and RXE only.
     */
    private void transmit(int b) {
        if ((cr & CR_TXE) == 0) {
            log.report("byte written while the transmitter is disabled (UARTCR " + Hex.of(cr) + "): dropped");
            return;
        }
        if ((cr & CR_LBE) != 0) {
            receive(b);
        } else {
            backend.write(b);
            counters.request(1);
        }
        ris |= INT_TX;
    }

    /** Number of received bytes that raises the receive interrupt (UARTIFLS.RXIFLSEL; 1 without FIFO). */
    private int rxTriggerLevel() {
        if ((lcrH & LCR_FEN) == 0) {
            return 1;
        }
        int eighths = switch ((ifls >> 3) & 7) {
            case 0 -> 1;
            case 1 -> 2;
            case 2 -> 4;
            case 3 -> 6;
            default -> 7;
        };
        return FIFO_DEPTH * eighths / 8;
    }

    private boolean receive(int b) {
        if (rxCount == capacity()) {
            return false;
        }
        rxFifo[(rxHead + rxCount) % FIFO_DEPTH] = b & 0xFF;
        rxCount++;
        if (rxCount >= rxTriggerLevel()) {
            ris |= INT_RX;
        }
        return true;
    }

    /** The backend's input callback: takes what fits. */
    private synchronized void pullInput() {
        fillFromBackend();
        updateIrq();
    }

    private void fillFromBackend() {
        if ((cr & CR_RXE) == 0 || (cr & CR_LBE) != 0) {
            return;
        }
        while (rxCount < capacity()) {
            int b = backend.read();
            if (b < 0) {
                break;
            }
            receive(b);
            counters.request(1);
        }
        if (rxCount > 0) {
            ris |= INT_RT;
        }
    }

    private void updateIrq() {
        boolean level = (ris & imsc) != 0;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    @Override
    public DeviceCounters counters() {
        return counters;
    }
}
