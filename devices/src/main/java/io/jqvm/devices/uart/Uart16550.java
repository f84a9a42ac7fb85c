package io.jqvm.devices.uart;

import io.jqvm.device.DeviceCounters;
import io.jqvm.device.Metered;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.CharBackend;
import io.jqvm.device.IrqLine;
import java.util.ArrayDeque;

/**
 * A 16550A UART (qvm's ser8250 vdev), as seen through its eight byte registers (16550D datasheet,
 * "Register Description"). Transmission is instantaneous: THR and the transmitter are always empty, and a
 * THRE interrupt is pending after every write to THR or enabling of the THRE interrupt. Received bytes are
 * pulled from the backend only while the RX FIFO (16 bytes, or 1 with FIFOs off) has room, so a guest that
 * does not read holds the host back instead of losing input. Overruns happen only in loopback mode.
 *
 * <p>Outside loopback the modem inputs read as a connected terminal (DCD, DSR, CTS set). The interrupt
 * output is the IIR state, not gated by MCR OUT2.
 *
 * <p>Threat model: any register value the guest writes is defined; wide accesses act on the low byte and
 * are logged (rate-limited). Lock order: this device, then the IRQ line's controller.
 */
public final class Uart16550 implements BusDevice, Metered {
    /** Characters moved, one request each (transmitted to or received from the backend). */
    private final DeviceCounters counters = new DeviceCounters();

    public static final int WINDOW_SIZE = 8;
    static final int FIFO_SIZE = 16;

    static final int RBR_THR_DLL = 0;
    static final int IER_DLM = 1;
    static final int IIR_FCR = 2;
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    static final int IER_RX_AVAILABLE = 0x01;
    static final int IER_THR_EMPTY = 0x02;
    static final int IER_LINE_STATUS = 0x04;
    static final int IER_MODEM_STATUS = 0x08;

    static final int IIR_NONE = 0x01;
    static final int IIR_LINE_STATUS = 0x06;
    static final int IIR_RX_AVAILABLE = 0x04;
    static final int IIR_CHAR_TIMEOUT = 0x0c;
    static final int IIR_THR_EMPTY = 0x02;
    static final int IIR_MODEM_STATUS = 0x00;
    static final int IIR_FIFOS_ENABLED = 0xc0;

    static final int FCR_ENABLE = 0x01;
    static final int FCR_CLEAR_RX = 0x02;
    static final int LCR_DLAB = 0x80;
    static final int MCR_DTR = 0x01;
    static final int MCR_RTS = 0x02;
    static final int MCR_OUT1 = 0x04;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;
    static final int LSR_DATA_READY = 0x01;
    static final int LSR_OVERRUN = 0x02;
    static final int LSR_THR_EMPTY = 0x20;
    static final int LSR_TRANSMITTER_EMPTY = 0x40;
    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_RI = 0x40;
    static final int MSR_DCD = 0x80;
    private static final int[] TRIGGER_LEVELS = {1, 4, 8, 14};

    /**
     * The register state, enough to rebuild the device.
     *
     * @param msr modem status: inputs in bits 4-7, delta bits 0-3
     * @param rx  the RX FIFO, oldest byte first
     */
    public record State(int dll, int dlm, int ier, int lcr, int mcr, int lsrErrors, int msr, int scr,
                        boolean fifoEnabled, int triggerLevel, boolean thrInterruptPending, byte[] rx) {
        public State {
            rx = rx.clone();
        }
    }

    private final IrqLine irq;
    private final CharBackend backend;
    private final GuestAccessLog badAccess;
    private final ArrayDeque<Byte> rx = new ArrayDeque<>(FIFO_SIZE);
    private int dll = 12; // 9600 baud from the 1.8432 MHz clock
    private int dlm;
    private int ier;
    private int lcr;
    private int mcr;
    private int lsrErrors;
    private int msr = MSR_DCD | MSR_DSR | MSR_CTS;
    private int scr;
    private boolean fifoEnabled;
    private int triggerLevel = 1;
    private boolean thrInterruptPending;
    private boolean irqAsserted;

