package io.jqvm.it.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.config.QvmConf;
import io.jqvm.devices.chardev.Stdio;
import io.jqvm.testkit.Command;
import io.jqvm.vmm.PowerSwitch;
import io.jqvm.vmm.VmRuntime;
import io.jqvm.vmm.Vmm;
import io.jqvm.vmm.assembly.AcceleratorChoice;
import io.jqvm.vmm.pass.vfio.FakeSysfs;
import io.jqvm.vmm.pass.vfio.FakeVfioKernel;
import io.jqvm.vmm.pass.vfio.VfioHost;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pass loc pci:} with a guest driving the device: the guest kit's vfio-device program, on the software
 * CPU, finds the passed-through device on bus 0, places its BARs, reads its ID register through the BAR mapped
 * into guest memory, programs MSI-X vector 0 with the GICv2m doorbell and takes the device's interrupt for each
 * doorbell it rings. The device is the vmm tests' simulated one behind the fake VFIO kernel and a fake sysfs (no
 * VFIO-capable device exists here); this test's device thread plays its host side: it sees the doorbell the guest
 * stored in the mapped BAR, writes a result there and signals vector 0's eventfd. The VM runs in this JVM so the
 * fake can be bound around its assembly ({@link VfioHost#BOUND}).
 */
class VfioGuestTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final long ID = 0x5eed_0001L;
    /** A device register in the shared BAR memory the guest also maps. */
    private static final VarHandle REGISTER = ValueLayout.JAVA_INT.varHandle();

    @TempDir
    Path dir;

    @Test
    void aGuestReadsTheMappedBarAndTakesTheDevicesMsixInterrupts() throws Exception {
        Path sources = Command.repo().resolve("guests/aarch64");
        Path out = Command.repo().resolve("guests/target/aarch64");
        Command.Result build = Command.run(List.of("make", "-C", sources.toString(), "OUT=" + out, "pass"), sources, TIMEOUT);
        assertEquals(0, build.exitStatus(), build.describe());

        FakeVfioKernel kernel = new FakeVfioKernel();
        kernel.bar0.set(ValueLayout.JAVA_INT, 0, (int) ID);
        FakeSysfs sysfs = new FakeSysfs(dir.resolve("sys")).device(FakeVfioKernel.NAME, FakeVfioKernel.VENDOR,
                FakeVfioKernel.DEVICE, FakeVfioKernel.GROUP, "vfio-pci");
        Thread device = Thread.ofPlatform().daemon().name("simulated-vfio-device").start(() -> answerDoorbells(kernel));

        var spec = QvmConf.parse(List.of("system", "vfio-guest-" + ProcessHandle.current().pid(),
                "ram", "0x40000000,64M", "vdev", "gic", "version", "2", "gicd", "0x08000000", "gicc", "0x08010000",
                "vdev", "pl011", "loc", "0x09000000", "intr", "gic:33", "hostdev", ">-",
                "pass", "loc", "pci:0:2.0=pci:1:0.0", "load", out.resolve("vfio-device.elf").toString()), dir);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Vmm.Host host = new Vmm.Host(false, Stdio.streams(InputStream::nullInputStream, console), new PowerSwitch(),
                runtime -> { });
        VmRuntime.Outcome outcome = ScopedValue.where(VfioHost.BOUND, new VfioHost(kernel, sysfs.root()))
                .call(() -> new Vmm(AcceleratorChoice.installed()).run(spec, host));
        device.interrupt();
        String text = console.toString(StandardCharsets.UTF_8);
        assertEquals(ExitStatus.NORMAL, outcome.status(), outcome.reason() + "\n" + text);
        assertEquals("""
                device at 00:2.0
                id 5eed0001
                capability 40: id 11, vectors 4, table in BAR 2 at 0
                round 1: interrupts 1, result 3
                round 2: interrupts 1, result 6
                round 3: interrupts 1, result 9
                others 0
                PASS vfio-device
                """, text.replace("\r\n", "\n").replaceAll("(?s)PSCI.*", ""));
        assertEquals(0, kernel.forwarded(0), "BAR 0 is mapped into guest memory: no guest access went through the device file");
        assertTrue(kernel.openDescriptors().isEmpty(), "the VM released the device: " + kernel.openDescriptors());
        assertTrue(kernel.dma.isEmpty() && kernel.mappings().isEmpty(), "and undid its DMA and BAR mappings");
    }

    /** The device's host side: each new doorbell value n gets the result 3n and an MSI-X vector 0. */
    private static void answerDoorbells(FakeVfioKernel kernel) {
        int answered = 0;
        while (!Thread.currentThread().isInterrupted()) {
            int doorbell = (int) REGISTER.getVolatile(kernel.bar0, 4L);
            if (doorbell != answered) {
                REGISTER.setVolatile(kernel.bar0, 8L, doorbell * 3);
                if (kernel.raiseMsix(0)) {
                    answered = doorbell;
                }
            }
            LockSupport.parkNanos(1_000_000); // a poll, as a device's host side without a doorbell eventfd
        }
    }
}
