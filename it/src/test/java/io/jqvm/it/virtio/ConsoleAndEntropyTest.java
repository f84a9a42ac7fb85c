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
 * with a {@code virtconsole} on stdio; jqvm: {@code vdev virtio-console hostdev >- hostdev <-}. The same
 * boot has a virtio-entropy device (slot 1): it must be the guest's hwrng and yield bytes.
 */
class ConsoleAndEntropyTest {
    @ParameterizedTest
    @EnumSource(Vmm.class)
    void hvc0ReachesTheShellHwrngYieldsBytesAndPowerOff(Vmm vmm, @TempDir Path dir) throws Exception {
        LinuxVm vm = LinuxVm.under(vmm).with(new GuestDevice.Console(null)).with(new GuestDevice.Entropy()).onHvc0();
        try (Console console = vm.boot(dir)) {
            GuestShell sh = new GuestShell(console);
            assertEquals("hvc0", sh.ok("cat /sys/class/tty/console/active"));
            assertEquals("/dev/hvc0", sh.ok("tty"));
            assertEquals("virtio_rng.0", sh.ok("cat /sys/class/misc/hw_random/rng_current"));
            assertEquals("64", sh.ok("dd if=/dev/hwrng bs=64 count=1 2>/dev/null | wc -c"));
            console.type("poweroff");
            assertEquals(0, console.waitForExit(GuestShell.COMMAND), console::describe);
        }
    }
}
