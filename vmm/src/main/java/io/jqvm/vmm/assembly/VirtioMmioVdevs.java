package io.jqvm.vmm.assembly;

import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.common.Arch;
import io.jqvm.common.Hex;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.IrqLine;
import io.jqvm.memory.Space;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.mmio.VirtioMmioTransport;
import io.jqvm.virtio.rng.EntropySource;
import io.jqvm.virtio.console.VirtioConsole;
import io.jqvm.virtio.rng.VirtioEntropy;
import io.jqvm.virtio.vsock.VirtioVsock;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The virtio vdevs, each a {@link VirtioDevice} behind a virtio-mmio transport: a 0x200-byte window at
 * {@code loc}, one interrupt ({@code intr gic:N} on the arm64 board, {@code ioapic:N} on the PC), version 2
 * unless {@code legacy} asks for version 1. The guest finds a transport through a {@code virtio,mmio}
 * device-tree node (as on QEMU virt) or, on the PC, through Linux's {@code virtio_mmio.device=} command-line
 * parameter. Without {@code loc} qvm would make the device PCI, which jqvm does not have yet.
 */
final class VirtioMmioVdevs implements VdevFamily {
    /** Builds the device behind one virtio vdev; host resources it opens are closed with the VM. */
    @FunctionalInterface
    interface DeviceFactory {
        VirtioDevice create(Assembly a, VdevSpec v, String owner);
    }

    private static final Map<String, DeviceFactory> DEVICES = devices();

    private static Map<String, DeviceFactory> devices() {
        Map<String, DeviceFactory> m = new LinkedHashMap<>();
        m.put("virtio-entropy", VirtioMmioVdevs::entropy);
        m.put("virtio-console", (a, v, owner) -> new VirtioConsole(HostDevices.open(a, v)));
        m.put("virtio-vsock", VirtioMmioVdevs::vsock);
        return m;
    }

    @Override
    public List<String> types() {
        return List.copyOf(DEVICES.keySet());
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        long base = window(v);
        Origin intrOrigin = v.option("intr").map(o -> o.origin()).orElse(v.origin());
        List<Interrupt> intrs = v.interrupts();
        if (intrs.isEmpty()) {
            throw new ConfigException(v.origin(), "vdev " + v.type() + " needs intr (" + example(a) + ")");
        }
        Interrupt intr = intrs.getFirst();
        IrqLine irq = a.interrupt(owner, intr, intrOrigin);
        VirtioDevice device = DEVICES.get(v.type()).create(a, v, owner);
        a.resources.add(device::close);
        boolean legacy = v.has("legacy");
        VirtioMmioTransport transport = new VirtioMmioTransport(owner, device, a.memory, irq, legacy);
        a.mapDevice(v, owner + " (virtio-mmio " + (legacy ? "version 1" : "version 2") + ")", Space.MEM, base,
                VirtioMmioTransport.WINDOW_SIZE, transport);
        if (a.arch == Arch.AARCH64) {
            VdevRegistry.describe(a, owner, base, (int) intr.line(), spi -> Arm64Board.Peripheral.virtioMmio(base, spi));
        } else {
            // Linux's documented form: virtio_mmio.device=<size>@<baseaddr>:<irq>
            a.kernelParameters.add("virtio_mmio.device=" + VirtioMmioTransport.WINDOW_SIZE + "@" + Hex.of(base) + ":" + intr.line());
        }
    }

    /** The transport's base: {@code loc} in guest-physical memory, refused with the reason otherwise. */
    private static long window(VdevSpec v) {
        if (v.location().isEmpty()) {
            throw new ConfigException(v.origin(), "vdev " + v.type() + " without loc would be a PCI device, and jqvm has no "
                    + "PCI yet: give loc and intr to make it virtio-mmio (e.g. loc 0x0a000000 intr gic:48 on the virt board)");
        }
        Location location = v.location().get();
        if (location instanceof Location.PciSlot) {
            throw new ConfigException(v.option("loc").orElseThrow().origin(), "vdev " + v.type() + " loc "
                    + Quote.of(location.toString()) + ": jqvm has no PCI yet; give a guest-physical address for virtio-mmio");
        }
        return VdevRegistry.memoryLocation(v).orElseThrow();
    }

    private static String example(Assembly a) {
        return a.arch == Arch.AARCH64 ? "e.g. intr gic:48" : "e.g. intr ioapic:16";
    }

    // ---- the devices -----------------------------------------------------------------------------------

    /** The host's random source, opened now or, with {@code delayed}, when the guest first asks. */
    private static VirtioDevice entropy(Assembly a, VdevSpec v, String owner) {
        EntropySource.Opener opener = EntropySource.hostRandom();
        Value.Delay delay = v.value("delayed", Value.Delay.class).orElse(null);
        if (delay != null) {
            long within = delay.forever() ? VirtioEntropy.FOREVER : delay.seconds() * 1_000_000_000L;
            return VirtioEntropy.delayed(owner, opener, within, a.clock, a.deviceWorker());
        }
        try {
            return VirtioEntropy.open(owner, opener, a.clock, a.deviceWorker());
        } catch (IOException e) {
            throw new ConfigException(v.origin(), "vdev virtio-entropy: cannot open the host's random source: " + e.getMessage()
                    + " (add delayed to wait for it)");
        }
    }

    /** Guest CID {@code cid}; the host's main socket {@code uds}, made now (Firecracker's convention). */
    private static VirtioDevice vsock(Assembly a, VdevSpec v, String owner) {
        long cid = v.value("cid", Value.Number.class).orElseThrow().value();
        String uds = v.value("uds", Value.Text.class).orElseThrow().value();
        Origin at = v.option("uds").orElseThrow().origin();
        try {
            return VirtioVsock.open(cid, Path.of(uds));
        } catch (InvalidPathException e) {
            throw new ConfigException(at, "vdev virtio-vsock uds " + Quote.of(uds) + " is not a valid path: " + e.getReason());
        } catch (IOException e) {
            throw new ConfigException(at, "vdev virtio-vsock uds " + e.getMessage());
        }
    }
}
