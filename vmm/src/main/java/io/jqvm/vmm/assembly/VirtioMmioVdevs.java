package io.jqvm.vmm.assembly;

import io.jqvm.boot.fdt.Arm64Board;
import io.jqvm.common.Arch;
import io.jqvm.common.Hex;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.device.IrqLine;
import io.jqvm.memory.Space;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.blk.BlockImageException;
import io.jqvm.virtio.blk.DirectIo;
import io.jqvm.virtio.blk.VirtioBlk;
import io.jqvm.virtio.mmio.VirtioMmioTransport;
import io.jqvm.virtio.pci.VirtioPciTransport;
import io.jqvm.virtio.net.MacAddress;
import io.jqvm.virtio.net.NetBackend;
import io.jqvm.virtio.net.PasstBackend;
import io.jqvm.virtio.net.PeerBackend;
import io.jqvm.virtio.net.TapBackend;
import io.jqvm.virtio.net.VirtioNet;
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
 * The virtio vdevs, each a {@link VirtioDevice} behind a transport chosen as qvm chooses ({@link #attach}).
 * Without {@code loc}, or with {@code loc pci:0:d[.f]}, a modern virtio-pci function on the board's PCI bus
 * ({@link PciHost}), found by the guest's PCI enumeration. With an address, a virtio-mmio transport: a
 * 0x200-byte window at {@code loc}, one interrupt ({@code intr gic:N} on the arm64 board, {@code ioapic:N} on
 * the PC), version 2 unless {@code legacy} asks for version 1; the guest finds it through a {@code virtio,mmio}
 * device-tree node (as on QEMU virt) or, on the PC, through Linux's {@code virtio_mmio.device=} command-line
 * parameter.
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
        m.put("virtio-blk", VirtioMmioVdevs::block);
        m.put("virtio-entropy", VirtioMmioVdevs::entropy);
        m.put("virtio-net", VirtioMmioVdevs::net);
        m.put("virtio-console", (a, v, owner) -> new VirtioConsole(HostDevices.open(a, v)));
        m.put("virtio-vsock", VirtioMmioVdevs::vsock);
        m.put("vhost-user-blk", VhostUserDevices::blk);
        m.put("vhost-user-net", VhostUserDevices::net);
        m.put("vhost-user-fs", VhostUserDevices::fs);
        return m;
    }

    @Override
    public List<String> types() {
        return List.copyOf(DEVICES.keySet());
    }

    @Override
    public void create(Assembly a, VdevSpec v, String owner) {
        VirtioDevice device = DEVICES.get(v.type()).create(a, v, owner);
        a.resources.add(device::close);
        attach(a, v, owner, device);
    }

    /**
     * Puts a virtio device on its transport, the one place that choice is made: without {@code loc} (or with a
     * {@code pci:} one) a virtio-pci function on bus 0, as qvm does; with an address, a virtio-mmio window.
     */
    static void attach(Assembly a, VdevSpec v, String owner, VirtioDevice device) {
        if (PciHost.wants(v)) {
            if (v.has("legacy")) {
                throw new ConfigException(v.option("legacy").orElseThrow().origin(), "vdev " + v.type()
                        + " legacy: jqvm's virtio-pci is modern only; give loc and intr for a legacy virtio-mmio device");
            }
            PciHost pci = PciHost.of(a, v);
            String where = pci.add(v, owner, intx -> a.metered(owner, new VirtioPciTransport(owner, device, a.memory, intx, pci.msi())));
            a.note(owner + ": virtio-pci at " + where + (pci.msi() != null ? ", MSI-X" : "") + " and INTA#");
            return;
        }
        long base = VdevRegistry.memoryLocation(v).orElseThrow();
        Origin intrOrigin = v.option("intr").map(o -> o.origin()).orElse(v.origin());
        List<Interrupt> intrs = v.interrupts();
        if (intrs.isEmpty()) {
            throw new ConfigException(v.origin(), "vdev " + v.type() + " needs intr (" + example(a) + ")");
        }
        Interrupt intr = intrs.getFirst();
        IrqLine irq = a.interrupt(owner, intr, intrOrigin);
        boolean legacy = v.has("legacy");
        VirtioMmioTransport transport = new VirtioMmioTransport(owner, device, a.memory, irq, legacy);
        a.mapDevice(v, owner + " (virtio-mmio " + (legacy ? "version 1" : "version 2") + ")", Space.MEM, base,
                VirtioMmioTransport.WINDOW_SIZE, transport);
        if (a.arch == Arch.AARCH64) {
            VdevRegistry.describe(a, owner, base, (int) intr.line(), spi -> Arm64Board.Peripheral.virtioMmio(base, spi));
        } else {
            // Linux's documented form: virtio_mmio.device=<size>@<baseaddr>:<irq>
            String parameter = "virtio_mmio.device=" + VirtioMmioTransport.WINDOW_SIZE + "@" + Hex.of(base) + ":" + intr.line();
            a.kernelParameters.add(parameter);
            a.note(owner + ": announced to Linux by " + parameter + " on the kernel command line");
        }
    }

    private static String example(Assembly a) {
        return a.arch == Arch.AARCH64 ? "e.g. intr gic:48" : "e.g. intr ioapic:16";
    }

    // ---- the devices -----------------------------------------------------------------------------------

    /**
     * A raw image ({@code hostdev FILE}, or {@code hostdev <FILE} read-only: the guest sees VIRTIO_BLK_F_RO and the
     * file is opened read-only); a file that cannot serve as a disk is a configuration error at its hostdev.
     */
    private static VirtioDevice block(Assembly a, VdevSpec v, String owner) {
        Value.HostDevice hostdev = v.value("hostdev", Value.HostDevice.class).orElseThrow();
        boolean readOnly = hostdev.direction() == Value.HostDevice.Direction.INPUT;
        String serial = v.value("serial", Value.Text.class).map(Value.Text::value).orElse(null);
        int threads = v.value("threads", Value.Number.class).map(n -> (int) n.value()).orElse(VirtioBlk.DEFAULT_THREADS);
        DirectIo dio = v.value("dio", Value.Text.class).map(t -> DirectIo.of(t.value())).orElse(DirectIo.DISABLE);
        if (v.has("delayed")) {
            throw new ConfigException(v.option("delayed").orElseThrow().origin(),
                    "vdev virtio-blk: delayed is not implemented yet (the disk image is opened when the VM starts)");
        }
        try {
            return VirtioBlk.open(Path.of(hostdev.target()), readOnly, serial, threads, dio);
        } catch (BlockImageException | InvalidPathException e) {
            throw new ConfigException(v.option("hostdev").orElseThrow().origin(), "vdev virtio-blk: " + e.getMessage());
        }
    }

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

    /**
     * A network card on its one backend: a host TAP interface ({@code tapdev}), another jqvm ({@code peer}, this
     * end's socket {@code name}) or passt (started by jqvm, or its socket). Without {@code mac} the address is
     * derived from the VM and the device, the same on every run.
     */
    private static VirtioDevice net(Assembly a, VdevSpec v, String owner) {
        MacAddress mac = macAddress(a, v, owner);
        String backendOption = v.has("tapdev") ? "tapdev" : v.has("peer") ? "peer" : "passt";
        if (backendOption.equals("peer") && v.name().isEmpty()) {
            throw new ConfigException(v.option("peer").orElseThrow().origin(), "vdev virtio-net peer: jqvm links two VMs over "
                    + "Unix sockets; give this end's socket too (name PATH)");
        }
        if (a.showOnly) {
            a.note(owner + ": " + backendOption + " back end not opened by a dry run");
            return new VirtioNet(owner, mac, NetBackend.unopened());
        }
        NetBackend backend;
        try {
            backend = switch (backendOption) {
                case "tapdev" -> TapBackend.open(v.value("tapdev", Value.Text.class).orElseThrow().value());
                case "peer" -> PeerBackend.open(Path.of(v.name().orElseThrow()),
                        Path.of(v.value("peer", Value.Text.class).orElseThrow().value()));
                default -> v.value("passt", Value.class).orElseThrow() instanceof Value.Text socket
                        ? PasstBackend.connect(Path.of(socket.value())) : PasstBackend.launch();
            };
        } catch (IOException | InvalidPathException e) {
            throw new ConfigException(v.option(backendOption).orElseThrow().origin(), "vdev virtio-net " + backendOption + ": "
                    + e.getMessage());
        }
        return new VirtioNet(owner, mac, backend);
    }

    /**
     * A network card's {@code mac}; without it, an address derived from the VM and the device (its {@code loc}, or
     * where the vdev stands in the configuration when it has none), the same on every run.
     */
    static MacAddress macAddress(Assembly a, VdevSpec v, String owner) {
        try {
            return v.value("mac", Value.Mac.class).map(m -> MacAddress.of(m.address()))
                    .orElseGet(() -> MacAddress.derived(a.name + " " + owner + " "
                            + v.location().map(Object::toString).orElse(v.origin().toString())));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(v.option("mac").orElseThrow().origin(), "vdev " + v.type() + " mac: " + e.getMessage());
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
