package io.jqvm.vmm.assembly;

import io.jqvm.config.model.VdevSpec;
import io.jqvm.devices.x86.PcKeyboardController;
import io.jqvm.memory.Space;
import io.jqvm.vmm.board.PcLayout;
import java.util.List;

/**
 * The PC keyboard controller (what lets a guest reset the machine): its {@code loc} is the data port, the
 * command port lies where the PC has it relative to that. The FADT names its reset register.
 */
final class PcKeyboardVdev implements VdevFamily {
    @Override
    public List<String> types() {
        return List.of("pckeyboard");
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long data = VdevRegistry.ioLocation(v).orElse((long) PcLayout.KEYBOARD_DATA_PORT);
        PcKeyboardController kbc = new PcKeyboardController(VdevRegistry.interrupts(a, v, owner, null), a.control);
        a.mapDevice(v, owner + " data", Space.IO, data, 1, kbc.dataPort());
        a.mapDevice(v, owner + " command", Space.IO, data + (PcLayout.KEYBOARD_COMMAND_PORT - PcLayout.KEYBOARD_DATA_PORT),
                1, kbc.commandPort());
    }
}
