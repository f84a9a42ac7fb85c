package io.jqvm.vmm.assembly;

import io.jqvm.common.Arch;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.Hex;
import io.jqvm.common.VmmException;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.PassAttribute;
import io.jqvm.config.model.PassHost;
import io.jqvm.config.model.PassInterrupt;
import io.jqvm.config.model.PassInterruptSource;
import io.jqvm.config.model.PassLocation;
import io.jqvm.config.model.PassSpec;
import io.jqvm.device.EndOfInterruptNotifier;
import io.jqvm.device.EventfdInterrupts;
import io.jqvm.device.GuestMappings;
import io.jqvm.device.InterruptController;
import io.jqvm.device.IrqLine;
import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.memory.AddressMap;
import io.jqvm.memory.Space;
import io.jqvm.vmm.pass.DevPortHostPorts;
import io.jqvm.vmm.pass.EmulatedLineDelivery;
import io.jqvm.vmm.pass.HostInterrupt;
import io.jqvm.vmm.pass.HostRegion;
import io.jqvm.vmm.pass.PassClaims;
import io.jqvm.vmm.pass.PassThroughException;
import io.jqvm.vmm.pass.PortForwarder;
import io.jqvm.vmm.pass.vfio.HostPciDevices;
import io.jqvm.vmm.pass.vfio.VfioHost;
import io.jqvm.vmm.pass.vfio.VfioPciDevice;
import io.jqvm.vmm.pass.vfio.VfioPciFunction;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * qvm's {@code pass}: host memory, ports and interrupts handed to the guest. Every range goes into the address
 * map (dryrun shows it); for a VM that will run, each host resource is first claimed host-wide ({@link PassClaims}),
 * then opened: memory is mapped into guest-physical space when the VM starts (read-only without {@code w}, never
 * zeroed), ports are forwarded to the host's, interrupts are routed into the accelerator's controller with an
 * irqfd or delivered to the emulated one by a thread. Which of the two is the controller's business
 * ({@link EventfdInterrupts}, {@link EndOfInterruptNotifier}); this class never asks which accelerator runs.
 */
final class PassThrough {
    private static final long PAGE = 4096;
    /** No attributes written: a device's registers, read and written. */
    private static final Set<PassAttribute> DEFAULT_ATTRIBUTES = EnumSet.of(PassAttribute.READ, PassAttribute.WRITE);

    private final Assembly a;
    private PassClaims claims;

    private PassThrough(Assembly a) {
        this.a = a;
    }

    static void build(Assembly a) {
        PassThrough pass = new PassThrough(a);
        for (PassSpec p : a.spec.passes()) {
            for (PassLocation loc : p.locations()) {
                switch (loc.guest()) {
                    case Location.Memory m -> pass.memory(p, loc, m.address());
                    case Location.Io io -> pass.ports(loc, (int) io.port());
                    case Location.PciSlot s -> pass.pciDevice(loc, s);
                    case Location.PciId id -> pass.pciDevice(loc, null);
                }
            }
            for (PassInterrupt intr : p.interrupts()) {
                pass.interrupt(intr);
            }
        }
    }

    /** True for a VM that will run: dryrun opens and claims nothing on the host. */
    private boolean live() {
        return a.runtimeDirectory.isPresent() && !a.dryrun;
    }

    private PassClaims claims() {
        if (claims == null) {
            Path runtimeRoot = a.runtimeDirectory.orElseThrow().path().getParent();
            claims = new PassClaims(runtimeRoot, a.name);
            a.resources.add(claims);
        }
        return claims;
    }