    /**
     * @param name    how log lines name this UART, e.g. {@code ser8250 at io:0x3f8}
     * @param irq     the interrupt output
     * @param backend where output goes and input comes from; {@link #start()} connects its input
     */
    public Uart16550(String name, IrqLine irq, CharBackend backend) {
        this.irq = irq;
        this.backend = backend;
        this.badAccess = new GuestAccessLog(name);
    }

    /** Restores a UART saved with {@link #state()}. */
    public Uart16550(String name, IrqLine irq, CharBackend backend, State s) {
        this(name, irq, backend);
        dll = s.dll() & 0xff;
        dlm = s.dlm() & 0xff;
        ier = s.ier() & 0x0f;
        lcr = s.lcr() & 0xff;
        mcr = s.mcr() & 0x1f;
        lsrErrors = s.lsrErrors() & LSR_OVERRUN;
        msr = s.msr() & 0xff;
        scr = s.scr() & 0xff;
        fifoEnabled = s.fifoEnabled();
        triggerLevel = s.triggerLevel();
        thrInterruptPending = s.thrInterruptPending();
        for (byte b : s.rx()) {
            if (rx.size() < capacity()) {
                rx.add(b);
            }
        }
    }

    /**
     * Connects input: the backend calls back when bytes arrive. Separate from construction so the device is
     * complete before another thread can reach it.
     */
    public void start() {
        backend.onInput(this::pullInput);
        pullInput();
    }

    public synchronized State state() {
        byte[] bytes = new byte[rx.size()];
        int i = 0;
        for (byte b : rx) {
            bytes[i++] = b;
        }
        return new State(dll, dlm, ier, lcr, mcr, lsrErrors, msr, scr, fifoEnabled, triggerLevel,
                thrInterruptPending, bytes);
    }

    @Override
    public synchronized long read(int vcpu, long offset, int size) {
        checkWidth(offset, size, "read");
        int value = switch ((int) offset) {
            case RBR_THR_DLL -> dlab() ? dll : readRbr();
            case IER_DLM -> dlab() ? dlm : ier;
            case IIR_FCR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> readLsr();
            case MSR -> readMsr();
            case SCR -> scr;
            default -> {
                badAccess.report("read at offset " + Hex.of(offset) + " outside the 8 registers");
                yield 0xff;
            }
        };
        updateIrq();
        return value;
    }

    @Override
    public synchronized void write(int vcpu, long offset, int size, long value) {
        checkWidth(offset, size, "write");
        int v = (int) value & 0xff;
        switch ((int) offset) {
            case RBR_THR_DLL -> {
                if (dlab()) {
                    dll = v;
                } else {
                    transmit(v);
                }
            }
            case IER_DLM -> {
                if (dlab()) {
                    dlm = v;
                } else {
                    writeIer(v);
                }
            }
            case IIR_FCR -> writeFcr(v);
            case LCR -> lcr = v;
            case MCR -> writeMcr(v);
            case LSR, MSR -> badAccess.report("write of " + Hex.of(v) + " to read-only "
                    + (offset == LSR ? "LSR" : "MSR") + " ignored");
            case SCR -> scr = v;
            default -> badAccess.report("write at offset " + Hex.of(offset) + " outside the 8 registers");
        }
        refill();
        updateIrq();
    }

    /**
     * Moves waiting input into the RX FIFO while it has room. Called on the backend's input thread, and
     * after the guest frees room.
     */
    public synchronized void pullInput() {
        refill();
        updateIrq();
    }

    /** Takes input while the FIFO has room; the backend's read never blocks. Loopback disconnects input. */
    private void refill() {
        while (!loopback() && rx.size() < capacity()) {
            int b = backend.read();
            if (b < 0) {
                return;
            }
            rx.add((byte) b);
            counters.request(1);
        }
    }

    private void checkWidth(long offset, int size, String what) {
        if (size != 1) {
            badAccess.report(size + "-byte " + what + " at offset " + Hex.of(offset) + " treated as 1-byte");
        }
    }

    private boolean dlab() {
        return (lcr & LCR_DLAB) != 0;
    }

    private boolean loopback() {
        return (mcr & MCR_LOOP) != 0;
    }

    private int capacity() {
        return fifoEnabled ? FIFO_SIZE : 1;
    }

