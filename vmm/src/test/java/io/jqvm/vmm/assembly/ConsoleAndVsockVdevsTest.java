package io.jqvm.vmm.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.config.ConfigException;
import io.jqvm.config.QvmConf;
import io.jqvm.vmm.board.VirtLayout;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-console and virtio-vsock vdevs in VM assembly: their transports, host resources and errors. */
class ConsoleAndVsockVdevsTest {
    private static Assembly assemble(String... tokens) {
        return VmBuilder.assemble(QvmConf.parse(List.of(tokens), Path.of(".")), List.of(), true);
    }

    @Test
    void aConsoleAndASocketDeviceSitInTheVirtioWindowAndTheMainSocketLivesWithTheVm(@TempDir Path dir) {
        Path uds = dir.resolve("v.sock");
        long console = VirtLayout.virtioMmioBase(0);
        long vsock = VirtLayout.virtioMmioBase(1);
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-console", "loc", Long.toString(console), "intr", "gic:" + VirtLayout.virtioMmioIntid(0),
                "hostdev", ">" + dir.resolve("hvc0.log"),
                "vdev", "virtio-vsock", "loc", Long.toString(vsock), "intr", "gic:" + VirtLayout.virtioMmioIntid(1),
                "cid", "3", "uds", uds.toString())) {
            assertEquals(3, a.mmio().find(console, 4).device().read(0, 0x008, 4), "console device ID");
            assertEquals(19, a.mmio().find(vsock, 4).device().read(0, 0x008, 4), "socket device ID");
            assertEquals(3, a.mmio().find(vsock, 4).device().read(0, 0x100, 4), "guest_cid");
            assertTrue(Files.exists(uds), "the main socket listens from assembly on");
        }
        assertFalse(Files.exists(uds), "and goes with the VM");
    }

    @Test
    void aMainSocketInUseIsAnErrorAtItsUdsOption(@TempDir Path dir) throws Exception {
        Path uds = dir.resolve("busy.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(uds));
            ConfigException e = assertThrows(ConfigException.class, () -> assemble("arch", "aarch64", "ram", "0x40000000,16M",
                    "vdev", "virtio-vsock", "loc", "0x0a000000", "intr", "gic:48", "cid", "3", "uds", uds.toString()));
            assertEquals(ExitStatus.CONFIG_ERROR, e.status());
            assertEquals("<command line>:1:13: vdev virtio-vsock uds " + uds + " is in use by another process", e.getMessage());
        }
    }

    @Test
    void aConsoleWithoutHostdevAssemblesWithNothingBehindIt() {
        try (Assembly a = assemble("arch", "aarch64", "ram", "0x40000000,16M",
                "vdev", "virtio-console", "loc", "0x0a000000", "intr", "gic:48")) {
            assertNotNull(a.mmio().find(0x0a000000L, 4));
        }
    }
}
