package io.jqvm.vmm.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;
import io.jqvm.config.QvmConf;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A UART's {@code hostdev} that does not exist yet: an error at its line, unless the vdev says {@code delayed}. */
class HostDevicesTest {
    @TempDir
    Path dir;

    private static Assembly assemble(String... tokens) {
        return VmBuilder.assemble(QvmConf.parse(List.of(tokens), Path.of(".")), List.of(), true);
    }

    @Test
    void aMissingHostDeviceStopsTheVmUnlessDelayed() {
        String missing = dir.resolve("not-yet").toString();
        VmmException e = assertThrows(VmmException.class, () -> assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "pl011", "loc", "0x09000000", "intr", "gic:33", "hostdev", missing));
        assertEquals(ExitStatus.FATAL_BEFORE_START, e.status());
        assertTrue(e.getMessage().contains("no such file or directory"), e.getMessage());

        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "pl011", "loc", "0x09000000", "intr", "gic:33", "hostdev", missing, "delayed", "5")) {
            assertTrue(a.mmio().find(0x09000000L, 4) != null, "the UART is there, its host line comes later");
        }
    }
}
