package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.LinuxVm.Vmm;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A guest whose only console is virtio-console ({@code console=hvc0}, the PL011 left unconnected) reaches
 * the shell on hvc0, runs commands there, and powers off (status 0). QEMU: {@code virtio-serial-device}
 * with a {@code virtconsole} on stdio; jqvm: {@code vdev virtio-console hostdev >- hostdev <-}.
 */
class ConsoleTest {
    @ParameterizedTest
    @EnumSource(Vmm.class)
    void hvc0ReachesTheShellAndPowersOff(Vmm vmm, @TempDir Path dir) throws Exception {
        try (Console console = LinuxVm.under(vmm).with(new GuestDevice.Console(null)).onHvc0().boot(dir)) {
            GuestShell sh = new GuestShell(console);
            assertEquals("hvc0", sh.ok("cat /sys/class/tty/console/active"));
            assertEquals("/dev/hvc0", sh.ok("tty"));
            console.type("poweroff");
            assertEquals(0, console.waitForExit(GuestShell.COMMAND), console::describe);
        }
    }
}
