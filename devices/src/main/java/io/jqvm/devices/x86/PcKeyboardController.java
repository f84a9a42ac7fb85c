package io.jqvm.devices.x86;

import io.jqvm.device.GuestAccessLog;
import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.IrqLine;
import io.jqvm.device.VmControl;
import java.util.ArrayDeque;

/**
 * The PC's 8042 keyboard controller (qvm's pckeyboard vdev), minimal: enough for a guest to probe it, to
 * find no keys pressed, and to reset the machine. Data port 0x60 and status/command port 0x64 are two
 * one-byte bus windows, {@link #dataPort()} and {@link #commandPort()}, because port 0x61 between them
 * belongs to another device.
 *
 * <p>Controller commands: 0x20 read and 0x60 write the command byte, 0xAA self-test (answers 0x55),
 * 0xAB keyboard interface test (0x00), 0xAD/0xAE and 0xA7/0xA8 disable/enable keyboard and auxiliary
 * port, 0xD0 read and 0xD1 write the output port (bit 0 clear resets), 0xF0-0xFF pulse output lines
 * (0xFE pulses reset). Bytes sent to the keyboard are acknowledged (0xFA), reset (0xFF) also answers
 * 0xAA and identify (0xF2) answers 0xAB 0x83. Reading an empty output buffer returns the last byte read.
 * IRQ 1 is asserted while the output buffer is full and the command byte enables keyboard interrupts.
 */
public final class PcKeyboardController {
    static final int STATUS_OUTPUT_FULL = 0x01;
    static final int STATUS_SYSTEM_FLAG = 0x04;
    static final int STATUS_LAST_WAS_COMMAND = 0x08;
    static final int STATUS_NOT_INHIBITED = 0x10;
    static final int COMMAND_BYTE_KEYBOARD_IRQ = 0x01;
    static final int COMMAND_BYTE_SYSTEM_FLAG = 0x04;
    static final int COMMAND_BYTE_KEYBOARD_DISABLED = 0x10;
    static final int COMMAND_BYTE_AUX_DISABLED = 0x20;
    /** As firmware leaves it: keyboard interrupt on, system flag set, scan-code translation on. */
    static final int DEFAULT_COMMAND_BYTE = 0x45;
    private static final int OUTPUT_PORT_RESET_HIGH = 0x01;
    private static final int OUTPUT_PORT_A20 = 0x02;
    private static final int OUTPUT_LIMIT = 16;
    private static final int ACK = 0xfa;

    /** What the next byte written to the data port is for. */
    private enum Pending { KEYBOARD, COMMAND_BYTE, OUTPUT_PORT, KEYBOARD_ARGUMENT }

    private final IrqLine irq;
    private final VmControl vm;
    private final GuestAccessLog log = new GuestAccessLog("pckeyboard");
    private final ArrayDeque<Integer> output = new ArrayDeque<>();
    private final BusDevice data = new Port(true);
    private final BusDevice command = new Port(false);
    private int commandByte = DEFAULT_COMMAND_BYTE;
    private int outputPort = OUTPUT_PORT_RESET_HIGH | OUTPUT_PORT_A20;
    private int lastRead;
    private boolean lastWasCommand;
    private Pending pending = Pending.KEYBOARD;
    private boolean irqAsserted;

    /**
     * @param irq the keyboard interrupt (ISA IRQ 1)
     * @param vm  where reset requests go
     */
    public PcKeyboardController(IrqLine irq, VmControl vm) {
        this.irq = irq;
        this.vm = vm;
    }

    /** Port 0x60, one byte. */
    public BusDevice dataPort() {
        return data;
    }

    /** Port 0x64, one byte: status on read, command on write. */
    public BusDevice commandPort() {
        return command;
    }

    private final class Port implements BusDevice {
        private final boolean isData;

        Port(boolean isData) {
            this.isData = isData;
        }

        @Override
        public long read(int vcpu, long offset, int size) {
            // The ports are 8 bits wide; a wider access reads the byte zero-extended.
            return isData ? readData() : readStatus();
        }

        @Override
        public void write(int vcpu, long offset, int size, long value) {
            if (isData) {
                writeData((int) value & 0xff);
            } else {
                writeCommand((int) value & 0xff);
            }
        }
    }

    synchronized int readStatus() {
        int s = STATUS_NOT_INHIBITED;
        if (!output.isEmpty()) {
            s |= STATUS_OUTPUT_FULL;
        }
        if ((commandByte & COMMAND_BYTE_SYSTEM_FLAG) != 0) {
            s |= STATUS_SYSTEM_FLAG;
        }
        if (lastWasCommand) {
            s |= STATUS_LAST_WAS_COMMAND;
        }
        return s;
    }

    synchronized int readData() {
        Integer b = output.poll();
        if (b != null) {
            lastRead = b;
        }
        updateIrq();
        return lastRead;
    }

    synchronized void writeCommand(int cmd) {
        lastWasCommand = true;
        pending = Pending.KEYBOARD;
        switch (cmd) {
            case 0x20 -> respond(commandByte);
            case 0x60 -> pending = Pending.COMMAND_BYTE;
            case 0xa7 -> commandByte |= COMMAND_BYTE_AUX_DISABLED;
            case 0xa8 -> commandByte &= ~COMMAND_BYTE_AUX_DISABLED;
            case 0xaa -> {
                commandByte |= COMMAND_BYTE_SYSTEM_FLAG;
                respond(0x55);
            }
            case 0xab -> respond(0x00);
            case 0xad -> commandByte |= COMMAND_BYTE_KEYBOARD_DISABLED;
            case 0xae -> commandByte &= ~COMMAND_BYTE_KEYBOARD_DISABLED;
            case 0xd0 -> respond(outputPort);
            case 0xd1 -> pending = Pending.OUTPUT_PORT;
            default -> {
                if ((cmd & 0xf0) == 0xf0) {
                    if ((cmd & OUTPUT_PORT_RESET_HIGH) == 0) {
                        vm.reset("keyboard controller reset");
                    }
                } else {
                    log.report("controller command " + Hex.of(cmd) + " not implemented; ignored");
                }
            }
        }
        updateIrq();
    }

    synchronized void writeData(int b) {
        lastWasCommand = false;
        Pending target = pending;
        pending = Pending.KEYBOARD;
        switch (target) {
            case COMMAND_BYTE -> commandByte = b;
            case OUTPUT_PORT -> {
                outputPort = b;
                if ((b & OUTPUT_PORT_RESET_HIGH) == 0) {
                    vm.reset("keyboard controller reset");
                }
            }
            case KEYBOARD_ARGUMENT -> respond(ACK);
            case KEYBOARD -> keyboardCommand(b);
        }
        updateIrq();
    }

    private void keyboardCommand(int b) {
        respond(ACK);
        switch (b) {
            case 0xff -> respond(0xaa); // reset: self-test passed
            case 0xf2 -> {
                respond(0xab); // identify: MF2 keyboard
                respond(0x83);
            }
            case 0xed, 0xf0, 0xf3 -> pending = Pending.KEYBOARD_ARGUMENT; // LEDs, scan code set, typematic
            default -> { }
        }
    }

    private void respond(int b) {
        if (output.size() < OUTPUT_LIMIT) {
            output.add(b);
        } else {
            log.report("output buffer full; response " + Hex.of(b) + " dropped");
        }
    }

    private void updateIrq() {
        boolean level = !output.isEmpty() && (commandByte & COMMAND_BYTE_KEYBOARD_IRQ) != 0;
        if (level != irqAsserted) {
            irqAsserted = level;
            irq.set(level);
        }
    }
}
