package io.jqvm.boot.fdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.boot.fdt.Arm64Board.Peripheral;
import io.jqvm.boot.fdt.Arm64Board.Range;
import java.util.List;
import org.junit.jupiter.api.Test;

class Arm64BoardTreeTest {
    private static Arm64Board virt(int cpus, Arm64Board.Gic gic) {
        return new Arm64Board(List.of(new Range(0x4000_0000L, 0x1000_0000L)), cpus, gic, Arm64Board.TimerPpis.STANDARD,
                List.of(Peripheral.pl011(0x0900_0000L, 1), Peripheral.pl031(0x0901_0000L, 2),
                        Peripheral.sp805(0x0903_0000L, 3, 25_000_000), Peripheral.virtioMmio(0x0A00_0000L, 16)),
                "console=ttyAMA0 nokaslr", new Range(0x4800_0000L, 0x20_0000), null);
    }

    private static String dts(Arm64Board board) {
        Dtc.Result r = Dtc.run(Arm64BoardTree.build(board).toBlob(), "-I", "dtb", "-O", "dts");
        assertFalse(r.warnings().contains("Warning"), r.warnings());
        return r.source();
    }

    @Test
    void gicV2BoardHasQemuVirtShape() {
        String dts = dts(virt(2, new Arm64Board.GicV2(0x0800_0000L, 0x0801_0000L)));
        assertTrue(dts.contains("#address-cells = <0x02>;"), dts);
        assertTrue(dts.contains("interrupt-parent = <0x8001>;"), dts);
        assertTrue(dts.contains("memory@40000000 {"), dts);
        assertTrue(dts.contains("reg = <0x00 0x40000000 0x00 0x10000000>;"), dts);
        assertTrue(dts.contains("cpu@1 {"), dts);
        assertTrue(dts.contains("enable-method = \"psci\";"), dts);
        assertTrue(dts.contains("compatible = \"arm,armv8\";"), dts);
        assertTrue(dts.contains("compatible = \"arm,psci-1.0\\0arm,psci-0.2\";"), dts);
        assertTrue(dts.contains("method = \"hvc\";"), dts);
        assertTrue(dts.contains("interrupts = <0x01 0x0d 0x304 0x01 0x0e 0x304 0x01 0x0b 0x304 0x01 0x0a 0x304>;"), dts);
        assertTrue(dts.contains("compatible = \"arm,cortex-a15-gic\";"), dts);
        assertTrue(dts.contains("reg = <0x00 0x8000000 0x00 0x1000 0x00 0x8010000 0x00 0x2000>;"), dts);
        assertTrue(dts.contains("clock-frequency = <0x16e3600>;"), dts);
        assertTrue(dts.contains("clock-names = \"uartclk\\0apb_pclk\";"), dts);
        assertTrue(dts.contains("clocks = <0x8000 0x8000>;"), dts);
        assertTrue(dts.contains("interrupts = <0x00 0x01 0x04>;"), dts);
        assertTrue(dts.contains("compatible = \"arm,pl031\\0arm,primecell\";"), dts);
        assertTrue(dts.contains("interrupts = <0x00 0x10 0x01>;"), dts);
        assertTrue(dts.contains("dma-coherent;"), dts);
        assertTrue(dts.contains("bootargs = \"console=ttyAMA0 nokaslr\";"), dts);
        assertTrue(dts.contains("linux,initrd-start = <0x00 0x48000000>;"), dts);
        assertTrue(dts.contains("linux,initrd-end = <0x00 0x48200000>;"), dts);
        assertTrue(dts.contains("stdout-path = \"/pl011@9000000\";"), dts);
    }

