package io.jqvm.vmm.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.jqvm.accel.A64Entry;
import io.jqvm.boot.fdt.Fdt;
import io.jqvm.config.QvmConf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /chosen/rng-seed: fresh host randomness in every assembled device tree, as QEMU's virt board gives. */
class Arm64BootRngSeedTest {
    private static byte[] rngSeed(Path image) {
        List<String> board = List.of("arch", "aarch64", "ram", "0x40000000,16M", "vdev", "gic", "version", "2",
                "gicd", "0x08000000", "gicc", "0x08010000", "load", image.toString());
        try (Assembly a = VmBuilder.assemble(QvmConf.parse(board, Path.of(".")), List.of(), true)) {
            A64Entry entry = (A64Entry) a.entry();
            int size = Integer.reverseBytes(a.memory().read32(entry.x0() + 4));
            return Fdt.parse(a.memory().read(entry.x0(), size)).root().findChild("chosen").property("rng-seed");
        }
    }

    @Test
    void everyAssemblyGetsItsOwnSeed(@TempDir Path dir) throws Exception {
        Path image = Files.write(dir.resolve("raw.bin"), new byte[] {0x1f, 0x20, 0x03, (byte) 0xd5});
        byte[] first = rngSeed(image);
        byte[] second = rngSeed(image);
        assertEquals(Arm64Boot.RNG_SEED_BYTES, first.length);
        assertEquals(Arm64Boot.RNG_SEED_BYTES, second.length);
        assertFalse(Arrays.equals(first, second), "two boots, two seeds (equal 32-byte draws: 2^-256)");
        assertFalse(Arrays.equals(first, new byte[first.length]), "not left zero");
    }
}