    private void memory(PassSpec p, PassLocation loc, long gpa) {
        long length = loc.length().orElse(PAGE);
        if (gpa % PAGE != 0 || length % PAGE != 0) {
            throw new ConfigException(loc.origin(), "pass loc " + Hex.of(gpa) + "," + Hex.size(length)
                    + ": pass-through memory is mapped in 4 KiB pages; the address and length must be multiples of 4K");
        }
        Set<PassAttribute> attributes = loc.attributes().orElse(DEFAULT_ATTRIBUTES);
        if (!attributes.contains(PassAttribute.READ)) {
            throw new ConfigException(loc.origin(), "pass loc " + Hex.of(gpa) + ": jqvm maps pass-through memory, which the"
                    + " guest can then always read; give it 'r'");
        }
        if (attributes.contains(PassAttribute.DMA) && !p.unsafe()) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, loc.origin() + ": pass loc " + Hex.of(gpa)
                    + ": 'd' says the device does DMA, and nothing confines it: the guest programs it with guest-physical"
                    + " addresses and it reaches host memory without an IOMMU (only VFIO, pass loc pci:, gives it one);"
                    + " add 'unsafe' to this pass to accept that");
        }
        boolean writable = attributes.contains(PassAttribute.WRITE);
        PassHost host = loc.host().orElse(new PassHost.Address(new Location.Memory(gpa)));
        if (host instanceof PassHost.Address address && !(address.location() instanceof Location.Memory)) {
            throw new ConfigException(loc.origin(), "pass loc: host side " + host + " is not memory");
        }
        a.peerMappedMemory = true; // the device (or the object's owner) writes it behind the vCPUs
        a.claim(new AddressMap.Claim(Space.MEM, gpa, length, AddressMap.Kind.PASS, "pass " + host + (writable ? " rw" : " r"),
                loc.origin().toString()), loc.origin());
        if (!live()) {
            return;
        }
        HostRegion.Source source = HostRegion.source(host, length);
        HostRegion region = hostFailure(loc.origin(), () -> {
            HostRegion.ClaimKey key = source.claimKey();
            claims().claim(key.object(), key.offset(), key.length(), "pass loc " + host);
            return HostRegion.open(host, length, writable);
        });
        a.resources.add(region);
        a.onStart.add(platform -> platform.vm().mapMemory(gpa, region.segment(), !writable));
        a.note("pass: " + Hex.of(gpa) + "+" + Hex.size(length) + " <- " + region + (writable ? "" : ", read-only"));
    }

    private void ports(PassLocation loc, int guestPort) {
        long length = loc.length().orElse(1);
        if (a.arch != Arch.X86_64) {
            throw new ConfigException(loc.origin(), "pass loc io: passes x86 I/O ports; this is an " + a.arch + " guest");
        }
        int hostPort = loc.host().map(h -> (int) ((Location.Io) ((PassHost.Address) h).location()).port()).orElse(guestPort);
        if (guestPort + length > 0x10000 || hostPort + length > 0x10000) {
            throw new ConfigException(loc.origin(), "pass loc io:" + Hex.of(guestPort) + "," + length + ": ports end at 0xffff");
        }
        a.claim(new AddressMap.Claim(Space.IO, guestPort, length, AddressMap.Kind.PASS, "pass io:" + Hex.of(hostPort),
                loc.origin().toString()), loc.origin());
        if (!live()) {
            return;
        }
        DevPortHostPorts ports = hostFailure(loc.origin(), () -> {
            claims().claim("ioport", hostPort, length, "pass loc io:" + Hex.of(hostPort));
            return DevPortHostPorts.open();
        });
        a.resources.add(ports);
        a.pio.register(guestPort, length, new PortForwarder(ports, hostPort, length), "pass io:" + Hex.of(hostPort));
    }

    private void interrupt(PassInterrupt intr) {
        String owner = "pass intr " + intr.guest();
        IrqLine line = a.interrupt(owner, intr.guest(), intr.origin());
        InterruptController controller = a.controllers.get(intr.guest().controller().orElseThrow()).controller();
        if (!(controller instanceof EventfdInterrupts) && !(controller instanceof EndOfInterruptNotifier)) {
            throw new ConfigException(intr.origin(), "pass intr " + intr.guest() + ": controller "
                    + intr.guest().controller().get() + " cannot take a host interrupt");
        }
        PassInterruptSource source = intr.source().orElseThrow(() -> new VmmException(ExitStatus.FATAL_BEFORE_START,
                intr.origin() + ": pass intr " + intr.guest() + ": name the host interrupt (=uio:N or =eventfd:SOCKET);"
                        + " Linux gives a process no host vectors"));
        if (source instanceof PassInterruptSource.Vector v) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, intr.origin() + ": pass intr " + intr.guest() + "="
                    + v + ": Linux gives a process no host interrupt vectors; write =uio:N (a UIO device) or"
                    + " =eventfd:SOCKET (a process that hands over an eventfd)");
        }
        if (intr.threaded()) {
            a.note("pass intr " + intr.guest() + ",t: a host interrupt always reaches the guest from a thread or the kernel's irqfd");
        }
        if (!live()) {
            return;
        }
        HostInterrupt host = hostFailure(intr.origin(), () -> switch (source) {
            case PassInterruptSource.Uio u -> {
                claims().claim(HostRegion.objectIdentity(Path.of("/dev/uio" + u.device())), 0, 1, "pass intr =" + u);
                yield HostInterrupt.fromUio(u.device(), intr.unmaskImmediately(), a.name);
            }
            case PassInterruptSource.Eventfd e -> {
                claims().claim(HostRegion.objectIdentity(Path.of(e.socketPath())), 0, 1, "pass intr =" + e);
                yield HostInterrupt.fromPeer(Path.of(e.socketPath()), intr.unmaskImmediately());
            }
            case PassInterruptSource.Vector v -> throw new IllegalStateException("refused above");
        });
        a.resources.add(host);
        deliverAtStart(host, intr.guest(), line, owner);
    }

    /**
     * Once the VM runs, {@code host}'s signals reach guest line {@code guest}: through the accelerator's irqfd when
     * the controller takes one, else by a thread, the guest's end of interrupt signalling the resample eventfd.
     */
    private void deliverAtStart(HostInterrupt host, Interrupt guest, IrqLine line, String owner) {
        InterruptController controller = a.controllers.get(guest.controller().orElseThrow()).controller();
        int lineNumber = (int) guest.line();
        a.onStart.add(platform -> {
            if (controller instanceof EventfdInterrupts kernel) {
                a.resources.add(kernel.connect(lineNumber, host.triggerFd(), host.resampleFd()));
            } else {
                a.resources.add(new EmulatedLineDelivery(host, line, (EndOfInterruptNotifier) controller, lineNumber,
                        a.name + "-" + owner.replace(' ', '-')));
            }
        });
    }

    /**
     * {@code pass loc pci:...}: a host PCI device through VFIO. The host device is {@code =pci:b:d.f} or
     * {@code =pci:vid/did}, else the guest location's own (a slot, or the IDs of {@code pass loc pci:vid/did},
     * which then goes to the lowest free slot). Found in sysfs, claimed host-wide, opened (container, group,
     * device, reset, guest RAM mapped for its DMA: the IOMMU confines it, so no {@code unsafe} is needed) and put
     * on bus 0 with its configuration space virtualised; its BARs map into guest memory once the VM runs.
     */
    private void pciDevice(PassLocation loc, Location.PciSlot guestSlot) {
        Location host = loc.host().map(h -> ((PassHost.Address) h).location()).orElse(loc.guest());
        String owner = "pass loc " + loc.guest() + (loc.host().isPresent() ? "=" + host : "");
        if (guestSlot != null && guestSlot.bus() != 0) {
            throw new ConfigException(loc.origin(), owner + ": PCI devices sit on bus 0 in the guest (qvm's rule)");
        }
        if (!live()) {
            a.note("pass: PCI " + host + " -> guest " + (guestSlot == null ? "first free slot" : guestSlot)
                    + " (found, opened and placed when the VM runs)");
            return;
        }
        VfioHost vfio = VfioHost.current();
        VfioPciDevice device = hostFailure(loc.origin(), () -> {
            HostPciDevices.Device found = HostPciDevices.find(vfio.sysfs(), host);
            claims().claim("pci:" + found.name(), 0, 1, owner + " (host " + found.name() + ")");
            return VfioPciDevice.open(vfio.kernel(), found.name(), found.iommuGroup(), a.memory.regions());
        });
        a.resources.add(device);
        PciHost pci = PciHost.of(a, loc.origin());
        VfioPciFunction function = hostFailure(loc.origin(), () -> new VfioPciFunction(device, pci.msi(),
                a.name + "-vfio-" + device.name()));
        a.resources.add(function);
        PciHost.Placed placed = pci.addPassThrough(loc.origin(), guestSlot, owner, function.intx() != null, line -> function);
        if (placed.intx() != null) {
            deliverAtStart(function.intx(), placed.intx(), placed.line(), owner + " INTx");
        }
        a.onStart.add(platform -> function.attach(new GuestMappings() {
            @Override
            public void map(long gpa, MemorySegment hostMemory, String what) {
                platform.vm().mapMemory(gpa, hostMemory);
            }

            @Override
            public void unmap(long gpa) {
                platform.vm().unmapMemory(gpa);
            }
        }));
        a.peerMappedMemory = true; // the device writes guest RAM (DMA) and its mapped BARs behind the vCPUs
        a.note("pass: " + placed.where() + " <- host " + device.name() + " (VFIO)");
    }

    private interface HostStep<T> {
        T run();
    }

    /** Runs a host-facing step; a refusal becomes exit 64 naming the configuration line. */
    private static <T> T hostFailure(Origin origin, HostStep<T> step) {
        try {
            return step.run();
        } catch (PassThroughException e) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, origin + ": " + e.getMessage());
        } catch (HostException e) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, origin + ": " + e.getMessage() + " (" + Libc.strerror(e.errno()) + ")");
        }
    }
}
