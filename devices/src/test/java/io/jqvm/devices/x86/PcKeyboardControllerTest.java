package io.jqvm.devices.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.device.BusDevice;
import io.jqvm.devices.RecordingIrq;
import io.jqvm.devices.RecordingVmControl;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PcKeyboardControllerTest {
    private final RecordingIrq irq = new RecordingIrq();
    private final RecordingVmControl vm = new RecordingVmControl();
    private final PcKeyboardController kbc = new PcKeyboardController(irq, vm);
    private final BusDevice data = kbc.dataPort();
    private final BusDevice cmd = kbc.commandPort();

    private int status() {
        return (int) cmd.read(0, 0, 1);
    }

    @Test
    void pulseResetLineResetsTheVm() {
        cmd.write(0, 0, 1, 0xfe);
        assertEquals(List.of("reset: keyboard controller reset"), vm.requests());
        cmd.write(0, 0, 1, 0xff);
        assertEquals(1, vm.requests().size(), "0xFF pulses nothing");
    }

    @Test
    void writingOutputPortWithResetLowResets() {
        cmd.write(0, 0, 1, 0xd1);
        data.write(0, 0, 1, 0x03);
        assertEquals(List.of(), vm.requests());
        cmd.write(0, 0, 1, 0xd1);
        data.write(0, 0, 1, 0x02);
        assertEquals(List.of("reset: keyboard controller reset"), vm.requests());
    }

    @Test
    void selfTestAnswers55AndEmptyBufferReadsLastByte() {
        assertEquals(0x14, status(), "not inhibited, system flag; output empty");
        cmd.write(0, 0, 1, 0xaa);
        assertEquals(0x1d, status(), "output full, last write was a command");
        assertTrue(irq.level());
        assertEquals(0x55, data.read(0, 0, 1));
        assertFalse(irq.level());
        assertEquals(0x55, data.read(0, 0, 1), "empty buffer: last byte again");
        assertEquals(0, status() & 1);
    }

    @Test
    void commandByteReadWrite() {
        cmd.write(0, 0, 1, 0x20);
        assertEquals(PcKeyboardController.DEFAULT_COMMAND_BYTE, data.read(0, 0, 1));
        cmd.write(0, 0, 1, 0x60);
        data.write(0, 0, 1, 0x00);
        cmd.write(0, 0, 1, 0x20);
        assertFalse(irq.level(), "keyboard interrupt disabled in the command byte");
        assertEquals(0x00, data.read(0, 0, 1));
        assertEquals(0x18, status(), "system flag follows the command byte; last write was a command");
    }

    @Test
    void keyboardCommandsAreAcknowledged() {
        data.write(0, 0, 1, 0xff);
        assertEquals(0xfa, data.read(0, 0, 1));
        assertEquals(0xaa, data.read(0, 0, 1));
        data.write(0, 0, 1, 0xed);
        data.write(0, 0, 1, 0x07);
        assertEquals(0xfa, data.read(0, 0, 1));
        assertEquals(0xfa, data.read(0, 0, 1));
        data.write(0, 0, 1, 0xf2);
        assertEquals(0xfa, data.read(0, 0, 1));
        assertEquals(0xab, data.read(0, 0, 1));
        assertEquals(0x83, data.read(0, 0, 1));
        assertEquals(0, status() & 1);
    }

    @Test
    void randomAccessesNeverThrowAndOutputStaysBounded() {
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            BusDevice port = random.nextBoolean() ? data : cmd;
            int size = 1 << random.nextInt(3);
            if (random.nextBoolean()) {
                port.write(0, 0, size, random.nextLong());
            } else {
                port.read(0, 0, size);
            }
        }
        int drained = 0;
        while ((status() & 1) != 0) {
            data.read(0, 0, 1);
            drained++;
        }
        assertTrue(drained <= 16);
        assertTrue(vm.requests().stream().allMatch(r -> r.equals("reset: keyboard controller reset")));
    }
}