    private int readRbr() {
        Byte b = rx.poll();
        refill();
        return b == null ? 0 : b & 0xff;
    }

    private void transmit(int v) {
        if (loopback()) {
            receiveLooped(v);
        } else {
            backend.write(v);
            counters.request(1);
        }
        thrInterruptPending = true;
    }

    private void receiveLooped(int v) {
        if (rx.size() < capacity()) {
            rx.add((byte) v);
        } else {
            lsrErrors |= LSR_OVERRUN;
        }
    }

    private void writeIer(int v) {
        int enabling = v & ~ier;
        ier = v & 0x0f;
        // The THR is always empty, so enabling its interrupt raises it at once, as on the 16550.
        if ((enabling & IER_THR_EMPTY) != 0) {
            thrInterruptPending = true;
        }
    }

    private void writeFcr(int v) {
        boolean enable = (v & FCR_ENABLE) != 0;
        if (enable != fifoEnabled || (v & FCR_CLEAR_RX) != 0) {
            rx.clear();
        }
        fifoEnabled = enable;
        triggerLevel = TRIGGER_LEVELS[v >> 6 & 3];
    }

    private void writeMcr(int v) {
        mcr = v & 0x1f;
        int inputs = modemInputs();
        int old = msr & 0xf0;
        int delta = 0;
        if (((old ^ inputs) & MSR_CTS) != 0) {
            delta |= 0x01;
        }
        if (((old ^ inputs) & MSR_DSR) != 0) {
            delta |= 0x02;
        }
        if ((old & MSR_RI) != 0 && (inputs & MSR_RI) == 0) {
            delta |= 0x04; // trailing edge of ring indicator
        }
        if (((old ^ inputs) & MSR_DCD) != 0) {
            delta |= 0x08;
        }
        msr = inputs | (msr & 0x0f) | delta;
    }

    private int modemInputs() {
        if (!loopback()) {
            return MSR_DCD | MSR_DSR | MSR_CTS;
        }
        int in = 0;
        if ((mcr & MCR_RTS) != 0) {
            in |= MSR_CTS;
        }
        if ((mcr & MCR_DTR) != 0) {
            in |= MSR_DSR;
        }
        if ((mcr & MCR_OUT1) != 0) {
            in |= MSR_RI;
        }
        if ((mcr & MCR_OUT2) != 0) {
            in |= MSR_DCD;
        }
        return in;
    }

    private int readIir() {
        int id = interruptId();
        if (id == IIR_THR_EMPTY) {
            thrInterruptPending = false; // reading IIR while THRE is the source clears it
        }
        return (fifoEnabled ? IIR_FIFOS_ENABLED : 0) | id;
    }

    private int readLsr() {
        int value = (rx.isEmpty() ? 0 : LSR_DATA_READY) | lsrErrors | LSR_THR_EMPTY | LSR_TRANSMITTER_EMPTY;
        lsrErrors = 0;
        return value;
    }

    private int readMsr() {
        int value = msr;
        msr &= 0xf0;
        return value;
    }

    /** The highest-priority pending, enabled interrupt, as IIR bits 3:0. */
    synchronized int interruptId() {
        if ((ier & IER_LINE_STATUS) != 0 && lsrErrors != 0) {
            return IIR_LINE_STATUS;
        }
        if ((ier & IER_RX_AVAILABLE) != 0 && !rx.isEmpty()) {
            // Below the trigger level a real FIFO reports a character timeout once the line goes quiet;
            // input here arrives all at once, so the line is quiet immediately.
            return fifoEnabled && rx.size() < triggerLevel ? IIR_CHAR_TIMEOUT : IIR_RX_AVAILABLE;
        }
        if ((ier & IER_THR_EMPTY) != 0 && thrInterruptPending) {
            return IIR_THR_EMPTY;
        }
        if ((ier & IER_MODEM_STATUS) != 0 && (msr & 0x0f) != 0) {
            return IIR_MODEM_STATUS;
        }
        return IIR_NONE;
    }

    private void updateIrq() {
        boolean level = interruptId() != IIR_NONE;
        if (level != irqAsserted) {
            irqAsserted = level;
            irq.set(level);
        }
    }

    @Override
    public DeviceCounters counters() {
        return counters;
    }
}