    /** QEMU virt's power button, node for node as its dumped device tree has it (dumpdtb, dtc -I dtb). */
    @Test
    void pl061CarriesTheGpioKeysPowerButton() {
        Arm64Board board = new Arm64Board(List.of(new Range(0x4000_0000L, 0x1000_0000L)), 1,
                new Arm64Board.GicV2(0x0800_0000L, 0x0801_0000L), Arm64Board.TimerPpis.STANDARD,
                List.of(Peripheral.pl011(0x0900_0000L, 1), Peripheral.pl061(0x0903_0000L, 7)), null, null, null);
        String dts = dts(board);
        String gpio = dts.substring(dts.indexOf("pl061@9030000 {"));
        gpio = gpio.substring(0, gpio.indexOf("};"));
        assertTrue(gpio.contains("compatible = \"arm,pl061\\0arm,primecell\";"), dts);
        assertTrue(gpio.contains("reg = <0x00 0x9030000 0x00 0x1000>;"), dts);
        assertTrue(gpio.contains("interrupts = <0x00 0x07 0x04>;"), dts);
        assertTrue(gpio.contains("gpio-controller;"), dts);
        assertTrue(gpio.contains("#gpio-cells = <0x02>;"), dts);
        assertTrue(gpio.contains("phandle = <0x8004>;"), dts);
        assertTrue(gpio.contains("clock-names = \"apb_pclk\";"), dts);
        String keys = dts.substring(dts.indexOf("gpio-keys {"));
        assertTrue(keys.contains("compatible = \"gpio-keys\";"), dts);
        assertTrue(keys.contains("poweroff {"), dts);
        assertTrue(keys.contains("gpios = <0x8004 0x03 0x00>;"), dts);
        assertTrue(keys.contains("linux,code = <0x74>;"), dts);
        assertTrue(keys.contains("label = \"GPIO Key Poweroff\";"), dts);
    }

    @Test
    void watchdogGetsAClockOfItsOwnRate() {
        String dts = dts(virt(1, new Arm64Board.GicV2(0x0800_0000L, 0x0801_0000L)));
        assertTrue(dts.contains("clk-25000000 {"), dts);
        assertTrue(dts.contains("clock-frequency = <0x17d7840>;"), dts);
        assertTrue(dts.contains("clocks = <0x8010 0x8000>;"), dts);
        assertTrue(dts.contains("clock-names = \"wdog_clk\\0apb_pclk\";"), dts);
        assertTrue(dts.contains("0x01 0x0d 0x104"), "one-CPU PPI mask");
    }

    @Test
    void gicV3BoardHasRedistributorsAndNoCpuMask() {
        Fdt fdt = Arm64BoardTree.build(virt(20, new Arm64Board.GicV3(0x0800_0000L, 0x080A_0000L)));
        String dts = Dtc.decompile(fdt.toBlob());
        assertTrue(dts.contains("compatible = \"arm,gic-v3\";"), dts);
        assertTrue(dts.contains("#redistributor-regions = <0x01>;"), dts);
        assertTrue(dts.contains("reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 0x280000>;"), dts);
        assertTrue(dts.contains("0x01 0x0b 0x04"), dts);
        assertNotNull(fdt.root().find("cpus/cpu@103"), "CPU 19 is Aff1 1, Aff0 3");
        assertEquals(0x103, java.nio.ByteBuffer.wrap(fdt.root().find("cpus/cpu@103").property("reg")).getInt());
    }

    @Test
    void noInitrdNoStdoutWithoutUart() {
        Arm64Board bare = new Arm64Board(List.of(new Range(0x4000_0000L, 0x800_0000L)), 1,
                new Arm64Board.GicV2(0x0800_0000L, 0x0801_0000L), Arm64Board.TimerPpis.STANDARD, List.of(), null, null, null);
        FdtNode chosen = Arm64BoardTree.build(bare).root().find("chosen");
        assertTrue(chosen.properties().isEmpty());
        Dtc.decompile(Arm64BoardTree.build(bare).toBlob());
    }

    @Test
    void rngSeedGoesToChosen() {
        Arm64Board seeded = new Arm64Board(List.of(new Range(0x4000_0000L, 0x800_0000L)), 1,
                new Arm64Board.GicV2(0x0800_0000L, 0x0801_0000L), Arm64Board.TimerPpis.STANDARD, List.of(), null, null, null,
                new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        String dts = Dtc.decompile(Arm64BoardTree.build(seeded).toBlob());
        assertTrue(dts.contains("rng-seed = <0x1020304 0x5060708>;"), dts);
    }

    @Test
    void invalidBoardsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Arm64BoardTree.build(virt(9, new Arm64Board.GicV2(0, 0x1000))));
        assertThrows(IllegalArgumentException.class, () -> Arm64BoardTree.build(virt(0, new Arm64Board.GicV3(0, 0x10000))));
        Arm64Board fastWatchdog = new Arm64Board(List.of(new Range(0x4000_0000L, 0x800_0000L)), 1,
                new Arm64Board.GicV2(0, 0x1000), Arm64Board.TimerPpis.STANDARD,
                List.of(Peripheral.sp805(0x1C0F_0000L, 3, 5_000_000_000L)), null, null, null);
        String message = assertThrows(IllegalArgumentException.class, () -> Arm64BoardTree.build(fastWatchdog)).getMessage();
        assertTrue(message.contains("watchdog@1c0f0000"), message);
    }
}
