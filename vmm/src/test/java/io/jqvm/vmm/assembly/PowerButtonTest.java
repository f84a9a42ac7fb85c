package io.jqvm.vmm.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.config.QvmConf;
import io.jqvm.device.Bus;
import io.jqvm.vmm.board.VirtLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each board's power button as the control API presses it, read back the way the guest's driver reads it. */
class PowerButtonTest {
    private static Assembly assemble(String... tokens) {
        return VmBuilder.assemble(QvmConf.parse(List.of(tokens), Path.of(".")), List.of(), true);
    }

    private static long read(Bus bus, long address, int size) {
        Bus.Window w = bus.find(address, size);
        return w.device().read(0, address - w.base(), size);
    }

    /** QEMU virt's: PL061 line 3 pressed (then released 100 ms later), an edge gpio-keys sees on both sides. */
    @Test
    void arm64PressesThePl061PowerKey() {
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "vdev", "pl061")) {
            Bus.Window gpio = a.mmio().find(VirtLayout.VIRT_PL061, 4);
            gpio.device().write(0, 0x408, 4, 1 << 3); // GPIOIBE: both edges of line 3, as gpio-keys asks
            assertEquals(0, read(a.mmio(), VirtLayout.VIRT_PL061 + 0x414, 4));
            a.powerButton().orElseThrow().run();
            assertEquals(1 << 3, read(a.mmio(), VirtLayout.VIRT_PL061 + 0x414, 4), "GPIORIS latched the press");
        }
    }

    /** The PC's ACPI fixed power button: PM1a_STS.PWRBTN_STS (bit 8), as QEMU's system_powerdown sets it. */
    @Test
    void pcSetsTheAcpiPowerButtonStatus() {
        try (Assembly a = assemble("arch", "x86_64", "ram", "0,640k", "ram", "1m,15m", "vdev", "ioapic", "loc", "0xfec00000",
                "name", "ioapic", "vdev", "acpi-pm", "loc", "io:0x604", "intr", "ioapic:9")) {
            assertEquals(0, read(a.pio(), 0x600, 2) & 0x100);
            a.powerButton().orElseThrow().run();
            assertEquals(0x100, read(a.pio(), 0x600, 2) & 0x100);
        }
    }

    @Test
    void aBoardWithoutOneHasNone() {
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M")) {
            assertTrue(a.powerButton().isEmpty());
        }
    }

    /** Devices that count their work are found when mapped: the UART's counters are the metrics'. */
    @Test
    void meteredDevicesAreFound() {
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M", "vdev", "pl011", "loc", "0x09000000",
                "intr", "gic:33", "vdev", "pl061")) {
            assertEquals(List.of("pl011"), List.copyOf(a.vdevCounters().keySet()));
        }
    }
}
