package io.jqvm.it.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.it.support.Console;
import io.jqvm.testkit.Command;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's arm64 kernel and the busybox initramfs of scripts/debian-arm64-guest.sh with virtio-mmio devices,
 * started under either VMM as the same machine: QEMU's {@code -M virt -cpu cortex-a57 -m 256} or jqvm's
 * arm64-virt board (examples/arm64-linux.qvmconf).
 *
 * <p>Device n goes to slot n of QEMU virt's virtio-mmio window: base 0x0a000000 + n * 0x200, SPI 16 + n
 * (GIC INTID 48 + n). Left to itself QEMU fills the window from the top (the first {@code -device} gets
 * 0x0a003e00) and Linux probes the lowest address first, so the last disk on QEMU's command line would
 * be vda; naming the bus ({@code bus=virtio-mmio-bus.n} is slot n) makes both VMMs agree that device 0 is
 * virtio0 and the first disk is vda.
 *
 * <p>{@link #onPci} puts the devices on PCI instead: device n at {@code 00:0(n+1).0} under both VMMs (QEMU's
 * {@code virtio-*-pci} with {@code addr=n+1}; jqvm's vdev without {@code loc}, which takes the next free slot
 * from 1, device 0 being the host bridge on both).
 */
final class LinuxVm {
    static final Duration BOOT = Duration.ofMinutes(4);
    static final long MMIO_BASE = 0x0a000000L;
    static final long MMIO_SLOT = 0x200;
    static final int FIRST_INTID = 48;
    private static final String CMDLINE = "nokaslr cryptomgr.notests quiet";

    /** The VMM under test, or QEMU as the oracle. */
    enum Vmm { QEMU, JQVM }

    private final Vmm vmm;
    private final List<GuestDevice> devices = new ArrayList<>();
    private String console = "ttyAMA0";
    private boolean pci;
    private String extraArguments = "";
    private String netns;

    private LinuxVm(Vmm vmm) {
        this.vmm = vmm;
    }

    static LinuxVm under(Vmm vmm) {
        return new LinuxVm(vmm);
    }

    /** Adds a device in the next slot. */
    LinuxVm with(GuestDevice device) {
        devices.add(device);
        return this;
    }

    /** {@code console=hvc0}: the first virtio console is the kernel's console, the PL011 is unused. */
    LinuxVm onHvc0() {
        console = "hvc0";
        return this;
    }

    /** The devices on PCI (virtio-pci) instead of virtio-mmio. */
    LinuxVm onPci() {
        pci = true;
        return this;
    }

    /** Appends {@code argument} to the kernel command line. */
    LinuxVm withKernelArgument(String argument) {
        extraArguments += " " + argument;
        return this;
    }

    /** Runs the VMM in network namespace {@code name} (where the test made its TAP device). */
    LinuxVm inNetns(String name) {
        netns = name;
        return this;
    }

    /** Starts the VM; {@code dir} receives jqvm's configuration. Returns at the initramfs's shell prompt. */
    Console boot(Path dir) throws Exception {
        return awaitShell(start(dir));
    }

    /** Waits for the shell prompt of a VM {@link #start}ed (several VMs boot at the same time so). */
    static Console awaitShell(Console c) throws InterruptedException {
        c.waitFor("JQVM-INIT-READY", BOOT);
        c.waitFor("# ", Duration.ofSeconds(60));
        return c;
    }

    /** Starts the VM without waiting for it; {@code dir} receives jqvm's configuration. */
    Console start(Path dir) throws Exception {
        GuestImages.ensure();
        List<String> command = new ArrayList<>();
        if (netns != null) {
            command.addAll(List.of("ip", "netns", "exec", netns));
        }
        if (vmm == Vmm.QEMU) {
            command.addAll(qemu());
        } else {
            Path conf = Files.createTempFile(dir, "linux-virtio", ".qvmconf");
            Files.writeString(conf, jqvmConfig(), StandardCharsets.UTF_8);
            command.addAll(List.of(Command.repo().resolve("jqvm").toString(), "@" + conf));
            dryRunSucceeds(command);
        }
        return Console.start(command, Command.repo());
    }

    List<String> qemu() {
        List<String> q = new ArrayList<>(List.of("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m", "256",
                "-display", "none", "-monitor", "none", "-serial", console.equals("ttyAMA0") ? "stdio" : "null",
                "-kernel", GuestImages.kernel().toString(), "-initrd", GuestImages.initramfs().toString(),
                "-append", "console=" + console + " " + CMDLINE + extraArguments, "-global", "virtio-mmio.force-legacy=false"));
        if (pci) {
            q.addAll(List.of("-nic", "none")); // QEMU's default NIC would take PCI slot 1
        }
        for (int n = 0; n < devices.size(); n++) {
            List<String> options = devices.get(n).qemu("virtio-mmio-bus." + n, "dev" + n);
            q.addAll(pci ? onPciSlot(options, "virtio-mmio-bus." + n, n + 1) : options);
        }
        return q;
    }

    /**
     * QEMU's PCI form of a virtio-mmio device's options: each virtio {@code -device} is the same model with
     * {@code -pci} for {@code -device} in its name, at {@code addr=slot} instead of on the mmio bus, and modern
     * only ({@code disable-legacy=on}) as jqvm's virtio-pci is (QEMU's default is a transitional device).
     */
    private static List<String> onPciSlot(List<String> options, String mmioBus, int slot) {
        List<String> out = new ArrayList<>();
        for (String o : options) {
            out.add(o.startsWith("virtio-") && o.contains(",bus=" + mmioBus)
                    ? o.replaceFirst("^(virtio-[a-z]+)-device", "$1-pci").replace(",bus=" + mmioBus, ",addr=" + slot + ",disable-legacy=on")
                    : o.startsWith("vhost-user-") && o.contains(",bus=" + mmioBus)
                    ? o.replaceFirst("^(vhost-user-[a-z]+)", "$1-pci").replace(",bus=" + mmioBus, ",addr=" + slot + ",disable-legacy=on")
                    : o);
        }
        return out;
    }

    String jqvmConfig() {
        StringBuilder s = new StringBuilder("""
                ram 0x40000000,256M
                cpu
                vdev gic version 2 gicd 0x08000000 gicc 0x08010000
                """);
        s.append(console.equals("ttyAMA0") ? "vdev pl011 loc 0x09000000 intr gic:33 hostdev >- hostdev <-\n"
                : "vdev pl011 loc 0x09000000 intr gic:33\n");
        s.append("vdev pl031 loc 0x09010000 intr gic:34\n");
        for (int n = 0; n < devices.size(); n++) {
            String placement = pci ? "" : String.format("loc 0x%08x intr gic:%d", MMIO_BASE + n * MMIO_SLOT, FIRST_INTID + n);
            s.append("vdev ").append(devices.get(n).jqvm(placement)).append('\n');
        }
        s.append("load ").append(GuestImages.kernel()).append('\n');
        s.append("initrd load ").append(GuestImages.initramfs()).append('\n');
        s.append("cmdline \"console=").append(console).append(' ').append(CMDLINE).append(extraArguments).append("\"\n");
        return s.toString();
    }

    /** A dry run first, so that a configuration jqvm refuses fails with its own message, not a boot timeout. */
    private static void dryRunSucceeds(List<String> command) throws IOException, InterruptedException {
        List<String> dryrun = new ArrayList<>(command);
        dryrun.add("dryrun");
        Command.Result dry = Command.run(dryrun, Command.repo(), Duration.ofMinutes(3));
        assertEquals(0, dry.exitStatus(), dry::describe);
    }
}
